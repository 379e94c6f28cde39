"""The applications of one rubric's archive, in ranking order, and what the archive says about each.

The order is the tabulation's (:func:`generator.reports.tabulate.rubric_table`):
best total first, equal totals sharing a rank (1, 2, 2, 4) and ordered by
source, then the paper applications whose scores are not keyed yet, unranked.
Every text here is plain data, so the archive's font subset can be cut for
exactly these characters before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.model.rubric import Rubric
from generator.readers.results import FormResult
from generator.reports.tabulate import rubric_table

UNRANKED = "待录入"
NO_SEAL = "—"
MAX_PROBLEMS_SHOWN = 2
PROBLEM_CHARS = 30


@dataclass(frozen=True, slots=True)
class Entry:
    """One application in the archive: its place (``number``, from 1), its rank (0: not keyed yet), its result."""

    number: int
    rank: int
    result: FormResult
    rubric: Rubric

    @property
    def key(self) -> str:
        """The name of the destination at its first page."""
        return f"app-{self.number}"

    @property
    def label_prefix(self) -> str:
        """Its page labels are ``3-1``, ``3-2`` …: its number, a hyphen, the page within it."""
        return f"{self.number}-"

    @property
    def scored(self) -> bool:
        return bool(self.result.scores)

    @property
    def name(self) -> str:
        """The name (or team name) as typed, else a note that it is blank or, on paper, not keyed yet."""
        label = self.rubric.name_field.label
        blank = f"（{label}待录入）" if not self.scored and self.result.scan is not None else f"（未填写{label}）"
        return self.result.applicant.get(self.rubric.name_field.id, "").strip() or blank

    @property
    def unit(self) -> str:
        unit = self.rubric.unit_field
        return self.result.applicant.get(unit.id, "").strip() if unit else ""

    @property
    def rank_text(self) -> str:
        return str(self.rank) if self.rank else UNRANKED

    @property
    def total_text(self) -> str:
        return str(self.result.total or 0) if self.scored else "—"

    @property
    def seal_text(self) -> str:
        """The paper seal as seen on the scan, the electronic signature's state, both, or a dash."""
        result = self.result
        paper = result.seal_text if result.scan is not None and result.seal else ""
        electronic = result.e_seal.text if result.e_seal is not None else ""
        if paper and electronic:
            return f"纸质{paper}；电子{electronic}"
        return paper or electronic or NO_SEAL

    @property
    def outline_title(self) -> str:
        """Its bookmark: rank, name, total."""
        if not self.scored:
            return f"{UNRANKED}　{self.name}"
        return f"第{self.rank}名　{self.name}（{self.total_text}分）"

    def summary(self) -> str:
        """One line naming the application, for the band atop each of its pages."""
        parts = [f"第 {self.rank} 名" if self.rank else UNRANKED, self.name, self.unit]
        if self.scored:
            parts.append(f"核算总分 {self.total_text} 分")
        else:
            parts.append("纸质表格，评分尚未录入")
        parts.append(self.result.eligibility_text)
        if self.seal_text != NO_SEAL:
            parts.append(self.seal_text)
        return "　".join(p for p in parts if p)

    def source_line(self) -> str:
        return f"来源：{self.result.source}（{self.result.format_text}）"

    @property
    def scan_pages(self) -> tuple[tuple[str, int], ...]:
        return self.result.scan.page_refs if self.result.scan is not None else ()

    def problems_cell(self, form_pages: int) -> str:
        """The ranking table's problem cell: the first problems, shortened, and where the whole list is."""
        problems = self.result.problems
        if not problems:
            return "无"
        shown = [f"{n}. {shorten(p, PROBLEM_CHARS)}" for n, p in enumerate(problems[:MAX_PROBLEMS_SHOWN], start=1)]
        page = f"{self.label_prefix}{self.problems_page(form_pages)}"
        return "\n".join([*shown, f"共 {len(problems)} 项，见 {page} 页"])

    def problems_page(self, form_pages: int) -> int:
        """The page (within the application) its problem list starts on: after the form and the scans."""
        return form_pages + len(self.scan_pages) + 1


def shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def archive_entries(rubric: Rubric, results: Sequence[FormResult]) -> list[Entry]:
    """The rubric's applications (forms read, of this rubric): ranked, then the paper ones not keyed yet."""
    rows = rubric_table(rubric, results).rows
    return [Entry(number, row.rank, row.result, rubric) for number, row in enumerate(rows, start=1)]
