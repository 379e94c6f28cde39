"""Word content controls: the form's fillable blanks.

Each blank is an inline plain-text content control (``w:sdt`` with ``w:text``)
tagged with the field's name from :mod:`generator.model.fields` (``w:tag``, the same
name the PDF field has) and titled with its Chinese label (``w:alias``, what
Word shows on the control).  Its content is a run of ideographic spaces as wide
as the blank (the line to write on is a cell border, see
:mod:`generator.writers.docx.heading`), so the printed blank form shows the line or
the empty cell and no placeholder prose, and a click anywhere on the blank
lands in the control; the control is locked against deletion, not against
typing.
"""

from __future__ import annotations

import zlib

from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from generator.model.fields import FormField
from generator.writers.docx.oxml import w


def control_id(field: FormField) -> int:
    """The ``w:id`` of the field's control: derived from its name, so the same in every build."""
    return zlib.crc32(field.name.encode("ascii")) & 0x7FFFFFFF


def text_control(field: FormField, blank: str, *, multiline: bool = False) -> etree._Element:
    """An inline plain-text content control for ``field`` showing ``blank``."""
    text = w("w:text", multiLine=1) if multiline else w("w:text")
    properties = w(
        "w:sdtPr",
        w("w:alias", val=field.label),
        w("w:tag", val=field.name),
        w("w:id", val=control_id(field)),
        w("w:lock", val="sdtLocked"),
        text,
    )
    run_text = w("w:t")
    run_text.text = blank
    run_text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    content = w("w:sdtContent", w("w:r", run_text))
    return w("w:sdt", properties, content)


def add_text_control(paragraph: Paragraph, field: FormField, blank: str, *, multiline: bool = False) -> None:
    """Append a content control for ``field`` to ``paragraph``."""
    paragraph._p.append(text_control(field, blank, multiline=multiline))


def fill_controls(document: Document, values: dict[str, str]) -> None:
    """Put each value into the control tagged with its field name (a personalised copy's header)."""
    if not values:
        return
    for sdt in document.element.body.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        name = tag.get(qn("w:val")) if tag is not None else None
        if name in values:
            texts = list(sdt.iter(qn("w:t")))
            texts[0].text = values[name]
            for extra in texts[1:]:
                extra.text = ""
