"""Draw a :class:`~generator.layout.form.FormLayout` with reportlab: the printed page content.

Hands each page's field placements to a hook (:mod:`generator.writers.pdf.acroform`
puts the widgets on the page).
Nothing here chooses texts, columns or spans: those come from the layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import cast

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from generator.layout.form import BLANK_GAP_MM, Blank, Cell, FormLayout
from generator.model.fields import FormField
from generator.writers.pdf.table import PageRows, TextStyle, measure_table, paginate

ASCENT = 0.88  # the ideographic em box sits from -0.12 to 0.88 of the size around the baseline
LINE_WIDTH = 0.6
TITLE_GAP = 5 * mm
HEADER_GAP = 2.5 * mm
TABLE_GAP = 3 * mm
FIELD_INSET = 0.6 * mm
# A score field is a box this high in the middle of its cell: viewers place a single line of text
# differently in a tall box (pdf.js at the bottom, others in the middle).
SCORE_FIELD_HEIGHT = 8 * mm
FAUX_BOLD_WIDTH = 0.25


Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one field's widget goes: page index and rectangle (x0, y0, x1, y1) in points."""

    field: FormField
    page: int
    rect: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Styles:
    title: TextStyle
    header: TextStyle
    table_head: TextStyle
    table: TextStyle
    footer: TextStyle


def make_styles(layout: FormLayout, body_font: str, title_font: str) -> Styles:
    t = layout.typography
    return Styles(
        title=TextStyle(title_font, t.title_size, t.line_spacing),
        header=TextStyle(body_font, t.header_size, t.line_spacing),
        table_head=TextStyle(body_font, t.table_head_size, t.line_spacing),
        table=TextStyle(body_font, t.table_size, t.line_spacing),
        footer=TextStyle(body_font, t.footer_size, t.line_spacing),
    )


PageHook = Callable[[Canvas, list[Placement]], None]
DocumentHook = Callable[[Canvas], None]


