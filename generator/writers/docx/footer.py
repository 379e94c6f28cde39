"""Below the table: the review box with the organisation line and the seal area, as the layout's footer block.

The box is four full-width rows closing the last page's table, with no line
between them, each exactly as high as the layout says: the review label and
the writing room (the review control); the organisation line, its blank a
cell with a bottom border holding the organisation control; a narrow spacer;
and the seal band: the date line (the review-date control) and, at the right end, the seal
area — a real cell at least 50×50 mm, marked by a light dashed line on its
open sides, holding the seal control.  The rows never split and keep
together, and the table's last row keeps with them, so the box never starts
a page under a lone header row.
"""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table, _Cell

from generator.layout.form import FormLayout
from generator.layout.linebreak import text_width_mm
from generator.layout.parts import FooterBlock
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.grid import Grid, add_grid_row, set_cell_borders, set_cell_margins
from generator.writers.docx.heading import blank_extents, fill_blank_cells
from generator.writers.docx.oxml import blank
from generator.writers.docx.styles import FOOTER_STYLE, FOOTER_STYLE_ID
from generator.writers.docx.table import keep_row_together, keep_row_with_next

SEAL_LINE_COLOR = "999999"
FOOTER_ROWS = 4
"""Review, organisation line, a spacer as high as the gap above the seal area, seal band."""


def footer_edges(layout: FormLayout) -> list[float]:
    """The grid edges the footer rows need besides the table's columns."""
    f = layout.footer
    return [f.seal_area.x0_mm, f.organization.x0_mm, f.organization.x1_mm]


def _open(cell: _Cell, *sides: str) -> None:
    """No border on ``sides`` of ``cell`` (the rows of the box run into each other)."""
    set_cell_borders(cell, dict.fromkeys(sides, "nil"))


def _styled(cell: _Cell) -> None:
    for paragraph in cell.paragraphs:
        paragraph._p.style = FOOTER_STYLE_ID


def _add_review_row(table: Table, grid: Grid, layout: FormLayout) -> None:
    f, t = layout.footer, layout.typography
    (cell,) = add_grid_row(table, grid, [(0.0, layout.width_mm)], f.organization_top_mm, exact=True)
    _open(cell, "bottom")
    _styled(cell)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    cell.paragraphs[0].add_run(f.review_label)
    room = cell.add_paragraph(style=FOOTER_STYLE)
    inner = f.review_box.x1_mm - f.review_box.x0_mm
    add_text_control(room, f.review_field, blank(inner, t.field_size), multiline=True)


def _add_organization_row(table: Table, grid: Grid, layout: FormLayout) -> None:
    f, t = layout.footer, layout.typography
    line = f.organization
    extents = blank_extents((line,), layout.width_mm)
    cells = add_grid_row(table, grid, extents, t.blank_line_mm, exact=True)
    label, field, suffix = cells
    fill_blank_cells(label, field, line, t.field_size)
    set_cell_borders(label, {"top": "nil", "bottom": "nil", "right": "nil"})
    set_cell_borders(field, {"top": "nil", "bottom": "single", "left": "nil", "right": "nil"})
    set_cell_borders(suffix, {"top": "nil", "bottom": "nil", "left": "nil"})
    set_cell_margins(suffix, 0.0, t.cell_padding_mm, 0.0)
    suffix.paragraphs[0].add_run(line.suffix)
    suffix.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    for cell in cells:
        _styled(cell)
    gap = layout.footer.seal_area.top_mm - layout.footer.organization_top_mm - t.blank_line_mm
    (spacer,) = add_grid_row(table, grid, [(0.0, layout.width_mm)], gap, exact=True)
    _open(spacer, "top", "bottom")
    _styled(spacer)


def _date_blank(footer: FooterBlock, size_pt: float) -> str:
    """The date line as the control shows it: room for the year, then 年　　月　　日."""
    width = footer.date_box.x1_mm - footer.date_box.x0_mm
    return blank(width - text_width_mm(footer.date_label, size_pt), size_pt) + footer.date_label


def _add_seal_row(table: Table, grid: Grid, layout: FormLayout) -> None:
    f, t = layout.footer, layout.typography
    area = f.seal_area
    extents = [(0.0, area.x0_mm), (area.x0_mm, layout.width_mm)]
    date, seal = add_grid_row(table, grid, extents, area.bottom_mm - area.top_mm, exact=True)
    _open(date, "top", "right")
    set_cell_margins(date, t.cell_padding_mm, area.x0_mm - f.date_box.x1_mm)
    date.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    add_text_control(date.paragraphs[0], f.date_field, _date_blank(f, t.footer_size))
    date.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_cell_borders(seal, {"top": "dashed", "left": "dashed"}, color=SEAL_LINE_COLOR)
    seal.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    inner = f.seal_box.x1_mm - f.seal_box.x0_mm
    add_text_control(seal.paragraphs[0], f.seal_field, blank(inner, t.footer_size), multiline=True)
    for cell in (date, seal):
        _styled(cell)


def add_footer_rows(table: Table, grid: Grid, layout: FormLayout) -> None:
    """Close ``table`` with the layout's footer block."""
    keep_row_with_next(table._tbl.tr_lst[-1])
    _add_review_row(table, grid, layout)
    _add_organization_row(table, grid, layout)
    _add_seal_row(table, grid, layout)
    for tr in table._tbl.tr_lst[-FOOTER_ROWS:]:
        keep_row_together(tr)
    for tr in table._tbl.tr_lst[-FOOTER_ROWS:-1]:
        keep_row_with_next(tr)
