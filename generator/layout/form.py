"""The form's layout, decided once from the model and rendered by every writer.

The Word writer and the PDF writer both take a :class:`FormLayout` and draw
exactly what it says: the texts, the table's columns and widths, which cells
span which rows, which rows must stay on one page, where the fields go, the
font roles and sizes, and the footer with its seal area.  Neither writer
decides any of this on its own.

Lengths are millimetres, font sizes are points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.layout.linebreak import text_width_mm
from generator.model.fields import (
    FormField,
    header_field,
    review_date_field,
    review_field,
    score_field,
    seal_field,
)
from generator.model.rubric import Rubric

FontRole = Literal["title", "body"]
CellRole = Literal["item", "subitem", "band", "score"]
Align = Literal["left", "center", "justify"]

CELL_ALIGN: dict[CellRole, Align] = {"item": "center", "subitem": "center", "band": "justify", "score": "center"}
"""How each kind of table cell aligns its text; band texts are justified where the writer can."""

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_MM = 20.0
CONTENT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM


@dataclass(frozen=True, slots=True)
class Typography:
    """Font roles and sizes.  ``title`` is a Hei (sans) face, ``body`` a Song (serif) face."""

    title_size: float = 16.0
    header_size: float = 10.5
    table_head_size: float = 10.5
    table_size: float = 9.0
    footer_size: float = 10.5
    line_spacing: float = 1.25
    cell_padding_mm: float = 1.2


@dataclass(frozen=True, slots=True)
class Blank:
    """A labelled blank above the table: ``姓名____``."""

    label: str
    field: FormField
    width_mm: float


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width_mm: float


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, where it starts, how many rows it spans.

    ``row`` counts body rows from 0 (the header row is separate).  A score
    cell has no text and carries its field instead.
    """

    role: CellRole
    column: int
    row: int
    row_span: int
    text: str = ""
    field: FormField | None = None

    @property
    def align(self) -> Align:
        return CELL_ALIGN[self.role]


@dataclass(frozen=True, slots=True)
class RowGroup:
    """Body rows ``first`` .. ``first + count - 1`` that must stay on one page (one sub-item)."""

    first: int
    count: int


@dataclass(frozen=True, slots=True)
class FooterBlock:
    """The bordered box below the table, kept on one page.

    From top to bottom: the review label, ``review_height_mm`` of writing room
    (the review field), then a band ``seal_size_mm`` high whose right end is
    the seal area (a square for a seal up to 45 mm across, carrying the seal
    field) with the organisation line and the date line printed over it, as
    a seal is customarily stamped over the organisation's name and the date.
    """

    review_label: str
    review_field: FormField
    review_height_mm: float
    organization_label: str
    organization_blank_mm: float
    seal_label: str
    seal_field: FormField
    seal_size_mm: float
    date_label: str
    date_field: FormField
    date_blank_mm: float


@dataclass(frozen=True, slots=True)
class FormLayout:
    """Everything a writer needs to draw one rubric's form.

    ``blank_lines`` are the header blanks as printed: as many to a line as fit
    the content width, each line spread over the whole width.
    """

    rubric: Rubric
    title: str
    subject_line: str
    blank_lines: tuple[tuple[Blank, ...], ...]
    columns: tuple[Column, ...]
    cells: tuple[Cell, ...]
    row_count: int
    groups: tuple[RowGroup, ...]
    footer: FooterBlock
    typography: Typography
    margin_mm: float = MARGIN_MM

    @property
    def blanks(self) -> tuple[Blank, ...]:
        """Every header blank, in printing order."""
        return tuple(blank for line in self.blank_lines for blank in line)


ITEM_COL, SUBITEM_COL, BAND_COL, SCORE_COL = range(4)
COLUMN_WIDTHS_MM = (22.0, 36.0, 94.0, 18.0)

BLANK_WIDTHS_MM = {"applicant": 30.0, "total": 16.0}
WIDE_BLANK_MM = 44.0
BLANK_GAP_MM = 4.0
"""The least room between two blanks on one line."""


def _columns(rubric: Rubric) -> tuple[Column, ...]:
    heads = rubric.columns
    labels = (heads.item, heads.subitem, heads.band, heads.score)
    return tuple(Column(label, width) for label, width in zip(labels, COLUMN_WIDTHS_MM, strict=True))


def _blanks(rubric: Rubric) -> tuple[Blank, ...]:
    blanks = []
    for header in rubric.header:
        form_field = header_field(rubric, header)
        width = WIDE_BLANK_MM if header.wide else BLANK_WIDTHS_MM[form_field.kind]
        blanks.append(Blank(header.label, form_field, width))
    return tuple(blanks)


def _blank_lines(blanks: tuple[Blank, ...], size_pt: float) -> tuple[tuple[Blank, ...], ...]:
    """The blanks, as many to a line as fit the content width, in order."""
    lines: list[list[Blank]] = [[]]
    used = 0.0
    for blank in blanks:
        width = text_width_mm(blank.label, size_pt) + blank.width_mm
        if lines[-1] and used + BLANK_GAP_MM + width > CONTENT_WIDTH_MM:
            lines.append([])
            used = 0.0
        used += width + (BLANK_GAP_MM if lines[-1] else 0.0)
        lines[-1].append(blank)
    return tuple(tuple(line) for line in lines)


def _table(rubric: Rubric) -> tuple[tuple[Cell, ...], tuple[RowGroup, ...], int]:
    cells: list[Cell] = []
    groups: list[RowGroup] = []
    row = 0
    for item in rubric.items:
        item_rows = sum(len(sub.bands) for sub in item.subitems)
        cells.append(Cell("item", ITEM_COL, row, item_rows, item.label))
        for sub in item.subitems:
            span = len(sub.bands)
            cells.append(Cell("subitem", SUBITEM_COL, row, span, sub.label))
            cells.append(Cell("score", SCORE_COL, row, span, field=score_field(rubric, sub)))
            cells.extend(Cell("band", BAND_COL, row + n, 1, band.display_text) for n, band in enumerate(sub.bands))
            groups.append(RowGroup(row, span))
            row += span
    cells.sort(key=lambda c: (c.row, c.column))
    return tuple(cells), tuple(groups), row


def _footer(rubric: Rubric) -> FooterBlock:
    footer = rubric.footer
    return FooterBlock(
        review_label=f"{footer.review}：",
        review_field=review_field(rubric),
        review_height_mm=30.0,
        organization_label=footer.organization,
        organization_blank_mm=50.0,
        seal_label=f"（{footer.seal}）",
        seal_field=seal_field(rubric),
        seal_size_mm=50.0,
        date_label=footer.date,
        date_field=review_date_field(rubric),
        date_blank_mm=40.0,
    )


def build_layout(rubric: Rubric, typography: Typography | None = None) -> FormLayout:
    """Lay out one rubric's form."""
    cells, groups, row_count = _table(rubric)
    typography = typography or Typography()
    return FormLayout(
        rubric=rubric,
        title=rubric.title,
        subject_line=rubric.subject_line,
        blank_lines=_blank_lines(_blanks(rubric), typography.header_size),
        columns=_columns(rubric),
        cells=cells,
        row_count=row_count,
        groups=groups,
        footer=_footer(rubric),
        typography=typography,
    )
