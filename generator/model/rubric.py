"""The one document model: rubric → item → sub-item → band, immutable.

Only :mod:`generator.model.loader` builds these objects; every writer and reader
consumes them.  Points are numbers here; the printed labels such as
``（1-6分）`` are derived from them, never stored as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

HeaderKind = Literal["text", "total"]
HeaderRole = Literal["name", "unit", "other"]


def points_label(points: int) -> str:
    """The label the official forms print after a name: ``（10分）``."""
    return f"（{points}分）"


@dataclass(frozen=True, slots=True)
class Band:
    """One scoring band (评分标准): a range of points, or a fixed number."""

    text: str
    min: int
    max: int
    veto: bool = False
    note: str = ""

    @property
    def is_fixed(self) -> bool:
        return self.min == self.max

    @property
    def label(self) -> str:
        """``（1-6分）`` for a range, ``（5分）`` for a fixed band."""
        if self.is_fixed:
            return points_label(self.min)
        return f"（{self.min}-{self.max}分）"

    @property
    def display_text(self) -> str:
        """The band as printed: text, range label, then the note if any."""
        note = f"（注：{self.note}）" if self.note else ""
        return f"{self.text}{self.label}{note}"

    def contains(self, score: int) -> bool:
        return self.min <= score <= self.max


@dataclass(frozen=True, slots=True)
class SubItem:
    """One sub-item (评审细项): the unit the applicant gives one score to."""

    id: str
    name: str
    points: int
    bands: tuple[Band, ...]

    @property
    def label(self) -> str:
        return f"{self.name}{points_label(self.points)}"

    @property
    def veto_band(self) -> Band | None:
        """The veto band (一票否决), if this sub-item has one."""
        return next((band for band in self.bands if band.veto), None)

    def band_for(self, score: int) -> Band | None:
        """The band a score falls in; ``None`` for 0 and for scores in a gap."""
        return next((band for band in self.bands if band.contains(score)), None)

    def accepts(self, score: int) -> bool:
        """Whether a score is allowed: 0 (no credit) or inside some band."""
        return score == 0 or self.band_for(score) is not None


@dataclass(frozen=True, slots=True)
class Item:
    """One item (评审项目), made of sub-items whose points add up to its own."""

    id: str
    name: str
    points: int
    subitems: tuple[SubItem, ...]

    @property
    def label(self) -> str:
        return f"{self.name}{points_label(self.points)}"


@dataclass(frozen=True, slots=True)
class HeaderField:
    """A blank above the table: 姓名, 单位, 岗位, 班组名称, or the total.

    ``role`` says what the blank is about: ``name`` is who the form is for
    (姓名 or 班组名称: file names, greetings, duplicates), ``unit`` the
    organisation (told apart by it when names repeat); ``wide`` asks the
    layout for a longer blank.
    """

    id: str
    label: str
    kind: HeaderKind = "text"
    role: HeaderRole = "other"
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Columns:
    """The rubric table's column heads, as printed."""

    item: str
    subitem: str
    band: str
    score: str


@dataclass(frozen=True, slots=True)
class Footer:
    """Below the table: the review opinion, the organisation's seal line and the date line."""

    review: str
    organization: str
    seal: str
    date: str


@dataclass(frozen=True, slots=True)
class Rubric:
    """One self-assessment form, e.g. 服务明星 (``star``)."""

    id: str
    name: str
    title: str
    subject_label: str
    subject: str
    total: int
    header: tuple[HeaderField, ...]
    columns: Columns
    footer: Footer
    items: tuple[Item, ...]
    fingerprint: str = field(default="", compare=False)

    @property
    def subject_line(self) -> str:
        return f"{self.subject_label}：{self.subject}"

    @property
    def subitems(self) -> tuple[SubItem, ...]:
        return tuple(sub for item in self.items for sub in item.subitems)

    @property
    def applicant_fields(self) -> tuple[HeaderField, ...]:
        """The header blanks the applicant types in (all but the total)."""
        return tuple(f for f in self.header if f.kind == "text")

    @property
    def total_field(self) -> HeaderField:
        return next(f for f in self.header if f.kind == "total")

    @property
    def name_field(self) -> HeaderField:
        """The blank naming who the form is for (姓名 or 班组名称)."""
        return next(f for f in self.header if f.role == "name")

    @property
    def unit_field(self) -> HeaderField | None:
        """The blank naming the applicant's organisation (单位), if the form has one."""
        return next((f for f in self.header if f.role == "unit"), None)

    def subitem(self, subitem_id: str) -> SubItem:
        return next(sub for sub in self.subitems if sub.id == subitem_id)


@dataclass(frozen=True, slots=True)
class RubricSet:
    """All rubrics of one ``rubrics.toml``, in file order."""

    source: Path
    rubrics: tuple[Rubric, ...]

    def __iter__(self) -> Iterator[Rubric]:
        return iter(self.rubrics)

    def __len__(self) -> int:
        return len(self.rubrics)

    def get(self, rubric_id: str) -> Rubric | None:
        return next((r for r in self.rubrics if r.id == rubric_id), None)
