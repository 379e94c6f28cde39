"""Above the rubric table: the title, the 评审对象 line, and the lines of header blanks.

The lines of header blanks (姓名____ 单位____ …) are the rows of one
borderless table, each row exactly as high as the layout's blank line, each
blank a cell at the layout's position with only its bottom border drawn (the
line to write on) and the blank's content control in it.  A line drawn by a
border stays where it is whatever a user types, and prints the same in Word,
WPS and LibreOffice (LibreOffice drops the underline of text inside a
plain-text control).
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from docx.table import _Cell

from generator.layout.blocks import LABEL_GAP_MM
from generator.layout.form import CONTENT_WIDTH_MM, FormLayout
from generator.layout.parts import Blank
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.grid import Extent, Grid, add_grid_row, add_grid_table, set_cell_borders, set_cell_margins
from generator.writers.docx.oxml import blank, line_break_runs
from generator.writers.docx.styles import TITLE_STYLE
from generator.writers.docx.table import keep_row_together

LABEL_MARGIN_MM = 0.3
"""A label's right padding: less than the layout's gap, so word processors' rounding never wraps it."""


def blank_extents(blanks: tuple[Blank, ...], width_mm: float) -> list[Extent]:
    """Cells for a line of blanks: before each blank its label's cell, reaching back to the
    previous blank; a last empty cell if the line ends early."""
    extents: list[Extent] = []
    x = 0.0
    for item in blanks:
        extents += [(x, item.x0_mm), (item.x0_mm, item.x1_mm)]
        x = item.x1_mm
    if width_mm - x > 0.1:
        extents.append((x, width_mm))
    return extents


def fill_blank_cells(label: _Cell, field: _Cell, item: Blank, size_pt: float) -> None:
    """The label right-aligned in its cell, the blank's control over a bottom border in the next."""
    label.paragraphs[0].add_run(item.label)
    label.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_cell_margins(label, 0.0, LABEL_MARGIN_MM, 0.0)
    set_cell_borders(field, {"bottom": "single"})
    set_cell_margins(field, 0.0, 0.0, 0.0)
    width = item.width_mm - 2 * LABEL_GAP_MM
    add_text_control(field.paragraphs[0], item.field, blank(width, size_pt))
    for cell in (label, field):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


def _add_blank_lines(document: Document, layout: FormLayout) -> None:
    lines = layout.heading.blank_lines
    extents = [blank_extents(line, CONTENT_WIDTH_MM) for line in lines]
    grid = Grid(edge for line in extents for extent in line for edge in extent)
    table = add_grid_table(document, grid, "nil", (0.0, 0.0))
    for line, line_extents in zip(lines, extents, strict=True):
        cells = add_grid_row(table, grid, line_extents, layout.typography.blank_line_mm, exact=True)
        keep_row_together(table.rows[-1]._tr)
        for index, item in enumerate(line):
            fill_blank_cells(cells[2 * index], cells[2 * index + 1], item, layout.typography.field_size)


def add_heading(document: Document, layout: FormLayout) -> None:
    """The title (centred, bold serif), the subject line, the lines of header blanks, a gap."""
    heading, typography = layout.heading, layout.typography
    title = document.add_paragraph(style=TITLE_STYLE)
    line_break_runs(title, heading.title_lines)
    title.paragraph_format.space_after = Mm(typography.title_gap_mm)
    subject = document.add_paragraph()
    line_break_runs(subject, heading.subject_lines)
    subject.paragraph_format.space_after = Mm(typography.subject_gap_mm)
    _add_blank_lines(document, layout)
    gap = document.add_paragraph()
    gap.paragraph_format.line_spacing = Mm(typography.table_gap_mm)
