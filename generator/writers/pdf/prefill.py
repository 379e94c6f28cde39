"""A fillable PDF with its header blanks already filled in, for every viewer to show as it is.

Each rubric's form is written once, in memory, by the real PDF writer
(:func:`generator.writers.pdf.writer.render_pdf`): the template.  A filled
copy is then the template's bytes plus an incremental update
(:mod:`generator.writers.pdf.update`) that gives each header field its value
(/V, still editable) and an appearance stream drawn in a small embedded subset
of the body font holding exactly the glyphs of that copy's values — so the
values show and print in every viewer, with no system font and no redrawing
by the viewer — and replaces each page's code (:mod:`generator.writers.pdf.pagecode`)
by one that carries the copy's roster key.  Nothing is laid out again per copy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, cast

from generator.layout.form import build_layout
from generator.layout.pagecode import rubric_page_codes
from generator.model.fields import applicant_field, roster_key_field
from generator.model.identity import ROSTER_KEY
from generator.model.rubric import Rubric
from generator.writers.pdf.appearance import BoxStyle, appearance_stream, font_objects
from generator.writers.pdf.fonts import FontSettings
from generator.writers.pdf.glyphs import GlyphSource
from generator.writers.pdf.pagecode import code_stream, xobject_name
from generator.writers.pdf.update import BaseTrailer, UnsupportedBase, append_update, base_trailer

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject

DA_SIZE = re.compile(r"([\d.]+)\s+Tf")
DA_COLOR = re.compile(r"Tf\s+(.*)$")
FONT_OBJECTS = 5


@dataclass(frozen=True, slots=True)
class TemplateBlank:
    """One header field of the template: its object, its dictionary without /V and /AP, its box."""

    number: int
    body: bytes
    style: BoxStyle


@dataclass(frozen=True, slots=True)
class FormTemplate:
    """The blank form's bytes, and where its header fields, hidden roster-key field and
    document information dictionary (number and body without its closing ``>>``) are."""

    rubric: Rubric
    data: bytes
    trailer: BaseTrailer
    blanks: dict[str, TemplateBlank]
    roster_key: TemplateBlank
    info: tuple[int, bytes]
    code_objects: tuple[int, ...]
    """The object number of each page's code XObject, in page order."""
    line_spacing: float


