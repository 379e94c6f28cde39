"""The form's layout, decided once from the model and drawn by every writer.

The Word writer and the PDF writer both take a :class:`FormLayout` and draw
exactly what it says: the texts and where their lines break, the table's
columns, rows and row heights, which cells span which rows, which rows go on
which page (and which item continues there), where the fields go, the sizes,
and the footer block with the seal area.  Neither writer decides any of this
on its own, so the two formats print alike, page for page.

Lengths are millimetres, font sizes points (see :mod:`generator.layout.parts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.layout.blocks import build_footer, build_heading
from generator.layout.parts import (
    Blank,
    Cell,
    Column,
    FontRole,
    FooterBlock,
    Heading,
    PageTable,
    RowGroup,
    Typography,
)
from generator.layout.table import measure_table, paginate
from generator.model.fields import FormField, roster_key_field, score_field
from generator.model.rubric import Rubric

__all__ = ["FontRole", "FormLayout", "build_layout"]

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_MM = 20.0
CONTENT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM
CONTENT_HEIGHT_MM = PAGE_HEIGHT_MM - 2 * MARGIN_MM
PAGE_RESERVE_MM = 4.0
"""Height kept free at the foot of every page: word processors round each row and
border, and a page break takes a sliver of the next page."""

ITEM_COL, SUBITEM_COL, BAND_COL, SCORE_COL = range(4)
COLUMN_WIDTHS_MM = (22.0, 36.0, 94.0, 18.0)


@dataclass(frozen=True, slots=True)
class FormLayout:
    """Everything a writer needs to draw one rubric's form.

    ``cells`` is the whole table, each cell with its lines; ``pages`` cuts it
    into the rows, cells and row heights each page shows.  The footer block
    follows the table on the last page.  ``hidden`` are fields a form carries
    without showing them (the roster key of a personalised copy).
    """

    rubric: Rubric
    heading: Heading
    columns: tuple[Column, ...]
    head_lines: tuple[tuple[str, ...], ...]
    head_height_mm: float
    cells: tuple[Cell, ...]
    row_count: int
    groups: tuple[RowGroup, ...]
    pages: tuple[PageTable, ...]
    footer: FooterBlock
    typography: Typography
    hidden: tuple[FormField, ...] = ()
    margin_mm: float = MARGIN_MM

    @property
    def title(self) -> str:
        return self.rubric.title

    @property
    def subject_line(self) -> str:
        return self.rubric.subject_line

    @property
    def blanks(self) -> tuple[Blank, ...]:
        """Every header blank, in printing order."""
        return self.heading.blanks

    @property
    def width_mm(self) -> float:
        """The table's width (the footer block's too)."""
        return sum(column.width_mm for column in self.columns)


def _columns(rubric: Rubric) -> tuple[Column, ...]:
    heads = rubric.columns
    labels = (heads.item, heads.subitem, heads.band, heads.score)
    return tuple(Column(label, width) for label, width in zip(labels, COLUMN_WIDTHS_MM, strict=True))


def _table(rubric: Rubric) -> tuple[tuple[Cell, ...], tuple[RowGroup, ...], int]:
    cells: list[Cell] = []
    groups: list[RowGroup] = []
    row = 0
    for item in rubric.items:
        item_rows = sum(len(sub.bands) for sub in item.subitems)
        cells.append(Cell("item", ITEM_COL, row, item_rows, item.label, name=item.name))
        for sub in item.subitems:
            span = len(sub.bands)
            cells.append(Cell("subitem", SUBITEM_COL, row, span, sub.label, name=sub.name))
            cells.append(Cell("score", SCORE_COL, row, span, field=score_field(rubric, sub)))
            cells.extend(Cell("band", BAND_COL, row + n, 1, band.display_text) for n, band in enumerate(sub.bands))
            groups.append(RowGroup(row, span))
            row += span
    cells.sort(key=lambda c: (c.row, c.column))
    return tuple(cells), tuple(groups), row


def build_layout(rubric: Rubric, typography: Typography | None = None) -> FormLayout:
    """Lay out one rubric's form."""
    t = typography or Typography()
    columns = _columns(rubric)
    width = sum(column.width_mm for column in columns)
    cells, groups, row_count = _table(rubric)
    measure = measure_table(columns, cells, row_count, t)
    heading = build_heading(rubric, CONTENT_WIDTH_MM, t)
    footer = build_footer(rubric, width, t)
    page_room = CONTENT_HEIGHT_MM - PAGE_RESERVE_MM
    rooms = (page_room - heading.height_mm, page_room)
    pages = paginate(measure, groups, rooms, footer.height_mm, columns, t)
    return FormLayout(
        rubric=rubric,
        heading=heading,
        columns=columns,
        head_lines=measure.head_lines,
        head_height_mm=measure.head_height_mm,
        cells=measure.cells,
        row_count=row_count,
        groups=groups,
        pages=pages,
        footer=footer,
        typography=t,
        hidden=(roster_key_field(rubric),),
    )
