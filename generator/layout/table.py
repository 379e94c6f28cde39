"""The rubric table on paper: wrapped cell texts, row heights, and the cells of each page.

Rows are sized for their text as the layout breaks it into lines (every
writer prints those lines as they are), a spanning cell's extra height spread
evenly over its rows.  Pages are filled with whole row groups (a sub-item's
rows never split); on a page where an item continues from the page before,
its cell repeats the item's name followed by ``（续）``.  Lengths are
millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator.layout.linebreak import MM_PER_PT, text_width_mm, wrap
from generator.layout.parts import Cell, Column, PageTable, RowGroup, Typography

CONTINUED = "（续）"
SCORE_ROW_MIN_MM = 10.0
"""The least height of a sub-item's rows together: room for the score field."""
STRETCH_LIMIT_MM = 6.0
"""The most a row of a page that ends early (the next sub-item does not fit) is heightened, so
that the table still reaches the foot of the page."""


@dataclass(frozen=True, slots=True)
class TableMeasure:
    """The table's wrapped texts and heights, before it is cut into pages."""

    head_lines: tuple[tuple[str, ...], ...]
    head_height_mm: float
    cells: tuple[Cell, ...]
    row_heights_mm: tuple[float, ...]


def leading_mm(size_pt: float, typography: Typography) -> float:
    """The distance between two lines of text at ``size_pt``."""
    return size_pt * typography.line_spacing * MM_PER_PT


def wrap_mm(text: str, width_mm: float, size_pt: float) -> tuple[str, ...]:
    """``text`` broken into lines that fit ``width_mm`` at ``size_pt``."""
    return tuple(wrap(text, width_mm, lambda piece: text_width_mm(piece, size_pt)))


def _text_height(lines: int, size_pt: float, typography: Typography) -> float:
    return lines * leading_mm(size_pt, typography) + 2 * typography.cell_padding_mm


def _grow(heights: list[float], first: int, count: int, needed: float) -> None:
    """Spread any missing height evenly over rows ``first`` .. ``first + count - 1``."""
    missing = needed - sum(heights[first : first + count])
    if missing > 0:
        for row in range(first, first + count):
            heights[row] += missing / count


def inner_width(column: Column, typography: Typography) -> float:
    return column.width_mm - 2 * typography.cell_padding_mm


def measure_table(
    columns: tuple[Column, ...], cells: tuple[Cell, ...], row_count: int, typography: Typography
) -> TableMeasure:
    """Wrap every cell's text into its column and size the rows to fit."""
    head_size, size = typography.table_head_size, typography.table_size
    head_lines = tuple(wrap_mm(c.label, inner_width(c, typography), head_size) for c in columns)
    head_height = max(_text_height(len(lines), head_size, typography) for lines in head_lines)
    wrapped = tuple(
        replace(cell, lines=wrap_mm(cell.text, inner_width(columns[cell.column], typography), size))
        if cell.text
        else cell
        for cell in cells
    )
    heights = [0.0] * row_count
    for cell in sorted(wrapped, key=lambda c: c.row_span):
        needed = _text_height(len(cell.lines), size, typography)
        if cell.field is not None:
            needed = max(needed, SCORE_ROW_MIN_MM)
        _grow(heights, cell.row, cell.row_span, needed)
    return TableMeasure(head_lines, head_height, wrapped, tuple(heights))


def _page(
    measure: TableMeasure, first: int, stop: int, columns: tuple[Column, ...], typography: Typography
) -> PageTable:
    """Rows ``first`` .. ``stop - 1`` as one page's table: cells clipped to them, and a cell begun
    on an earlier page continued here with its name and ``（续）`` (its rows grown to hold it)."""
    cells: list[Cell] = []
    heights = list(measure.row_heights_mm[first:stop])
    for cell in measure.cells:
        start, end = max(cell.row, first), min(cell.row + cell.row_span, stop)
        if start >= end:
            continue
        if cell.row < first and cell.text:
            text = f"{cell.name}{CONTINUED}"
            lines = wrap_mm(text, inner_width(columns[cell.column], typography), typography.table_size)
            cell = replace(cell, text=text, lines=lines, continued=True)
            _grow(heights, start - first, end - start, _text_height(len(lines), typography.table_size, typography))
        cells.append(replace(cell, row=start, row_span=end - start))
    return PageTable(first, stop, tuple(cells), tuple(heights))


def paginate(
    measure: TableMeasure,
    groups: tuple[RowGroup, ...],
    rooms: tuple[float, float],
    footer_mm: float,
    columns: tuple[Column, ...],
    typography: Typography,
) -> tuple[PageTable, ...]:
    """Cut the table into pages of whole row groups.

    ``rooms`` is the height free for the table (header row included) on the
    first page and on every later page.  The last group goes with the footer
    block (``footer_mm`` high), so the footer never stands alone under a
    repeated header row.
    """
    pages: list[PageTable] = []
    first = 0
    for index, group in enumerate(groups):
        stop = group.first + group.count
        page_room = rooms[1 if pages else 0]
        room = page_room - (footer_mm if index == len(groups) - 1 else 0.0)
        if group.first > first and _height(_page(measure, first, stop, columns, typography), measure) > room:
            pages.append(_stretched(_page(measure, first, group.first, columns, typography), page_room, measure))
            first = group.first
    pages.append(_page(measure, first, len(measure.row_heights_mm), columns, typography))
    return tuple(pages)


def _stretched(page: PageTable, room: float, measure: TableMeasure) -> PageTable:
    """``page`` with its rows heightened evenly towards ``room`` (each by at most ``STRETCH_LIMIT_MM``)."""
    rows = len(page.row_heights_mm)
    extra = min((room - _height(page, measure)) / rows, STRETCH_LIMIT_MM)
    if extra <= 0:
        return page
    return replace(page, row_heights_mm=tuple(height + extra for height in page.row_heights_mm))


def _height(page: PageTable, measure: TableMeasure) -> float:
    return measure.head_height_mm + sum(page.row_heights_mm)
