"""The page code in the PDF: each page's QR code and caption, drawn as a form XObject of its own.

Each page draws its code through one form XObject, named by the page
(:func:`xobject_name`), so a personalised copy can swap in codes that carry
its roster key by replacing those streams in an incremental update
(:mod:`generator.writers.pdf.prefill`) without touching the page content.
The QR modules are one filled path of rectangles (vector, sharp at any
resolution, no image); where it goes is :mod:`generator.layout.pagecode`'s.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from generator.layout.pagecode import CAPTION_RIGHT_MM, CAPTION_SIZE_PT, CODE_BOX, code_matrix
from generator.model.pagecode import PageCode
from generator.writers.pdf.glyphs import GlyphSource
from generator.writers.pdf.update import stream_object

RECT = "%.3f %.3f %.3f %.3f re\n"
CAPTION_FONT = "FC"
"""The caption font's resource name in a replacement code stream."""


def xobject_name(page: int) -> str:
    """The name of page ``page``'s (1-based) code XObject."""
    return f"RFPageCode{page}"


def code_operators(code: PageCode) -> str:
    """The QR code's dark modules as one filled path of rectangles (one per run of a row), in page points."""
    import numpy as np

    matrix = code_matrix(code).astype(np.int8)
    module = (CODE_BOX.x1_mm - CODE_BOX.x0_mm) / len(matrix) * mm
    left, top = CODE_BOX.x0_mm * mm, A4[1] - CODE_BOX.top_mm * mm
    edges = np.diff(np.pad(matrix, ((0, 0), (1, 1))), axis=1)
    starts, ends = np.argwhere(edges == 1), np.argwhere(edges == -1)  # row-major: the runs pair up in order
    rects = np.column_stack(
        (
            left + starts[:, 1] * module,
            top - (starts[:, 0] + 1) * module,
            (ends[:, 1] - starts[:, 1]) * module,
            np.full(len(starts), module),
        )
    )
    return "0 g\n" + RECT * len(rects) % tuple(rects.ravel().tolist()) + "f\n"


def caption_lines(code: PageCode, line_spacing: float) -> list[tuple[str, float]]:
    """Each caption line with its baseline (points from the paper's bottom), centred on the code, spaced
    as the layout spaces lines (the Word writer's caption style does the same)."""
    lines = code.caption()
    leading = CAPTION_SIZE_PT * line_spacing
    middle = A4[1] - (CODE_BOX.top_mm + CODE_BOX.bottom_mm) / 2 * mm
    first = middle + (len(lines) * leading) / 2 - leading + (leading - CAPTION_SIZE_PT) / 2 + 0.12 * CAPTION_SIZE_PT
    return [(line, first - n * leading) for n, line in enumerate(lines)]


def draw_page_code(
    canvas: Canvas, code: PageCode, font: str, width: Callable[[str], float], line_spacing: float
) -> None:
    """Define page ``code.page``'s code XObject (QR and caption in ``font``) and draw it on the page."""
    name = xobject_name(code.page)
    canvas.beginForm(name)
    canvas.addLiteral(code_operators(code))
    right = CAPTION_RIGHT_MM * mm
    for line, baseline in caption_lines(code, line_spacing):
        canvas.setFont(font, CAPTION_SIZE_PT)
        canvas.drawString(right - width(line), baseline, line)
    canvas.endForm()
    canvas.doForm(name)


def code_stream(code: PageCode, glyphs: GlyphSource, font_ref: int, line_spacing: float) -> bytes:
    """A replacement code XObject: the QR and the caption drawn in the embedded font at ``font_ref``."""
    right = CAPTION_RIGHT_MM * mm
    text = []
    for line, baseline in caption_lines(code, line_spacing):
        gids = glyphs.glyph_ids(line)
        x = right - glyphs.width(gids) * CAPTION_SIZE_PT / 1000
        hexed = "".join(f"{g:04X}" for g in gids)
        text.append(f"BT\n/{CAPTION_FONT} {CAPTION_SIZE_PT:g} Tf\n{x:.3f} {baseline:.3f} Td\n<{hexed}> Tj\nET\n")
    content = (code_operators(code) + "".join(text)).encode("ascii")
    width, height = A4
    dictionary = (
        f"/Type /XObject /Subtype /Form /BBox [0 0 {width:.2f} {height:.2f}]"
        f" /Resources << /Font << /{CAPTION_FONT} {font_ref} 0 R >> >>"
    )
    return stream_object(dictionary, content, compress=True)