class FormRenderer:
    """Draws one layout onto a fresh canvas, page by page.

    ``page_done`` runs before each page is closed, with the fields placed on
    it; ``document_done`` runs before the document is written out.
    """

    def __init__(self, layout: FormLayout, styles: Styles, page_done: PageHook, document_done: DocumentHook) -> None:
        self.layout = layout
        self.styles = styles
        self.page_done, self.document_done = page_done, document_done
        self.width, self.height = A4
        self.margin = layout.margin_mm * mm
        self.left, self.right = self.margin, self.width - self.margin
        self.buffer = BytesIO()
        rl_config.useA85 = 0  # binary (Flate only) streams: a quarter smaller than ASCII85
        # types-reportlab types initialFontName as a float; reportlab takes a font name.
        initial_font = cast(float, styles.table.font)
        self.canvas = Canvas(self.buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=initial_font)
        self.canvas.setLineWidth(LINE_WIDTH)
        self.page = 0
        self.placements: list[Placement] = []
        self.geometry = measure_table(layout, self.left, styles.table_head, styles.table)

    # -- primitives -------------------------------------------------------------------------

    def text(self, x: float, top: float, line: str, style: TextStyle, align: str = "left", bold: bool = False) -> None:
        """Draw one line whose line box starts at ``top``."""
        baseline = top - (style.leading - style.size) / 2 - ASCENT * style.size
        obj = self.canvas.beginText()
        obj.setFont(style.font, style.size)
        if bold:
            obj.setTextRenderMode(2)
            self.canvas.setLineWidth(FAUX_BOLD_WIDTH)
        width = style.width(line)
        start = {"left": x, "center": x - width / 2, "right": x - width}[align]
        obj.setTextOrigin(start, baseline)
        obj.textOut(line)
        if bold:
            obj.setTextRenderMode(0)
        self.canvas.drawText(obj)
        self.canvas.setLineWidth(LINE_WIDTH)

    def lines(self, box: Box, lines: tuple[str, ...], style: TextStyle, align: str, bold: bool = False) -> None:
        """Draw wrapped lines in ``box`` (x0, x1, top, bottom), centred vertically."""
        x0, x1, top, bottom = box
        block = len(lines) * style.leading
        y = top - (top - bottom - block) / 2
        pad = self.geometry.padding
        x = {"left": x0 + pad, "center": (x0 + x1) / 2, "right": x1 - pad}[align]
        for line in lines:
            self.text(x, y, line, style, align, bold)
            y -= style.leading

    def place(self, form_field: FormField, x0: float, y0: float, x1: float, y1: float) -> None:
        self.placements.append(Placement(form_field, self.page, (x0, y0, x1, y1)))

    def end_page(self) -> None:
        self.page_done(self.canvas, [p for p in self.placements if p.page == self.page])
        self.canvas.showPage()

    def new_page(self) -> float:
        """Finish the current page; return the top of the next page's content."""
        self.end_page()
        self.canvas.setLineWidth(LINE_WIDTH)
        self.page += 1
        return self.height - self.margin

    # -- page 1 heading ---------------------------------------------------------------------

    def heading(self) -> float:
        """Title, subject line and header blanks; return the y where the table starts."""
        s, width = self.styles, self.right - self.left
        top = self.height - self.margin
        for line in s.title.wrap(self.layout.title, width):
            self.text(self.width / 2, top, line, s.title, "center")
            top -= s.title.leading
        top -= TITLE_GAP
        for line in s.header.wrap(self.layout.subject_line, width):
            self.text(self.left, top, line, s.header)
            top -= s.header.leading
        top -= HEADER_GAP
        for blank_line in self.layout.blank_lines:
            top = self.blanks(blank_line, top)
        return top - TABLE_GAP

    def blank_width(self, blank: Blank) -> float:
        return self.styles.header.width(blank.label) + blank.width_mm * mm

    def blanks(self, blanks: tuple[Blank, ...], top: float) -> float:
        """One line of labelled blanks, spread over the line width; return the y below it."""
        style = self.styles.header
        widths = [self.blank_width(b) for b in blanks]
        gap = max(BLANK_GAP_MM * mm, (self.right - self.left - sum(widths)) / max(len(blanks) - 1, 1))
        x = self.left
        baseline = top - (style.leading - style.size) / 2 - ASCENT * style.size
        for blank, width in zip(blanks, widths, strict=True):
            self.text(x, top, blank.label, style)
            start = x + style.width(blank.label)
            self.canvas.line(start, baseline - 1.5, x + width, baseline - 1.5)
            self.place(blank.field, start + FIELD_INSET, baseline - 1, x + width - FIELD_INSET, top)
            x += width + gap
        return top - style.leading

    # -- table ------------------------------------------------------------------------------

    def table_head(self, top: float) -> float:
        g, style = self.geometry, self.styles.table_head
        bottom = top - g.head_height
        for i, lines in enumerate(g.head_lines):
            x0, x1 = g.column_x[i], g.column_x[i + 1]
            self.canvas.rect(x0, bottom, x1 - x0, top - bottom)
            self.lines((x0, x1, top, bottom), lines, style, "center", bold=True)
        return bottom

    def cell(self, cell: Cell, rows: PageRows, row_top: list[float]) -> None:
        """Draw the part of ``cell`` that falls on this page (text only where it starts)."""
        first = max(cell.row, rows.first)
        stop = min(cell.row + cell.row_span, rows.stop)
        if first >= stop:
            return
        g = self.geometry
        x0, x1 = g.column_x[cell.column], g.column_x[cell.column + 1]
        top, bottom = row_top[first - rows.first], row_top[stop - rows.first]
        self.canvas.rect(x0, bottom, x1 - x0, top - bottom)
        if cell.row == first and cell.text:
            align = "left" if cell.align == "justify" else cell.align  # lines are drawn ragged-right
            self.lines((x0, x1, top, bottom), g.cell_lines[cell], self.styles.table, align)
        if cell.field is not None:
            middle, half = (top + bottom) / 2, min(SCORE_FIELD_HEIGHT, top - bottom - 2 * FIELD_INSET) / 2
            self.place(cell.field, x0 + FIELD_INSET, middle - half, x1 - FIELD_INSET, middle + half)

    def table_page(self, rows: PageRows, top: float) -> float:
        """Header row and body rows ``rows`` from ``top`` down; return the table's bottom."""
        row_top = [self.table_head(top)]
        for row in range(rows.first, rows.stop):
            row_top.append(row_top[-1] - self.geometry.row_heights[row])
        for cell in self.layout.cells:
            self.cell(cell, rows, row_top)
        return row_top[-1]

    # -- footer -----------------------------------------------------------------------------

    def footer_height(self) -> float:
        f, style = self.layout.footer, self.styles.footer
        return style.leading + (f.review_height_mm + f.seal_size_mm) * mm + 2 * self.geometry.padding

    def footer(self, top: float) -> None:
        """The bordered review box: label, writing room, organisation line, seal area, date."""
        f, style, pad = self.layout.footer, self.styles.footer, self.geometry.padding
        bottom = top - self.footer_height()
        self.canvas.rect(self.left, bottom, self.right - self.left, top - bottom)
        self.text(self.left + pad, top - pad, f.review_label, style)
        review_top = top - pad - style.leading
        review_bottom = review_top - f.review_height_mm * mm
        self.place(f.review_field, self.left + pad, review_bottom, self.right - pad, review_top)
        seal_right = self.right - pad
        seal_x0 = seal_right - f.seal_size_mm * mm
        self.place(f.seal_field, seal_x0, bottom + pad, seal_right, bottom + pad + f.seal_size_mm * mm)
        org_top = review_bottom - f.seal_size_mm * mm / 2 + style.leading
        self.organization_line(seal_right, org_top)
        self.date_line(seal_right, org_top - 2.5 * style.leading)

    def organization_line(self, right: float, top: float) -> None:
        """``所在组织（或推荐机构）________（盖章）`` ending at ``right``."""
        f, style = self.layout.footer, self.styles.footer
        seal_x = right - style.width(f.seal_label)
        blank_x = seal_x - f.organization_blank_mm * mm
        self.text(blank_x, top, f.organization_label, style, "right")
        self.text(right, top, f.seal_label, style, "right")
        baseline = top - (style.leading - style.size) / 2 - ASCENT * style.size
        self.canvas.line(blank_x, baseline - 1.5, seal_x, baseline - 1.5)

    def date_line(self, right: float, top: float) -> None:
        f, style = self.layout.footer, self.styles.footer
        self.text(right, top, f.date_label, style, "right")
        self.place(f.date_field, right - f.date_blank_mm * mm, top - style.leading, right, top)

    # -- the whole form ---------------------------------------------------------------------

    def render(self) -> bytes:
        """Draw every page; return the PDF bytes."""
        top = self.heading()
        bottom_limit = self.margin
        first_room = top - self.geometry.head_height - bottom_limit
        room = self.height - 2 * self.margin - self.geometry.head_height
        pages = paginate(self.layout, self.geometry.row_heights, first_room, room)
        for index, rows in enumerate(pages):
            if index:
                top = self.new_page()
            top = self.table_page(rows, top)
        if top - self.footer_height() < bottom_limit:
            top = self.new_page()
        self.footer(top)
        self.end_page()
        self.document_done(self.canvas)
        self.canvas.save()
        return self.buffer.getvalue()
