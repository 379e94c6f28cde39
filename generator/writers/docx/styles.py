"""Paragraph styles from the layout's typography.

Every paragraph of the form uses one of a few named styles (Chinese names, as
a Word user sees them in the style gallery; ASCII ids), so the sizes and faces
the layout chose live in one place in the document and a user who restyles the
form changes them once.  Line spacing is exact (the layout's leading), so rows
are as high as the layout measured them in every word processor, and no extra
space is put between Chinese and Latin text or digits (``w:autoSpaceDE`` /
``w:autoSpaceDN`` off), as in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.styles.style import ParagraphStyle

from generator.layout.form import Typography
from generator.layout.pagecode import CAPTION_SIZE_PT
from generator.writers.docx.fonts import FACES, Face, set_chinese_language, set_faces
from generator.writers.docx.oxml import set_child, w

TITLE_STYLE, TITLE_STYLE_ID = "表格标题", "FormTitle"
TABLE_HEAD_STYLE, TABLE_HEAD_STYLE_ID = "表头", "TableHeading"
TABLE_TEXT_STYLE, TABLE_TEXT_STYLE_ID = "表格正文", "TableText"
FOOTER_STYLE, FOOTER_STYLE_ID = "审核栏", "ReviewText"
PAGE_CODE_STYLE, PAGE_CODE_STYLE_ID = "页面识别码", "PageCode"
"""The page code's caption in the page header, right-aligned (its right indent is set where it is placed)."""


@dataclass(frozen=True, slots=True)
class _StyleSpec:
    name: str
    style_id: str
    size: float
    face: Face
    bold: bool = False
    alignment: WD_ALIGN_PARAGRAPH | None = None


def _specs(typography: Typography) -> tuple[_StyleSpec, ...]:
    t, body = typography, FACES["body"]
    centre, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    return (
        _StyleSpec(TITLE_STYLE, TITLE_STYLE_ID, t.title_size, FACES["title"], bold=True, alignment=centre),
        # 正文 (Normal) itself carries the header size: the subject line and the header blanks.
        _StyleSpec(TABLE_HEAD_STYLE, TABLE_HEAD_STYLE_ID, t.table_head_size, body, bold=True, alignment=centre),
        _StyleSpec(TABLE_TEXT_STYLE, TABLE_TEXT_STYLE_ID, t.table_size, body),
        _StyleSpec(FOOTER_STYLE, FOOTER_STYLE_ID, t.footer_size, body),
        _StyleSpec(PAGE_CODE_STYLE, PAGE_CODE_STYLE_ID, CAPTION_SIZE_PT, body, alignment=right),
    )


def _set_defaults(document: Document, typography: Typography) -> None:
    """Document defaults and 正文 (Normal): the body face, the header size, single spacing × the layout's."""
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_faces(rpr, FACES["body"])
    set_chinese_language(rpr)
    normal = document.styles["Normal"]
    normal.font.size = Pt(typography.header_size)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(typography.header_size * typography.line_spacing)
    ppr = normal.element.get_or_add_pPr()
    set_child(ppr, w("w:autoSpaceDE", val=0))
    set_child(ppr, w("w:autoSpaceDN", val=0))


def _add_style(document: Document, spec: _StyleSpec, line_spacing: float) -> ParagraphStyle:
    style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(spec.size)
    style.font.bold = spec.bold or None
    style.paragraph_format.line_spacing = Pt(spec.size * line_spacing)
    set_faces(style.element.get_or_add_rPr(), spec.face)
    style.paragraph_format.alignment = spec.alignment
    return style


def add_form_styles(document: Document, typography: Typography) -> None:
    """Set the defaults and add the form's paragraph styles to ``document``."""
    _set_defaults(document, typography)
    for spec in _specs(typography):
        _add_style(document, spec, typography.line_spacing)
