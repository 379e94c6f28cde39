"""The AcroForm: widgets, scripts, /CO and a CJK field font, written as reportlab PDF objects.

reportlab's acroform module knows neither /AA actions, nor /CO, nor CJK
fonts, so the field dictionaries are written here, straight into the
document reportlab is drawing (no second pass over the file).  Text fields
use Adobe's standard CJK font STSong-Light (encoding UniGB-UCS2-H, not
embedded) from /AcroForm /DR: every viewer can show any Chinese value with
it, at no cost in file size.  The font dictionary sits in /DR directly, not
as an indirect object: pdftk-java, which cannot load standard CJK fonts,
then falls back to its own font instead of failing (its appearances show no
Chinese, but with ``need_appearances`` viewers redraw them from /DA).  No field has a border or a coloured
background, so the blank form prints like the paper original; the review
date alone has a white background so that a typed date covers the printed
``年　月　日`` guide instead of overprinting it.
"""

from __future__ import annotations

from typing import Any, cast

from reportlab.pdfbase._cidfontdata import CIDFontInfo
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas

from generator.layout.form import FormLayout
from generator.model.fields import FormField, form_fields, locked_fields, score_fields, total_field
from generator.model.rubric import Rubric
from generator.writers.pdf.canvas_private import add_annotation, canvas_document
from generator.writers.pdf.cmap import tounicode_cmap
from generator.writers.pdf.render import Placement
from generator.writers.pdf.scripts import NUMBER_FORMAT, score_keystroke, score_validate, total_calculate

FIELD_FONT = "STSong"
FIELD_FONT_BASE = "STSong-Light"
FIELD_FONT_ENCODING = "UniGB-UCS2-H"
PRINT_FLAG = 4
HIDDEN_FLAG = 2
READ_ONLY = 1
MULTILINE = 1 << 12
DO_NOT_SPELL_CHECK = 1 << 22
CENTERED = 1
RIGHT_ALIGNED = 2
# High bytes of the UCS-2 rows in the field font's ToUnicode map: Latin, punctuation, arrows and
# shapes (①, ○), CJK symbols and punctuation, all CJK Unified Ideographs, fullwidth forms.
TO_UNICODE_ROWS = (0x00, 0x01, 0x02, 0x20, 0x21, 0x24, 0x25, 0x30, *range(0x4E, 0xA0), 0xFF)


def pdf_object(value: object) -> object:
    """Python values as reportlab PDF objects; a ``str`` starting with ``/`` is a name."""
    if isinstance(value, PDFObject):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, str):
        return PDFName(value[1:]) if value.startswith("/") else PDFString(value)
    if isinstance(value, list | tuple):
        return PDFArray([pdf_object(v) for v in value])
    if isinstance(value, dict):
        return PDFDictionary({k: pdf_object(v) for k, v in value.items()})
    return value


def pdf_dictionary(entries: dict[str, object]) -> PDFDictionary:
    """A dict as a reportlab dictionary, its values converted by :func:`pdf_object`."""
    return PDFDictionary({k: pdf_object(v) for k, v in entries.items()})


def unicode_to_unicode_cmap() -> bytes:
    """A ToUnicode CMap saying each 2-byte code is its own UCS-2 value (as UniGB-UCS2-H codes are).

    Viewers need none, but form fillers that draw appearance streams (pypdf)
    learn from it which characters the font can encode, and how.  It lists
    the Unicode rows a Chinese form needs (see ``TO_UNICODE_ROWS``), not the
    whole plane: pypdf expands it into a dictionary for every field it fills.
    """
    return tounicode_cmap("bfrange", [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in TO_UNICODE_ROWS])


def cjk_field_font() -> PDFDictionary:
    """STSong-Light as a Type0 font with UniGB-UCS2-H (Unicode) codes, not embedded."""
    # reportlab's font table has no stub, and mypy infers Collection[str] for it: it maps names to font dicts.
    info = cast(dict[str, dict[str, Any]], CIDFontInfo)[FIELD_FONT_BASE]["DescendantFonts"][0]
    descriptor = {k: v for k, v in info["FontDescriptor"].items() if k != "Type"}
    descendant = {
        "Type": "/Font",
        "Subtype": "/CIDFontType0",
        "BaseFont": f"/{FIELD_FONT_BASE}",
        "CIDSystemInfo": {"Registry": "Adobe", "Ordering": "GB1", "Supplement": 2},
        "FontDescriptor": {"Type": "/FontDescriptor", **descriptor, "FontName": f"/{FIELD_FONT_BASE}"},
        "DW": 1000,
        "W": info["W"],
    }
    return pdf_dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": f"/{FIELD_FONT_BASE}",
            "Encoding": f"/{FIELD_FONT_ENCODING}",
            "DescendantFonts": [descendant],
            "ToUnicode": PDFStream(content=unicode_to_unicode_cmap()),
        }
    )


