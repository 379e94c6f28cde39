"""The table's geometry on paper: wrapped cell texts, row heights, page breaks.

Like Word: the header row repeats on every page, a sub-item's rows (one
:class:`~generator.layout.form.RowGroup`) never split across pages, and an item
cell whose sub-items run onto the next page continues there as an empty
bordered cell.  All lengths here are PDF points.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from generator.layout.form import Cell, FormLayout
from generator.layout.linebreak import wrap

SCORE_MIN_HEIGHT = 9 * mm


@dataclass(frozen=True, slots=True)
class TextStyle:
    """A font and size, with the layout's line spacing."""

    font: str
    size: float
    line_spacing: float

    @property
    def leading(self) -> float:
        return self.size * self.line_spacing

    def width(self, text: str) -> float:
        return stringWidth(text, self.font, self.size)

    def wrap(self, text: str, width: float) -> list[str]:
        return wrap(text, width, self.width)


@dataclass(frozen=True, slots=True)
class TableGeometry:
    """Column edges, wrapped cell texts and row heights of one layout's table."""

    column_x: tuple[float, ...]
    head_lines: tuple[tuple[str, ...], ...]
    head_height: float
    cell_lines: dict[Cell, tuple[str, ...]]
    row_heights: tuple[float, ...]
    padding: float


def _text_height(lines: int, style: TextStyle, padding: float) -> float:
    return lines * style.leading + 2 * padding


def _grow(heights: list[float], first: int, count: int, needed: float) -> None:
    """Spread any missing height evenly over rows ``first`` .. ``first + count - 1``."""
    missing = needed - sum(heights[first : first + count])
    if missing > 0:
        for row in range(first, first + count):
            heights[row] += missing / count


def measure_table(layout: FormLayout, left: float, head: TextStyle, body: TextStyle) -> TableGeometry:
    """Wrap every cell's text into its column and size the rows to fit."""
    padding = layout.typography.cell_padding_mm * mm
    edges = [left]
    for column in layout.columns:
        edges.append(edges[-1] + column.width_mm * mm)
    inner = [edges[i + 1] - edges[i] - 2 * padding for i in range(len(layout.columns))]
    head_lines = tuple(tuple(head.wrap(c.label, inner[i])) for i, c in enumerate(layout.columns))
    head_height = max(_text_height(len(lines), head, padding) for lines in head_lines)
    lines = {cell: tuple(body.wrap(cell.text, inner[cell.column])) for cell in layout.cells if cell.text}
    heights = [0.0] * layout.row_count
    for cell in sorted(layout.cells, key=lambda c: c.row_span):
        needed = _text_height(len(lines.get(cell, ())), body, padding)
        if cell.field is not None:
            needed = max(needed, SCORE_MIN_HEIGHT)
        _grow(heights, cell.row, cell.row_span, needed)
    return TableGeometry(tuple(edges), head_lines, head_height, lines, tuple(heights), padding)


@dataclass(frozen=True, slots=True)
class PageRows:
    """The body rows ``first`` .. ``stop - 1`` that go on one page."""

    first: int
    stop: int


def paginate(layout: FormLayout, heights: tuple[float, ...], first_room: float, room: float) -> list[PageRows]:
    """Fill pages with whole row groups; ``first_room``/``room`` is the height left for rows
    (after the repeated header row) on the first and on later pages."""
    pages: list[PageRows] = []
    start, used, available = 0, 0.0, first_room
    for group in layout.groups:
        height = sum(heights[group.first : group.first + group.count])
        if used and used + height > available:
            pages.append(PageRows(start, group.first))
            start, used, available = group.first, 0.0, room
        used += height
    pages.append(PageRows(start, layout.row_count))
    return pages
