"""Tables whose cells sit where the layout puts them, on a grid made from their edges.

A Word table has one grid of columns (``w:tblGrid``); a cell covers a run of
them (``w:gridSpan``).  The layout gives horizontal extents in millimetres —
table columns, the seal area, the pieces of a line of blanks — so a
:class:`Grid` is built from every edge the table's rows need, and each row is
made of cells spanning the grid columns between their edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml.table import CT_Row, CT_Tc
from docx.shared import Mm
from docx.table import Table, _Cell, _Row

from generator.writers.docx.oxml import borders, set_child, twips, w

Extent = tuple[float, float]
"""Left and right edge of a cell, in millimetres from the table's left edge."""
ALL_SIDES = ("top", "left", "bottom", "right", "insideH", "insideV")
EDGE_TOLERANCE_MM = 0.05


class Grid:
    """The grid columns between sorted, distinct edges (millimetres)."""

    def __init__(self, edges: Iterable[float]) -> None:
        distinct: list[float] = []
        for edge in sorted(edges):
            if not distinct or edge - distinct[-1] > EDGE_TOLERANCE_MM:
                distinct.append(edge)
        self.edges = tuple(distinct)

    @property
    def widths(self) -> tuple[float, ...]:
        return tuple(b - a for a, b in zip(self.edges, self.edges[1:], strict=False))

    def index(self, edge: float) -> int:
        """The grid line at ``edge``."""
        return min(range(len(self.edges)), key=lambda i: abs(self.edges[i] - edge))

    def span(self, extent: Extent) -> int:
        """How many grid columns a cell covering ``extent`` spans."""
        return self.index(extent[1]) - self.index(extent[0])


def add_grid_table(document: Document, grid: Grid, border: str, padding_mm: tuple[float, float]) -> Table:
    """An empty table of fixed layout on ``grid``: ``border`` (``single``/``nil``) on every side,
    cell padding (vertical, horizontal)."""
    table = document.add_table(rows=0, cols=len(grid.widths))
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    set_child(tbl_pr, w("w:tblW", w=twips(grid.edges[-1] - grid.edges[0]), type="dxa"))
    set_child(tbl_pr, borders("w:tblBorders", dict.fromkeys(ALL_SIDES, border)))
    set_child(tbl_pr, w("w:tblLayout", type="fixed"))
    vertical, horizontal = (twips(mm) for mm in padding_mm)
    sides = {"top": vertical, "left": horizontal, "bottom": vertical, "right": horizontal}
    set_child(tbl_pr, w("w:tblCellMar", *(w(f"w:{side}", w=size, type="dxa") for side, size in sides.items())))
    for column, width in zip(table.columns, grid.widths, strict=True):
        column.width = Mm(width)
    return table


def add_grid_row(
    table: Table, grid: Grid, extents: Sequence[Extent], height_mm: float, exact: bool = False
) -> list[_Cell]:
    """A new last row of cells covering ``extents`` (left to right, together the whole grid)."""
    tcs = []
    for extent in extents:
        properties = w("w:tcPr", w("w:tcW", w=twips(extent[1] - extent[0]), type="dxa"))
        span = grid.span(extent)
        if span > 1:
            properties.append(w("w:gridSpan", val=span))
        tcs.append(cast(CT_Tc, w("w:tc", properties, w("w:p"))))  # w() gives python-docx's CT_Tc here
    tr = cast(CT_Row, w("w:tr", *tcs))
    table._tbl.append(tr)
    set_row_height(_Row(tr, table), height_mm, exact)
    return [_Cell(tc, table) for tc in tcs]


def set_row_height(row: _Row, height_mm: float, exact: bool) -> None:
    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def set_cell_borders(cell: _Cell, sides: dict[str, str], color: str = "000000") -> None:
    """Borders of one cell (``single``, ``dashed`` or ``nil`` per side)."""
    set_child(cell._tc.get_or_add_tcPr(), borders("w:tcBorders", sides, color=color))


def set_cell_margins(cell: _Cell, left_mm: float, right_mm: float, vertical_mm: float | None = None) -> None:
    """Padding of one cell: left and right, and top and bottom when given."""
    sides = {"left": left_mm, "right": right_mm}
    if vertical_mm is not None:
        sides = {"top": vertical_mm, "left": left_mm, "bottom": vertical_mm, "right": right_mm}
    margins = w("w:tcMar", *(w(f"w:{side}", w=twips(size), type="dxa") for side, size in sides.items()))
    set_child(cell._tc.get_or_add_tcPr(), margins)
