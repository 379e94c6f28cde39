"""The rubric table: 评审项目 | 评审细项 | 评分标准 | 评分, as the layout lays it out.

One Word table row per layout body row, after one header row that Word and
LibreOffice repeat at the top of every page (``w:tblHeader``).  A cell that
spans rows is a vertical merge (``w:vMerge`` restart / continue).  No row
splits across pages (``w:cantSplit``), and the rows of a row group — one
sub-item — are chained with keep-with-next on every paragraph in them but the
last row's, which is how Word (and LibreOffice) keep table rows together.
Every cell has a border, as on the official form.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.oxml.simpletypes import ST_Merge
from docx.oxml.table import CT_Row, CT_Tc
from docx.shared import Mm
from docx.table import Table, _Cell
from lxml import etree

from generator.layout.form import Align, Cell, FormLayout
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.oxml import blank, borders, set_child, twips, w
from generator.writers.docx.styles import TABLE_HEAD_STYLE_ID, TABLE_TEXT_STYLE_ID

JC: dict[Align, str] = {"left": "left", "center": "center", "justify": "both"}
"""The layout's alignments as OOXML ``w:jc`` values."""
"""``w:jc`` of each kind of body cell: names and scores centred, band texts justified."""
ALL_SIDES = ("top", "left", "bottom", "right", "insideH", "insideV")


def add_fixed_table(
    document: Document, rows: int, widths_mm: Sequence[float], border: str, padding_mm: tuple[float, float]
) -> Table:
    """A table of fixed column widths, ``border`` (``single``/``nil``) on every side, cell padding (v, h)."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    set_child(tbl_pr, w("w:tblW", w=twips(sum(widths_mm)), type="dxa"))
    set_child(tbl_pr, borders("w:tblBorders", dict.fromkeys(ALL_SIDES, border)))
    vertical, horizontal = (twips(mm) for mm in padding_mm)
    sides = {"top": vertical, "left": horizontal, "bottom": vertical, "right": horizontal}
    set_child(tbl_pr, w("w:tblCellMar", *(w(f"w:{side}", w=size, type="dxa") for side, size in sides.items())))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for tr in table._tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths_mm, strict=True):
            tc.tcPr.tcW.width = Mm(width)  # python-docx gave every cell a w:tcW: set it, don't add one
    return table


def keep_row_together(tr: CT_Row) -> None:
    """The row never breaks across a page."""
    set_child(tr.get_or_add_trPr(), w("w:cantSplit"))


def keep_row_with_next(tr: CT_Row) -> None:
    """The row stays on the page of the row after it (keep-with-next on all its paragraphs)."""
    for tc in tr.tc_lst:
        for p in tc.p_lst:
            p.get_or_add_pPr().keepNext_val = True


def _add_header_row(table: Table, layout: FormLayout) -> None:
    row = table.rows[0]
    for cell, column in zip(row.cells, layout.columns, strict=True):
        cell.paragraphs[0]._p.style = TABLE_HEAD_STYLE_ID
        cell.paragraphs[0].add_run(column.label)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    set_child(row._tr.get_or_add_trPr(), w("w:tblHeader"))
    keep_row_together(row._tr)
    keep_row_with_next(row._tr)


def _paragraph_properties(alignment: str, keep_with_next: bool) -> etree._Element:
    """``w:pPr`` of a body cell's paragraph: the table text style, keep-with-next, its alignment."""
    keep = (w("w:keepNext"),) if keep_with_next else ()
    return w("w:pPr", w("w:pStyle", val=TABLE_TEXT_STYLE_ID), *keep, w("w:jc", val=alignment))


def _fill_cell(tc: CT_Tc, spec: Cell, table: Table, layout: FormLayout) -> None:
    paragraph = _Cell(tc, table).paragraphs[0]
    if spec.field is None:
        paragraph.add_run(spec.text)
        return
    inner = layout.columns[spec.column].width_mm - 2 * layout.typography.cell_padding_mm
    add_text_control(paragraph, spec.field, blank(inner, layout.typography.table_size))


def _merge_down(grid: list[list[CT_Tc]], spec: Cell) -> None:
    """Merge the cell's column over its rows: restart at the top, continue below."""
    set_child(grid[spec.row][spec.column].get_or_add_tcPr(), w("w:vMerge", val=ST_Merge.RESTART))
    for row in range(spec.row + 1, spec.row + spec.row_span):
        set_child(grid[row][spec.column].get_or_add_tcPr(), w("w:vMerge", val=ST_Merge.CONTINUE))


def _add_body(table: Table, layout: FormLayout) -> None:
    """Fill, merge and format the body rows: one pass over the layout's cells, one over the grid."""
    body = table._tbl.tr_lst[1:]
    grid = [tr.tc_lst for tr in body]
    for spec in layout.cells:
        if spec.row_span > 1:
            _merge_down(grid, spec)
        _fill_cell(grid[spec.row][spec.column], spec, table, layout)
    aligns = {spec.column: spec.align for spec in layout.cells}
    keep = {row for group in layout.groups for row in range(group.first, group.first + group.count - 1)}
    for index, tr in enumerate(body):
        keep_row_together(tr)
        for column, tc in enumerate(tr.tc_lst):
            set_child(tc.get_or_add_tcPr(), w("w:vAlign", val="center"))
            for p in tc.p_lst:
                p.insert(0, _paragraph_properties(JC[aligns[column]], index in keep))


def add_rubric_table(document: Document, layout: FormLayout) -> Table:
    """Append the rubric table (header row and body rows) to ``document``."""
    widths = [column.width_mm for column in layout.columns]
    padding = layout.typography.cell_padding_mm
    table = add_fixed_table(document, 1 + layout.row_count, widths, "single", (padding, padding))
    _add_header_row(table, layout)
    _add_body(table, layout)
    return table
