"""Draw a :class:`~generator.layout.form.FormLayout` with reportlab: the printed page content.

Every text line, row height, page break and field position comes from the
layout; this module turns its millimetres into points on the page and hands
each page's field placements to a hook (:mod:`generator.writers.pdf.acroform`
puts the widgets on the page; the archive, :mod:`generator.archive`, draws
the values there instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import cast

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from generator.layout.form import FormLayout
from generator.layout.geometry import FieldBox, PageFrame, form_geometry
from generator.layout.parts import Blank, Cell, PageTable
from generator.model.fields import FormField

ASCENT = 0.88  # the ideographic em box sits from -0.12 to 0.88 of the size around the baseline
LINE_WIDTH = 0.6
UNDERLINE_WIDTH = 0.5
SEAL_LINE_GREY = 0.6
SEAL_DASH = (3, 2)
LABEL_RAISE = 0.25
"""A blank's label sits this many ems above the blank's rule, clear of it."""


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


def placement(box: FieldBox) -> Placement:
    """A field box of the geometry (mm from the paper's top-left) as a widget rectangle in points."""
    height = A4[1]
    b = box.box
    return Placement(
        box.field, box.page, (b.x0_mm * mm, height - b.bottom_mm * mm, b.x1_mm * mm, height - b.top_mm * mm)
    )


class FormRenderer:
    """Draws one layout, page by page: onto a fresh canvas, or onto ``canvas`` when given.

    ``page_done`` runs before each page is closed, with the fields placed on
    it (where :mod:`generator.layout.geometry` puts them): the fillable form
    adds its widgets there, the archive (:mod:`generator.archive`) draws the
    values into the same boxes; ``page_drawn`` draws what else each page
    carries (its page code); ``document_done`` runs before the document is
    written out.  On a given canvas, :meth:`draw` draws the pages (starting on
    the canvas's current page) and leaves finishing the document to the caller.
    """

    def __init__(
        self,
        layout: FormLayout,
        styles: Styles,
        page_done: PageHook,
        document_done: DocumentHook | None = None,
        page_drawn: Callable[[Canvas, int], None] | None = None,
        canvas: Canvas | None = None,
    ) -> None:
        self.layout = layout
        self.geometry = form_geometry(layout)
        self.page_drawn = page_drawn
        self.styles = styles
        self.page_done, self.document_done = page_done, document_done
        self.width, self.height = A4
        self.left = layout.margin_mm * mm
        self.top = self.height - layout.margin_mm * mm
        self.buffer = BytesIO()
        if canvas is None:
            rl_config.useA85 = 0  # binary (Flate only) streams: a quarter smaller than ASCII85
            # types-reportlab types initialFontName as a float; reportlab takes a font name.
            initial_font = cast(float, styles.table.font)
            canvas = Canvas(self.buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=initial_font)
        self.canvas = canvas
        self.canvas.setLineWidth(LINE_WIDTH)
        self.page = 0
        self.placements = [placement(box) for box in self.geometry.fields]
        self.column_x = [self.left]
        for column in layout.columns:
            self.column_x.append(self.column_x[-1] + column.width_mm * mm)

    # -- primitives -------------------------------------------------------------------------

    def x(self, x_mm: float) -> float:
        return self.left + x_mm * mm

    def y(self, top: float, y_mm: float) -> float:
        """The point ``y_mm`` below ``top`` (a y on the page, in points)."""
        return top - y_mm * mm

    def text(
        self, x: float, top: float, line: str, style: TextStyle, align: str = "left", bold: bool = False, fit: float = 0
    ) -> None:
        """Draw one line whose line box starts at ``top``."""
        baseline = top - (style.leading - style.size) / 2 - ASCENT * style.size
        self.text_on(x, baseline, line, style, align, bold, fit)

    def text_on(
        self,
        x: float,
        baseline: float,
        line: str,
        style: TextStyle,
        align: str = "left",
        bold: bool = False,
        fit: float = 0,
    ) -> None:
        """Draw one line on ``baseline``; bold is the layout's faux bold.  A line wider than ``fit``
        (when given; a font of the user's may set Latin text wider than the layout measured) is
        narrowed to it."""
        obj = self.canvas.beginText()
        obj.setFont(style.font, style.size)
        width = style.width(line)
        if fit and width > fit:
            obj.setHorizScale(100 * fit / width)
            width = fit
        if bold:
            obj.setTextRenderMode(2)
            self.canvas.setLineWidth(self.layout.typography.faux_bold_em * style.size)
        start = {"left": x, "center": x - width / 2, "right": x - width}[align]
        obj.setTextOrigin(start, baseline)
        obj.textOut(line)
        if bold:
            obj.setTextRenderMode(0)  # the mode is graphics state: it would outlive this text object
        self.canvas.drawText(obj)
        self.canvas.setLineWidth(LINE_WIDTH)

    def lines(
        self,
        box: tuple[float, float, float, float],
        lines: tuple[str, ...],
        style: TextStyle,
        align: str,
        bold: bool = False,
    ) -> None:
        """Draw the layout's lines in ``box`` (x0, x1, top, bottom), centred vertically."""
        x0, x1, top, bottom = box
        y = top - (top - bottom - len(lines) * style.leading) / 2
        pad = self.layout.typography.cell_padding_mm * mm
        x = {"left": x0 + pad, "center": (x0 + x1) / 2}[align]
        for line in lines:
            self.text(x, y, line, style, align, bold, fit=x1 - x0 - 2 * pad)
            y -= style.leading

    def y_mm(self, y_mm: float) -> float:
        """The point ``y_mm`` below the paper's top edge."""
        return self.height - y_mm * mm

    def close_page(self) -> None:
        if self.page_drawn is not None:
            self.page_drawn(self.canvas, self.page)
        self.page_done(self.canvas, [p for p in self.placements if p.page == self.page])
        self.canvas.showPage()

    def new_page(self) -> None:
        self.close_page()
        self.canvas.setLineWidth(LINE_WIDTH)
        self.page += 1

    # -- page 1 heading ---------------------------------------------------------------------

    def heading(self) -> None:
        """Title, subject line and the lines of header blanks."""
        h, s = self.layout.heading, self.styles
        for index, line in enumerate(h.title_lines):
            self.text(self.width / 2, self.y(self.top, index * h.title_leading_mm), line, s.title, "center", bold=True)
        for index, line in enumerate(h.subject_lines):
            self.text(self.left, self.y(self.top, h.subject_top_mm + index * h.subject_leading_mm), line, s.header)
        line_mm = self.layout.typography.blank_line_mm
        for index, blanks in enumerate(h.blank_lines):
            bottom = self.y(self.top, h.blanks_top_mm + (index + 1) * line_mm)
            for blank in blanks:
                self.blank(blank, bottom, s.header)

    def blank(self, blank: Blank, bottom: float, style: TextStyle) -> None:
        """``label____suffix`` on the line whose foot is ``bottom``; the field sits on the rule."""
        baseline = bottom + LABEL_RAISE * style.size
        self.text_on(self.x(blank.label_x_mm), baseline, blank.label, style)
        x0, x1 = self.x(blank.x0_mm), self.x(blank.x1_mm)
        if blank.suffix:
            self.text_on(x1, baseline, blank.suffix, style)
        self.canvas.setLineWidth(UNDERLINE_WIDTH)
        self.canvas.line(x0, bottom, x1, bottom)
        self.canvas.setLineWidth(LINE_WIDTH)

    # -- table ------------------------------------------------------------------------------

    def table_head(self, top: float) -> float:
        style = self.styles.table_head
        bottom = self.y(top, self.layout.head_height_mm)
        for i, lines in enumerate(self.layout.head_lines):
            x0, x1 = self.column_x[i], self.column_x[i + 1]
            self.canvas.rect(x0, bottom, x1 - x0, top - bottom)
            self.lines((x0, x1, top, bottom), lines, style, "center", bold=True)
        return bottom

    def cell(self, cell: Cell, row_top: dict[int, float]) -> None:
        x0, x1 = self.column_x[cell.column], self.column_x[cell.column + 1]
        top, bottom = row_top[cell.row], row_top[cell.row + cell.row_span]
        self.canvas.rect(x0, bottom, x1 - x0, top - bottom)
        if cell.lines:
            self.lines((x0, x1, top, bottom), cell.lines, self.styles.table, cell.align)

    def table_page(self, page: PageTable, frame: PageFrame) -> None:
        """The header row and this page's rows, where the geometry puts them."""
        self.table_head(self.y_mm(frame.table_top_mm))
        row_top = {page.first + n: self.y_mm(top) for n, top in enumerate(frame.row_tops_mm)}
        for cell in page.cells:
            self.cell(cell, row_top)

    # -- footer -----------------------------------------------------------------------------

    def footer(self, top: float) -> None:
        """The bordered review box: label, writing room, organisation line, date, seal area."""
        f, style, pad = self.layout.footer, self.styles.footer, self.layout.typography.cell_padding_mm
        right = self.x(self.layout.width_mm)
        bottom = self.y(top, f.height_mm)
        self.canvas.rect(self.left, bottom, right - self.left, top - bottom)
        self.text(self.x(pad), self.y(top, pad), f.review_label, style)
        line_mm = self.layout.typography.blank_line_mm
        self.blank(f.organization, self.y(top, f.organization_top_mm + line_mm), style)
        self.date_line(top)
        self.seal_area(top)

    def date_line(self, top: float) -> None:
        f, style = self.layout.footer, self.styles.footer
        box = f.date_box
        baseline = self.y(top, box.bottom_mm) + LABEL_RAISE * style.size
        self.text_on(self.x(box.x1_mm), baseline, f.date_label, style, "right")

    def seal_area(self, top: float) -> None:
        """The seal square's open sides, dashed in light grey; the seal field inside it."""
        f = self.layout.footer
        x0, y0 = self.x(f.seal_area.x0_mm), self.y(top, f.seal_area.top_mm)
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeGray(SEAL_LINE_GREY)
        canvas.setLineWidth(UNDERLINE_WIDTH)
        canvas.setDash(*SEAL_DASH)
        canvas.line(x0, self.y(top, f.seal_area.bottom_mm), x0, y0)
        canvas.line(x0, y0, self.x(f.seal_area.x1_mm), y0)
        canvas.restoreState()

    # -- the whole form ---------------------------------------------------------------------

    def draw(self) -> None:
        """Draw every page of the form, closing the last."""
        self.heading()
        for index, (page, frame) in enumerate(zip(self.layout.pages, self.geometry.frames, strict=True)):
            if index:
                self.new_page()
            self.table_page(page, frame)
        self.footer(self.y_mm(self.geometry.footer_top_mm))
        self.close_page()

    def render(self) -> bytes:
        """Draw every page onto the renderer's own canvas; return the PDF bytes."""
        self.draw()
        if self.document_done is not None:
            self.document_done(self.canvas)
        self.canvas.save()
        return self.buffer.getvalue()
