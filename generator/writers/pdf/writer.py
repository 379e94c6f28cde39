"""Write one rubric's fillable AcroForm PDF from the shared layout.

Register the embedded font subsets (:mod:`generator.writers.pdf.fonts`), then draw
the pages with reportlab (:mod:`generator.writers.pdf.render`), adding the fields,
scripts (:mod:`generator.writers.pdf.acroform`) and identity
(:mod:`generator.writers.pdf.metadata`) to the same document in one pass.  The
result is byte-identical on every build.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from generator.atomic import write_bytes_atomic
from generator.layout.form import FormLayout
from generator.layout.pagecode import CAPTION_SIZE_PT, page_codes
from generator.writers.pdf.fonts import FontSettings, register_font

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


def body_text(layout: FormLayout) -> str:
    """Every character printed in the body font."""
    footer = layout.footer
    parts = [
        *layout.heading.subject_lines,
        *(blank.label for blank in layout.blanks),
        *(line for lines in layout.head_lines for line in lines),
        *(line for page in layout.pages for cell in page.cells for line in cell.lines),
        footer.review_label,
        footer.organization.label,
        footer.organization.suffix,
        footer.date_label,
        *(line for code in page_codes(layout) for line in code.caption()),
    ]
    return "".join(parts)


def register_fonts(body: str, title: str, settings: FontSettings) -> tuple[str, str]:
    """Register the body and title subsets for the characters of ``body`` and ``title``; return their
    font names.  When both roles use one face, one subset serves both."""
    if settings.path_for("title") == settings.path_for("body"):
        name = register_font(body + title, "body", settings)
        return name, name
    return register_font(body, "body", settings), register_font(title, "title", settings)


def render_pdf(layout: FormLayout, fonts: FontSettings | None = None) -> bytes:
    """The finished PDF as bytes."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from generator.writers.pdf.acroform import add_acroform, add_widgets
    from generator.writers.pdf.metadata import add_identity
    from generator.writers.pdf.pagecode import draw_page_code
    from generator.writers.pdf.render import FormRenderer, make_styles

    settings = fonts or FontSettings()
    body, title = register_fonts(body_text(layout), "".join(layout.heading.title_lines), settings)

    def document_done(canvas: Canvas) -> None:
        add_acroform(canvas, layout)
        add_identity(canvas, layout.rubric)

    codes = page_codes(layout)
    caption_width = functools.partial(stringWidth, fontName=body, fontSize=CAPTION_SIZE_PT)

    def page_drawn(canvas: Canvas, page: int) -> None:
        draw_page_code(canvas, codes[page], body, caption_width, layout.typography.line_spacing)

    renderer = FormRenderer(
        layout,
        make_styles(layout, body, title),
        page_done=lambda canvas, placements: add_widgets(canvas, placements, layout),
        document_done=document_done,
        page_drawn=page_drawn,
    )
    return renderer.render()


def write_pdf(layout: FormLayout, path: Path, fonts: FontSettings | None = None) -> None:
    """Write the fillable PDF of ``layout`` to ``path`` (atomically)."""
    write_bytes_atomic(path, render_pdf(layout, fonts))
