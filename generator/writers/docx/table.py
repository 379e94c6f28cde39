"""The rubric table: 评审项目 | 评审细项 | 评分标准 | 评分, one Word table per page of the layout.

Each page's table starts with the header row (also marked ``w:tblHeader``, so
a word processor that paginates differently still repeats it) and holds the
rows the layout put on that page, each at least as high as the layout says;
a section break and a page break separate the tables (each page is a section,
its header showing the page's code, see :mod:`generator.writers.docx.pagecode`),
so Word, WPS and LibreOffice break pages where the PDF does, and an item
continued from the page before names itself with ``（续）``.  Cell texts are
the layout's lines, joined by line breaks.  A cell that spans rows is a
vertical merge (``w:vMerge`` restart / continue).
No row splits across pages (``w:cantSplit``), and the rows of a row group —
one sub-item — keep with the next, should a user's edits push them.
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.oxml.simpletypes import ST_Merge
from docx.oxml.table import CT_Row, CT_Tc
from docx.table import Table, _Cell
from lxml import etree

from generator.layout.form import FormLayout
from generator.layout.parts import Align, Cell, PageTable
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.grid import Extent, Grid, add_grid_row, add_grid_table
from generator.writers.docx.oxml import blank, line_break_runs, set_child, w
from generator.writers.docx.styles import TABLE_HEAD_STYLE_ID, TABLE_TEXT_STYLE_ID

JC: dict[Align, str] = {"left": "left", "center": "center", "justify": "both"}
"""The layout's alignments as OOXML ``w:jc`` values."""


def keep_row_together(tr: CT_Row) -> None:
    """The row never breaks across a page."""
    set_child(tr.get_or_add_trPr(), w("w:cantSplit"))


def keep_row_with_next(tr: CT_Row) -> None:
    """The row stays on the page of the row after it (keep-with-next on all its paragraphs)."""
    for tc in tr.tc_lst:
        for p in tc.p_lst:
            p.get_or_add_pPr().keepNext_val = True


def column_extents(layout: FormLayout) -> list[Extent]:
    """The table's columns as extents (millimetres from the table's left edge)."""
    extents, x = [], 0.0
    for column in layout.columns:
        extents.append((x, x + column.width_mm))
        x += column.width_mm
    return extents


def _add_header_row(table: Table, grid: Grid, layout: FormLayout) -> None:
    cells = add_grid_row(table, grid, column_extents(layout), layout.head_height_mm)
    for cell, lines in zip(cells, layout.head_lines, strict=True):
        cell.paragraphs[0]._p.style = TABLE_HEAD_STYLE_ID
        line_break_runs(cell.paragraphs[0], lines)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    tr = table.rows[-1]._tr
    set_child(tr.get_or_add_trPr(), w("w:tblHeader"))
    keep_row_together(tr)
    keep_row_with_next(tr)


def _paragraph_properties(alignment: str, keep_with_next: bool) -> etree._Element:
    """``w:pPr`` of a body cell's paragraph: the table text style, keep-with-next, its alignment."""
    keep = (w("w:keepNext"),) if keep_with_next else ()
    return w("w:pPr", w("w:pStyle", val=TABLE_TEXT_STYLE_ID), *keep, w("w:jc", val=alignment))


def _fill_cell(tc: CT_Tc, spec: Cell, table: Table, layout: FormLayout) -> None:
    paragraph = _Cell(tc, table).paragraphs[0]
    if spec.field is None:
        line_break_runs(paragraph, spec.lines)
        return
    inner = layout.columns[spec.column].width_mm - 2 * layout.typography.cell_padding_mm
    add_text_control(paragraph, spec.field, blank(inner, layout.typography.table_size))


def _merge_down(grid: dict[int, list[CT_Tc]], spec: Cell) -> None:
    """Merge the cell's column over its rows: restart at the top, continue below."""
    set_child(grid[spec.row][spec.column].get_or_add_tcPr(), w("w:vMerge", val=ST_Merge.RESTART))
    for row in range(spec.row + 1, spec.row + spec.row_span):
        set_child(grid[row][spec.column].get_or_add_tcPr(), w("w:vMerge", val=ST_Merge.CONTINUE))


def _add_body(table: Table, grid: Grid, layout: FormLayout, page: PageTable) -> None:
    """This page's rows: fill, merge and format them from the page's cells."""
    extents = column_extents(layout)
    trs: dict[int, CT_Row] = {}
    for offset, height in enumerate(page.row_heights_mm):
        add_grid_row(table, grid, extents, height)
        trs[page.first + offset] = table.rows[-1]._tr
    rows = {row: list(tr.tc_lst) for row, tr in trs.items()}
    for spec in page.cells:
        if spec.row_span > 1:
            _merge_down(rows, spec)
        _fill_cell(rows[spec.row][spec.column], spec, table, layout)
    aligns = {spec.column: spec.align for spec in page.cells}
    keep = {row for group in layout.groups for row in range(group.first, group.first + group.count - 1)}
    for row, tr in trs.items():
        keep_row_together(tr)
        for column, tc in enumerate(rows[row]):
            set_child(tc.get_or_add_tcPr(), w("w:vAlign", val="center"))
            for p in tc.p_lst:
                p.insert(0, _paragraph_properties(JC[aligns[column]], row in keep))


def add_page_table(document: Document, grid: Grid, layout: FormLayout, page: PageTable) -> Table:
    """Append one page's table (header row and that page's rows) to ``document``."""
    padding = layout.typography.cell_padding_mm
    table = add_grid_table(document, grid, "single", (padding, padding))
    _add_header_row(table, grid, layout)
    _add_body(table, grid, layout, page)
    return table
