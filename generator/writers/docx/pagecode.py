"""The page code on every page of the Word form: its QR code in the top margin and the caption beside it.

Each page of the layout is a section of its own (the writer ends a page's
table with a section break), and each section has a header of its own, so
Word, WPS and LibreOffice (which makes each section a page style) print on
every page the code of that page, however many pages a form has.  The header
starts at the code's top (the header distance) and holds one paragraph: the
caption's lines, right-aligned to end at
:data:`~generator.layout.pagecode.CAPTION_RIGHT_MM` and centred on the code's
height as the PDF centres them, and the QR code, a picture anchored to that
paragraph but placed on the page at
:data:`~generator.layout.pagecode.CODE_BOX`, in front of the text: a floating
picture adds nothing to the header's height, and the caption ends above the
top margin, so the body still starts at the margin and every page's content
stays where the layout put it.

The picture is a 1-bit PNG of the symbol without its quiet zone (the blank
margin around it is the quiet zone), a whole number of pixels a module and at
most :data:`MAX_PPI` pixels an inch, so that it prints sharp: LibreOffice's
PDF export (with its default settings) resamples a finer picture to 300 ppi,
which blurs the modules' edges, and keeps this one pixel for pixel.  The same
code always gives the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import cast

from docx.document import Document
from docx.oxml.ns import nsdecls
from docx.oxml.parser import parse_xml
from docx.oxml.shape import CT_Anchor, CT_Inline
from docx.section import _Header
from docx.shared import Emu, Length, Mm, Pt

from generator.layout.form import PAGE_WIDTH_MM, FormLayout
from generator.layout.pagecode import CAPTION_RIGHT_MM, CAPTION_SIZE_PT, CODE_BOX, CODE_SIZE_MM, code_matrix
from generator.model.pagecode import PageCode
from generator.writers.docx.oxml import line_break_runs
from generator.writers.docx.styles import PAGE_CODE_STYLE_ID

MAX_PPI = 300
MM_PER_INCH = 25.4
PICTURE_NAME = "第 {page} 页识别码"
ALT_TEXT = "本页识别码（二维码）：{payload}"

_ANCHOR = (
    f'<wp:anchor {nsdecls("wp")} distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="0"'
    ' behindDoc="0" locked="1" layoutInCell="1" allowOverlap="1">'
    '<wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
    '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
    "</wp:anchor>"
)
"""A floating picture placed on the page, in front of the text, nothing wrapping around it; the inline
picture's size goes after its position (child :data:`EXTENT_INDEX`), the rest of it at the end."""
EXTENT_INDEX = 3


def pixels_per_module(modules: int) -> int:
    """The most pixels a module that keep a symbol ``modules`` wide within :data:`MAX_PPI` at the code's size."""
    return max(1, math.floor(MAX_PPI * CODE_SIZE_MM / MM_PER_INCH / modules))


def code_png(code: PageCode) -> bytes:
    """The code's QR symbol (error correction level M, as every writer draws it) as a 1-bit PNG, no quiet zone."""
    from PIL import Image

    matrix = code_matrix(code)
    modules = len(matrix)
    scale = pixels_per_module(modules)
    dpi = round(modules * scale * MM_PER_INCH / CODE_SIZE_MM)  # so that the picture's own size is the code's too
    image = Image.fromarray(~matrix)  # a bool array is a 1-bit image: true (white) where the module is light
    out = io.BytesIO()
    image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _floating(inline: CT_Inline, x_mm: float, y_mm: float) -> CT_Anchor:
    """The inline picture as one placed on the page with its top left corner at (``x_mm``, ``y_mm``)."""
    anchor = cast(CT_Anchor, parse_xml(_ANCHOR.format(x=Mm(x_mm), y=Mm(y_mm))))
    extent, *rest = inline  # wp:extent, then wp:docPr, wp:cNvGraphicFramePr, a:graphic
    anchor.insert(EXTENT_INDEX, extent)
    anchor.extend(rest)
    return anchor


def _space_above_caption(lines: int, line_spacing: float) -> Length:
    """Room above the caption's ``lines`` that centres them on the code (the header starts at its top)."""
    return Emu((Mm(CODE_SIZE_MM) - Pt(lines * CAPTION_SIZE_PT * line_spacing)) // 2)


def _fill_header(header: _Header, code: PageCode, picture: bytes, layout: FormLayout, shape_id: int) -> None:
    """Give ``header`` a definition of its own showing ``code`` and its ``picture``; ``shape_id`` numbers
    the picture (unique in the document)."""
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph._p.style = PAGE_CODE_STYLE_ID
    caption = code.caption()
    paragraph.paragraph_format.space_before = _space_above_caption(len(caption), layout.typography.line_spacing)
    paragraph.paragraph_format.right_indent = Mm(PAGE_WIDTH_MM - layout.margin_mm - CAPTION_RIGHT_MM)
    run = paragraph.add_run()
    inline = run.part.new_pic_inline(io.BytesIO(picture), Mm(CODE_SIZE_MM), Mm(CODE_SIZE_MM))
    inline.docPr.id, inline.docPr.name = shape_id, PICTURE_NAME.format(page=code.page)
    inline.docPr.set("descr", ALT_TEXT.format(payload=code.payload()))
    run._r.add_drawing(_floating(inline, CODE_BOX.x0_mm, CODE_BOX.top_mm))
    line_break_runs(paragraph, caption)


def add_page_codes(document: Document, layout: FormLayout, codes: Sequence[PageCode]) -> None:
    """Put each page's code into the header of its section (one section per page of ``layout``).

    The first section shows the first page's code as its first-page header too (``w:titlePg``), so
    that LibreOffice gives the form's first paragraph a page style of its own: without one, its Word
    97 export of a form-protected document starts with an empty section, and the second page comes
    back with the first page's code.
    """
    sections = document.sections
    headers = [(section.header, code) for section, code in zip(sections, codes, strict=True)]
    sections[0].different_first_page_header_footer = True
    headers.append((sections[0].first_page_header, codes[0]))
    pictures = {code: code_png(code) for code in codes}
    for shape_id, (header, code) in enumerate(headers, start=1):
        _fill_header(header, code, pictures[code], layout, shape_id)
