"""The layout's vocabulary: typography, blanks, table cells, pages, the footer block.

Lengths are millimetres, font sizes points.  Horizontal positions count from
the left edge of the content area (the left margin); vertical ones from the
top of the block they belong to, downwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.model.fields import FormField

FontRole = Literal["title", "body"]
CellRole = Literal["item", "subitem", "band", "score"]
Align = Literal["left", "center", "justify"]

CELL_ALIGN: dict[CellRole, Align] = {"item": "center", "subitem": "center", "band": "left", "score": "center"}
"""How each kind of table cell aligns its lines (band texts ragged-right: the layout breaks their lines)."""


@dataclass(frozen=True, slots=True)
class Typography:
    """Sizes and spacing.

    The title is set in the body's Song (serif) face, bold, at 二号 (22 pt) as
    official forms set it; ``faux_bold_em`` is the outline width, in ems, that
    the PDF writer strokes bold text with when the face has no bold (Word
    emboldens such a face itself, by about as much).  Header and footer text is
    小四 (12 pt), the table 五号 (10.5 pt); ``field_size`` is the size of typed
    header and footer values.
    """

    title_size: float = 22.0
    header_size: float = 12.0
    field_size: float = 10.0
    score_size: float = 12.0
    table_head_size: float = 10.5
    table_size: float = 10.5
    footer_size: float = 10.5
    line_spacing: float = 1.25
    cell_padding_mm: float = 1.0
    faux_bold_em: float = 0.03
    title_gap_mm: float = 4.0
    subject_gap_mm: float = 1.0
    blank_line_mm: float = 9.0
    table_gap_mm: float = 3.0


@dataclass(frozen=True, slots=True)
class Blank:
    """A labelled blank on a line, ``label____suffix``: where its label starts, where the blank
    (the field, over a line to write on) starts and ends."""

    label: str
    field: FormField
    label_x_mm: float
    x0_mm: float
    x1_mm: float
    suffix: str = ""

    @property
    def width_mm(self) -> float:
        return self.x1_mm - self.x0_mm


@dataclass(frozen=True, slots=True)
class Heading:
    """Page 1 above the table: title lines, subject lines, lines of header blanks."""

    title_lines: tuple[str, ...]
    subject_lines: tuple[str, ...]
    blank_lines: tuple[tuple[Blank, ...], ...]
    title_leading_mm: float
    subject_leading_mm: float
    subject_top_mm: float
    blanks_top_mm: float
    height_mm: float

    @property
    def blanks(self) -> tuple[Blank, ...]:
        """Every header blank, in printing order."""
        return tuple(blank for line in self.blank_lines for blank in line)


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width_mm: float


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text and lines, where it starts, how many rows it spans.

    ``row`` counts body rows from 0 (the header row is separate).  A score
    cell has no text and carries its field instead.  ``name`` is what a
    continued cell repeats (the item's name); ``continued`` marks that copy.
    """

    role: CellRole
    column: int
    row: int
    row_span: int
    text: str = ""
    field: FormField | None = None
    name: str = ""
    lines: tuple[str, ...] = ()
    continued: bool = False

    @property
    def align(self) -> Align:
        return CELL_ALIGN[self.role]


@dataclass(frozen=True, slots=True)
class RowGroup:
    """Body rows ``first`` .. ``first + count - 1`` that must stay on one page (one sub-item)."""

    first: int
    count: int


@dataclass(frozen=True, slots=True)
class PageTable:
    """The body rows ``first`` .. ``stop - 1`` that go on one page, with that page's cells
    (clipped to those rows) and row heights."""

    first: int
    stop: int
    cells: tuple[Cell, ...]
    row_heights_mm: tuple[float, ...]

    @property
    def height_mm(self) -> float:
        return sum(self.row_heights_mm)


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle: left, top, right, bottom."""

    x0_mm: float
    top_mm: float
    x1_mm: float
    bottom_mm: float


@dataclass(frozen=True, slots=True)
class FooterBlock:
    """The bordered box closing the table, as wide as the table, kept on one page.

    From top to bottom: the review label; the review field's writing room;
    the organisation line (``所在组织（或推荐机构）____（盖章）``, its blank a
    field); the seal band: the date line, and at the right end the seal area,
    a square for a seal up to ``seal.width`` across (the seal field) marked on
    its open sides by a light dashed line.  No field overlaps another.
    """

    review_label: str
    review_field: FormField
    review_box: Box
    organization: Blank
    organization_top_mm: float
    seal_area: Box
    seal_field: FormField
    seal_box: Box
    date_label: str
    date_field: FormField
    date_box: Box
    height_mm: float
