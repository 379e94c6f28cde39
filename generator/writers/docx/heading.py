"""Above the rubric table: the title, the 评审对象 line, and the line of header blanks.

Each line of header blanks (姓名____ 单位____ …), as the layout breaks them,
is a one-row borderless table: a label cell, then a blank cell as wide as the
layout's blank with only its bottom border drawn (the line to write on) and
the blank's content control in it.  A line drawn by a border stays where it
is whatever a user types, and prints the same in Word, WPS and LibreOffice
(LibreOffice drops the underline of text inside a plain-text control).  The
blanks are spread evenly over the line.
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from generator.layout.form import CONTENT_WIDTH_MM, Blank, FormLayout
from generator.layout.linebreak import text_width_mm
from generator.writers.docx.controls import add_text_control
from generator.writers.docx.oxml import blank, borders, set_child
from generator.writers.docx.styles import TITLE_STYLE
from generator.writers.docx.table import add_fixed_table, keep_row_together

LABEL_PADDING_MM = 0.5
LABEL_SLACK_MM = 1.0
"""Spare width in a label cell, so rounding in a word processor never wraps the label."""


def _column_widths(layout: FormLayout, line: tuple[Blank, ...]) -> list[float]:
    """Label and blank widths, alternating; the gap between two blanks goes before the label."""
    size = layout.typography.header_size
    labels = [text_width_mm(b.label, size) + 2 * LABEL_PADDING_MM + LABEL_SLACK_MM for b in line]
    blanks = [b.width_mm for b in line]
    gap = max((CONTENT_WIDTH_MM - sum(labels) - sum(blanks)) / max(len(blanks) - 1, 1), 0.0)
    widths = []
    for index, (label, width) in enumerate(zip(labels, blanks, strict=True)):
        widths += [label + (gap if index else 0.0), width]
    return widths


def _add_blanks_line(document: Document, layout: FormLayout, line: tuple[Blank, ...]) -> None:
    widths = _column_widths(layout, line)
    table = add_fixed_table(document, 1, widths, "nil", (0.0, LABEL_PADDING_MM))
    row = table.rows[0]
    keep_row_together(row._tr)
    cells = row.cells
    size = layout.typography.header_size
    for index, spec in enumerate(line):
        label, field = cells[2 * index], cells[2 * index + 1]
        label.paragraphs[0].add_run(spec.label)
        label.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        set_child(field._tc.get_or_add_tcPr(), borders("w:tcBorders", {"bottom": "single"}))
        field.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_text_control(field.paragraphs[0], spec.field, blank(widths[2 * index + 1] - 2 * LABEL_PADDING_MM, size))
        for cell in (label, field):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


def add_heading(document: Document, layout: FormLayout) -> None:
    """The title (centred, bold, the Hei face), the subject line, the header blanks, a gap."""
    typography = layout.typography
    title = document.add_paragraph(layout.title, style=TITLE_STYLE)
    title.paragraph_format.space_after = Pt(typography.title_size / 2)
    subject = document.add_paragraph(layout.subject_line)
    subject.paragraph_format.space_after = Pt(typography.header_size / 2)
    for line in layout.blank_lines:
        _add_blanks_line(document, layout, line)
    gap = document.add_paragraph()
    gap.paragraph_format.line_spacing = Pt(typography.header_size)
