"""Below the table: the review box with the seal area, as the layout's footer block.

The box is two full-width rows closing the rubric table, as on the official
form, with no line between them: the review label and ``review_height_mm``
of writing room (the review control), then a band ``seal_size_mm`` high whose
right end is the seal area, with the organisation line (…____（盖章）), the
date line (the review-date control) and the seal control right-aligned in it,
so that a seal stamped there covers them.  Neither row splits and the first
keeps with the second, so the box stays on one page; the table's last row
keeps with the box, so the box never starts a page under a lone repeated
header row.
"""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from docx.table import Table, _Cell, _Row

from generator.layout.form import FooterBlock, FormLayout
from generator.layout.linebreak import MM_PER_PT, text_width_mm
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.oxml import blank, borders, set_child
from generator.writers.docx.styles import FOOTER_STYLE, FOOTER_STYLE_ID
from generator.writers.docx.table import keep_row_together, keep_row_with_next


def _spanning_row(table: Table, layout: FormLayout, height_mm: float, open_side: str) -> tuple[_Row, _Cell]:
    """A new last row whose one cell spans every column, open (no border) on ``open_side``."""
    row = table.add_row()
    first, *others = row._tr.tc_lst
    for tc in others:
        row._tr.remove(tc)
    first.grid_span = len(layout.columns)
    cell = _Cell(first, table)
    cell.width = Mm(sum(column.width_mm for column in layout.columns))
    set_child(cell._tc.get_or_add_tcPr(), borders("w:tcBorders", {open_side: "nil"}))
    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    keep_row_together(row._tr)
    cell.paragraphs[0]._p.style = FOOTER_STYLE_ID
    return row, cell


def _add_review_row(table: Table, layout: FormLayout) -> None:
    footer, typography = layout.footer, layout.typography
    label_mm = typography.footer_size * typography.line_spacing * MM_PER_PT
    height = footer.review_height_mm + label_mm + 2 * typography.cell_padding_mm
    row, cell = _spanning_row(table, layout, height, open_side="bottom")
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    cell.paragraphs[0].add_run(footer.review_label)
    inner = cell.width.mm - 2 * typography.cell_padding_mm
    room = cell.add_paragraph(style=FOOTER_STYLE)
    add_text_control(room, footer.review_field, blank(inner, typography.footer_size), multiline=True)
    keep_row_with_next(row._tr)


def _date_blank(footer: FooterBlock, size_pt: float) -> str:
    """The date line as the control shows it: room for the year, then 年　　月　　日."""
    return blank(footer.date_blank_mm - text_width_mm(footer.date_label, size_pt), size_pt) + footer.date_label


def _add_seal_row(table: Table, layout: FormLayout) -> None:
    footer, size = layout.footer, layout.typography.footer_size
    _, cell = _spanning_row(table, layout, footer.seal_size_mm, open_side="top")
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    organization = cell.paragraphs[0]
    organization.add_run(footer.organization_label)
    organization.add_run(blank(footer.organization_blank_mm, size)).underline = True
    organization.add_run(footer.seal_label)
    add_text_control(cell.add_paragraph(style=FOOTER_STYLE), footer.date_field, _date_blank(footer, size))
    add_text_control(cell.add_paragraph(style=FOOTER_STYLE), footer.seal_field, blank(footer.seal_size_mm, size))
    for paragraph in cell.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def add_footer_rows(table: Table, layout: FormLayout) -> None:
    """Close ``table`` with the layout's footer block."""
    keep_row_with_next(table._tbl.tr_lst[-1])
    _add_review_row(table, layout)
    _add_seal_row(table, layout)
