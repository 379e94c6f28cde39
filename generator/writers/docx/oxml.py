"""Small builders for WordprocessingML that python-docx has no API for.

python-docx covers paragraphs, runs, tables, merges, sections and styles; the
form also needs row, cell and table properties (repeated header rows, rows
that cannot split, borders, margins), content controls and fonts for East
Asian text.  These helpers build those elements and put them where the schema
wants them, so the rest of the writer reads like python-docx code.
"""

from __future__ import annotations

import math
from typing import cast

from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.oxml.text.paragraph import CT_P
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from lxml import etree
from lxml.etree import ElementBase

from generator.layout.linebreak import em_mm

TWIPS_PER_MM = 1440 / 25.4
IDEOGRAPHIC_SPACE = "\u3000"


def w(tag: str, *children: etree._Element, **attrs: str | int) -> etree._Element:
    """A ``w:`` element: ``w("w:jc", val="center")``; attribute names are given without prefix.

    It is python-docx's element class for the tag when it has one, else a plain lxml element.
    """
    element = OxmlElement(tag, {qn(f"w:{name}"): str(value) for name, value in attrs.items()})
    element.extend(children)
    return element


# Child order of the property elements this writer touches (ISO/IEC 29500 sequences; Word
# rejects a file whose children are out of order).  w:trPr is a choice: any order is valid.
_CHILD_ORDER = {
    qn("w:rPr"): (
        *("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike"),
        *("w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid"),
        *("w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz"),
        *("w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign"),
        *("w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
    ),
    qn("w:pPr"): (
        *("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl"),
        *("w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens"),
        *("w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN"),
        *("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing"),
        *("w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment"),
        *("w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    ),
    qn("w:tblPr"): (
        *("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize"),
        *("w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders"),
        *("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"),
    ),
    qn("w:tcPr"): (
        *("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd"),
        *("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"),
    ),
}


def set_child(parent: BaseOxmlElement, child: etree._Element) -> etree._Element:
    """Put ``child`` into ``parent`` at its schema position, replacing one of the same tag."""
    for old in parent.findall(child.tag):
        parent.remove(old)
    order = _CHILD_ORDER.get(parent.tag, ())
    position = next((i for i, name in enumerate(order) if qn(name) == child.tag), len(order))
    # python-docx annotates the element as ElementBase, but any lxml element will do (it is only
    # passed to addprevious / append), and w() gives a plain one for tags python-docx has no class for.
    parent.insert_element_before(cast(ElementBase, child), *order[position + 1 :])
    return child


def twips(mm: float) -> int:
    """Millimetres as twentieths of a point, Word's unit for widths and heights."""
    return round(mm * TWIPS_PER_MM)


def blank(width_mm: float, size_pt: float) -> str:
    """Ideographic spaces that fill ``width_mm`` at ``size_pt`` without exceeding it."""
    return IDEOGRAPHIC_SPACE * max(1, math.floor(width_mm / em_mm(size_pt)))


def borders(tag: str, sides: dict[str, str], size_eighths: int = 4, color: str = "000000") -> etree._Element:
    """``w:tblBorders`` / ``w:tcBorders``: each side ``single``, ``dashed`` or ``nil``, in schema order."""
    order = ("top", "left", "bottom", "right", "insideH", "insideV")
    ordered = sorted(sides.items(), key=lambda item: order.index(item[0]))
    lines = (w(f"w:{side}", val=style, sz=size_eighths, space=0, color=color) for side, style in ordered)
    return w(tag, *lines)


def line_break_runs(paragraph: Paragraph, lines: tuple[str, ...]) -> None:
    """Append ``lines`` to ``paragraph`` as one run, a line break (``w:br``) between two lines:
    the lines break where the layout broke them, in every word processor."""
    run = paragraph.add_run()
    for index, line in enumerate(lines):
        if index:
            run.add_break()
        run.add_text(line)


HAIRLINE_TWIPS = 20
"""The height of a paragraph that only separates or ends tables or sections: one point."""


def _make_hairline(p: CT_P) -> None:
    """Make ``p`` one point high: an exact one-point line, a one-point paragraph mark."""
    properties = p.get_or_add_pPr()
    set_child(properties, w("w:spacing", before=0, after=0, line=HAIRLINE_TWIPS, lineRule="exact"))
    set_child(properties, w("w:rPr", w("w:sz", val=2), w("w:szCs", val=2)))


def add_hairline_paragraph(document: Document, page_break: bool = False) -> None:
    """A one-point empty paragraph: with ``page_break``, it starts a new page (``w:pageBreakBefore``),
    so the next table starts at the top of that page as the layout's next page does; without, it
    ends the document after its last table, as Word requires (LibreOffice drops a last table
    that no paragraph follows when it saves a .doc)."""
    p = document.add_paragraph()._p
    if page_break:
        p.get_or_add_pPr().pageBreakBefore_val = True
    _make_hairline(p)


def add_section_break(document: Document) -> None:
    """End the section after the last table with a one-point paragraph holding a one-point space; the
    next section starts on a new page, with the same page setup.

    The space keeps the paragraph: LibreOffice drops an empty paragraph that only ends a section, and
    when it saves the document again it ends the section with a new paragraph of the body's size,
    which no longer fits on the page, so a page with nothing on it follows."""
    document.add_section(WD_SECTION.NEW_PAGE)
    paragraph = document.paragraphs[-1]
    _make_hairline(paragraph._p)
    paragraph.add_run(" ").font.size = Pt(1)