def _da(size: float) -> PDFString:
    """A default appearance string: the CJK field font, black."""
    return PDFString(f"/{FIELD_FONT} {size:g} Tf 0 g")


def _font_size(field: FormField, layout: FormLayout) -> float:
    """Fixed sizes (auto size, 0, comes out very differently between fillers, PyMuPDF's worst);
    every box is sized by the layout to hold a real value at this size."""
    typography = layout.typography
    return typography.score_size if field.kind in ("score", "total") else typography.field_size


def _javascript(source: str) -> dict[str, object]:
    return {"S": "/JavaScript", "JS": source}


def _kind_entries(field: FormField, layout: FormLayout) -> dict[str, object]:
    """What differs between kinds: flags, alignment, scripts."""
    if field.kind == "seal":
        return {"FT": "/Sig"}
    if field.kind == "roster_key":
        return {"FT": "/Tx", "DA": _da(_font_size(field, layout)), "Ff": READ_ONLY}
    entries: dict[str, object] = {"FT": "/Tx", "DA": _da(_font_size(field, layout))}
    if field.kind == "score":
        assert field.subitem is not None and field.max_score is not None
        actions = {
            "K": _javascript(score_keystroke(field.subitem)),
            "F": _javascript(NUMBER_FORMAT),
            "V": _javascript(score_validate(field.subitem)),
        }
        entries |= {"Ff": DO_NOT_SPELL_CHECK, "Q": CENTERED, "MaxLen": len(str(field.max_score)), "AA": actions}
    elif field.kind == "total":
        calculate = total_calculate(score_fields(layout.rubric))
        actions = {"C": _javascript(calculate), "F": _javascript(NUMBER_FORMAT)}
        entries |= {"Ff": READ_ONLY | DO_NOT_SPELL_CHECK, "Q": CENTERED, "AA": actions}
    elif field.kind == "review":
        entries["Ff"] = MULTILINE
    elif field.kind == "review_date":
        entries |= {"MK": {"BG": [1]}, "Q": RIGHT_ALIGNED}
    return entries


def empty_appearance(rect: tuple[float, float, float, float]) -> PDFStream:
    """An explicit blank normal appearance: viewers show (and print) nothing until a value is entered."""
    x0, y0, x1, y1 = rect
    bbox = [0.0, 0.0, x1 - x0, y1 - y0]
    return PDFStream(pdf_object({"Type": "/XObject", "Subtype": "/Form", "BBox": bbox, "Resources": {}}), b"")


def field_lock(rubric: Rubric) -> PDFDictionary:
    """The seal field's /Lock: signing it locks the scores, the total and the header (a FieldMDP transform)."""
    fields = [f.name for f in locked_fields(rubric)]
    return pdf_dictionary({"Type": "/SigFieldLock", "Action": "/Include", "Fields": fields})


def widget(
    placement: Placement, page: PDFObjectReference, layout: FormLayout, lock: PDFObjectReference | None = None
) -> PDFDictionary:
    """One field merged with its widget annotation; ``lock`` is the seal field's /Lock (an indirect object)."""
    field = placement.field
    return pdf_dictionary(
        {
            "Type": "/Annot",
            "Subtype": "/Widget",
            "T": field.name,
            "TU": field.label,
            "Rect": list(placement.rect),
            "F": HIDDEN_FLAG if field.kind == "roster_key" else PRINT_FLAG,
            "P": page,
            "AP": {"N": empty_appearance(placement.rect)},
            **_kind_entries(field, layout),
            **({"Lock": lock} if lock is not None else {}),
        }
    )


def add_widgets(canvas: Canvas, placements: list[Placement], layout: FormLayout) -> None:
    """Put the current page's fields on it, in the contract's tab order (call before ``showPage``)."""
    order = [f.name for f in form_fields(layout.rubric)]
    doc = canvas_document(canvas)
    page = doc.thisPageRef()
    for placement in sorted(placements, key=lambda p: order.index(p.field.name)):
        lock = doc.Reference(field_lock(layout.rubric)) if placement.field.kind == "seal" else None
        add_annotation(canvas, widget(placement, page, layout, lock), placement.field.name)


def add_acroform(canvas: Canvas, layout: FormLayout) -> None:
    """The /AcroForm: every field in tab order, the CJK field font, and /CO for the total."""
    doc = canvas_document(canvas)
    fields = [doc.refAnnotation(f.name) for f in form_fields(layout.rubric)]
    acroform = {
        "Fields": fields,
        "DR": {"Font": {FIELD_FONT: cjk_field_font()}},
        "DA": _da(layout.typography.field_size),
        "CO": [doc.refAnnotation(total_field(layout.rubric).name)],
    }
    canvas.setCatalogEntry("AcroForm", pdf_object(acroform))