def prepare_template(rubric: Rubric, fonts: FontSettings | None = None) -> FormTemplate:
    """Write the rubric's blank form once with the PDF writer and note where its header fields are."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, NumberObject

    from generator.writers.pdf.writer import render_pdf

    layout = build_layout(rubric)
    data = render_pdf(layout, fonts)
    reader = PdfReader(BytesIO(data))
    trailer = reader.trailer
    # pypdf types every dictionary value as PdfObject; what our own writer put there is known.
    acroform = cast(DictionaryObject, cast(DictionaryObject, trailer["/Root"])["/AcroForm"])
    fields = {str(ref.get_object()["/T"]): ref for ref in cast(ArrayObject, acroform["/Fields"])}
    blanks = {h.id: _blank(fields[applicant_field(rubric, h).name]) for h in rubric.applicant_fields}
    roster_key = _blank(fields[roster_key_field(rubric).name])
    info = trailer.raw_get("/Info")
    trailer_info = base_trailer(
        data,
        size=int(cast(NumberObject, trailer["/Size"])),
        root=f"{trailer.raw_get('/Root').idnum} 0 R",
        info=f"{info.idnum} 0 R",
        first_id=_id_bytes(cast(ArrayObject, trailer["/ID"])[0]),
    )
    info_entry = (info.idnum, _body(info.get_object()))
    codes = _code_objects(reader)
    return FormTemplate(
        rubric, data, trailer_info, blanks, roster_key, info_entry, codes, layout.typography.line_spacing
    )


def _code_objects(reader: PdfReader) -> tuple[int, ...]:
    """Each page's code XObject's object number (reportlab names a form ``FormXob.<name>``)."""
    from pypdf.generic import DictionaryObject

    numbers = []
    for number, page in enumerate(reader.pages, start=1):
        resources = cast(DictionaryObject, page["/Resources"])
        xobjects = cast(DictionaryObject, resources["/XObject"])
        numbers.append(xobjects.raw_get(f"/FormXob.{xobject_name(number)}").idnum)
    return tuple(numbers)


def _body(dictionary: DictionaryObject) -> bytes:
    """A dictionary as written, without its closing ``>>`` (entries are appended to it)."""
    out = BytesIO()
    dictionary.write_to_stream(out)
    return out.getvalue().rstrip().removesuffix(b">>")


def _id_bytes(value: object) -> bytes:
    """The raw bytes of a file identifier, whichever string type pypdf read it as."""
    raw = getattr(value, "original_bytes", value)
    return raw if isinstance(raw, bytes) else str(raw).encode("latin-1")


def _blank(ref: IndirectObject) -> TemplateBlank:
    """A merged field-and-widget dictionary, ready to be rewritten with a value."""
    from pypdf.generic import ArrayObject, DictionaryObject

    field = cast(DictionaryObject, ref.get_object())
    if "/Kids" in field or ref.generation != 0:
        raise UnsupportedBase(f"field {field['/T']} is not a merged field and widget of generation 0")
    body = _body(DictionaryObject({k: v for k, v in field.items() if k not in ("/V", "/AP")}))
    x0, y0, x1, y1 = (float(v) for v in cast(ArrayObject, field["/Rect"]))
    da = str(field.get("/DA", "/STSong 10.5 Tf 0 g"))
    size = DA_SIZE.search(da)
    color = DA_COLOR.search(da)
    style = BoxStyle(
        width=abs(x1 - x0),
        height=abs(y1 - y0),
        font_size=float(size[1]) if size else 0.0,
        color=color[1].strip() if color else "0 g",
        align=int(field.get("/Q", 0)),
    )
    return TemplateBlank(ref.idnum, body, style)


def pdf_text_string(value: str) -> bytes:
    """A PDF text string in UTF-16BE with byte order mark, as a hex string."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def fill(template: FormTemplate, values: Sequence[tuple[str, str]], key: str, glyphs: GlyphSource) -> bytes:
    """The template with the header ``values`` (header id, text) filled in, as one incremental update.

    ``key`` is the applicant's roster key: it goes into the hidden roster-key field, the document
    information, every page's code and the second half of the file identifier (which tells copies apart).
    """
    filled = [(template.blanks[hid], value) for hid, value in values if value and hid in template.blanks]
    codes = rubric_page_codes(template.rubric, len(template.code_objects), "P", key) if key else ()
    runs = [glyphs.glyph_ids(value) for _, value in filled]
    shown = [*(value for _, value in filled), *(line for code in codes for line in code.caption())]
    chars = {g: ch for text in shown for g, ch in zip(glyphs.glyph_ids(text), text, strict=True)}
    font_ref = template.trailer.size
    objects = font_objects(font_ref, glyphs, chars) if chars else {}
    for offset, ((blank, value), run) in enumerate(zip(filled, runs, strict=True)):
        ap_ref = font_ref + FONT_OBJECTS + offset
        objects[ap_ref] = appearance_stream(blank.style, run, glyphs, font_ref)
        objects[blank.number] = blank.body + b"/V " + pdf_text_string(value) + b"\n/AP << /N %d 0 R >>\n>>" % ap_ref
    for number, code in zip(template.code_objects, codes, strict=False):  # no codes to swap without a key
        objects[number] = code_stream(code, glyphs, font_ref, template.line_spacing)
    roster = template.roster_key
    objects[roster.number] = roster.body + b"/V " + pdf_text_string(key) + b"\n>>"
    info_number, info_body = template.info
    objects[info_number] = info_body + b"/%s " % ROSTER_KEY.name.encode("ascii") + pdf_text_string(key) + b"\n>>"
    second_id = hashlib.md5(template.trailer.first_id + key.encode("utf-8")).digest()
    return append_update(template.data, template.trailer, objects, second_id)
