"""Typing into a PDF form with real PDFium, as Chrome and Edge do, and measuring what it shows.

Chrome's and Edge's PDF viewers are PDFium with its form filler: a click on a
widget (``FORM_OnMouseMove``, ``FORM_OnLButtonDown``/``Up`` at a point in page
space) focuses the field; each typed character, an input method's commit
included, is a ``FORM_OnChar`` per UTF-16 code unit; a paste or a replaced
selection is ``FORM_ReplaceSelection``; leaving the field
(``FORM_ForceToKillFocus``) makes PDFium store /V and write the field's new
appearance stream.  :class:`PdfiumForm` does exactly that through
pypdfium2's raw bindings, renders the page with the form drawn
(``FPDF_FFLDraw``, pypdfium2's ``may_draw_forms``) in 8-bit grey, and saves
the filled document (``FPDF_SaveAsCopy``).

What a typed value looks like is measured against the same region rendered
before typing: *ink* is the pixels the value darkened, so the printed label
and the rule under the blank never count.  :func:`appearance` reads back,
from the saved file, the clip path PDFium put in the appearance stream (it
adds one only when the value does not fit the field's inner rectangle) and
:func:`glyph_boxes` the outline box of every character the appearance draws
(PDFium's text API, after ``FPDFPage_Flatten``).
"""

from __future__ import annotations

import ctypes
import io
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, cast

from PIL import Image, ImageChops
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

TypingMethod = Literal["keys", "replace"]
"""``keys``: one ``FORM_OnChar`` per UTF-16 code unit (typing, an input method's commit);
``replace``: one ``FORM_ReplaceSelection`` (a paste)."""

Rect = tuple[float, float, float, float]
"""Left, bottom, right, top, in PDF points (origin bottom left)."""

INK_LEVEL = 128
"""A pixel is ink when the value made it darker than this grey ..."""
INK_STEP = 64
"""... by at least this much (so the printed rule under a blank is never ink)."""
MARGIN_PT = 6
"""Room rendered around a field's rectangle, in points: ink that left the rectangle would show there."""


def pdfium_available() -> bool:
    """Whether pypdfium2 (PDFium's own build) can be imported."""
    try:
        import pypdfium2  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def _raw() -> Any:
    import pypdfium2.raw as raw  # type: ignore[import-untyped]

    return raw


def _wide(text: str) -> Any:
    """``text`` as an FPDF_WIDESTRING: UTF-16LE, NUL-terminated (the pointer keeps its buffer alive)."""
    data = text.encode("utf-16-le") + b"\0\0"
    buffer = ctypes.create_string_buffer(data, len(data))
    return ctypes.cast(buffer, _raw().FPDF_WIDESTRING)


def _read_wide(call: Callable[[Any, int], int]) -> str:
    """A UTF-16LE string from a PDFium getter ``call(buffer, length) -> bytes needed`` (its NUL included)."""
    needed = int(call(None, 0))
    if needed <= 2:
        return ""
    buffer = ctypes.create_string_buffer(needed)
    call(ctypes.cast(buffer, _raw().FPDF_WIDESTRING), needed)
    return buffer.raw[: needed - 2].decode("utf-16-le")


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A widget as PDFium sees it: its page, rectangle and /DA font size (0: auto)."""

    name: str
    page_index: int
    rect: Rect
    font_size: float
    is_text: bool

    @property
    def width_pt(self) -> float:
        return self.rect[2] - self.rect[0]

    @property
    def height_pt(self) -> float:
        return self.rect[3] - self.rect[1]


@dataclass(frozen=True, slots=True)
class GrayImage:
    """A page region rendered in grey, with the mapping PDFium used: page point (x, y) falls on pixel
    (``x * x_scale - x_shift``, ``(page_height - y) * y_scale - y_shift``), rows counting downwards."""

    image: Image.Image
    scale: int
    page_height: float
    x_scale: float
    y_scale: float
    x_shift: int
    y_shift: int

    def x_px(self, x_pt: float) -> float:
        """A page x coordinate as a pixel boundary of this image (columns count rightwards)."""
        return x_pt * self.x_scale - self.x_shift

    def y_px(self, y_pt: float) -> float:
        """A page y coordinate as a pixel boundary of this image (rows count downwards)."""
        return (self.page_height - y_pt) * self.y_scale - self.y_shift

    def box_px(self, rect: Rect) -> tuple[float, float, float, float]:
        """``rect`` in pixels: left, top, right, bottom boundaries."""
        return (self.x_px(rect[0]), self.y_px(rect[3]), self.x_px(rect[2]), self.y_px(rect[1]))


@dataclass(frozen=True, slots=True)
class InkBox:
    """Where a value's ink lies, in pixels: ``left``/``top`` the first column/row with ink, ``right``/``bottom``
    one past the last; ``runs`` the ranges of columns with ink, left to right."""

    left: int
    top: int
    right: int
    bottom: int
    runs: tuple[tuple[int, int], ...]

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def ink(before: GrayImage, after: GrayImage) -> InkBox | None:
    """The pixels that turned dark between ``before`` and ``after`` (one region), or None if none did."""
    assert before.image.size == after.image.size and before.box_px((0, 0, 1, 1)) == after.box_px((0, 0, 1, 1))
    dark = after.image.point(lambda v: 255 if v < INK_LEVEL else 0)
    darkened = ImageChops.subtract(before.image, after.image).point(lambda v: 255 if v >= INK_STEP else 0)
    mask = ImageChops.multiply(dark, darkened)
    bbox = mask.getbbox()
    if bbox is None:
        return None
    columns, _rows = mask.getprojection()
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for x, filled in enumerate([*columns, 0]):
        if filled and start is None:
            start = x
        elif not filled and start is not None:
            runs.append((start, x))
            start = None
    return InkBox(bbox[0], bbox[1], bbox[2], bbox[3], tuple(runs))


@dataclass(frozen=True)
class TypedField:
    """One value typed into one field with PDFium: the renders before and after, and what PDFium stored."""

    field: FieldInfo
    text: str
    stored: str
    before: GrayImage
    after: GrayImage

    @cached_property
    def ink(self) -> InkBox | None:
        return ink(self.before, self.after)

    @property
    def em_px(self) -> float:
        """The /DA font size in pixels."""
        return self.field.font_size * self.after.scale


class PdfiumForm:
    """A PDF open in PDFium with its form-fill environment, typed into as Chrome's viewer does.

    Use it as a context manager; the pages stay loaded (``FORM_OnAfterLoadPage``) until it closes.
    """

    def __init__(self, source: Path | bytes) -> None:
        import pypdfium2 as pdfium

        self.raw = _raw()
        self.document = pdfium.PdfDocument(source)
        if not self.document.init_forms():
            self.document.close()
            raise ValueError("the document has no form")
        self._pages: dict[int, Any] = {}
        self.fields = self._read_fields()

    def __enter__(self) -> PdfiumForm:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        for page in self._pages.values():
            page.close()
        self._pages.clear()
        self.document.close()

    @property
    def env(self) -> Any:
        return self.document.formenv.raw

    def page(self, index: int) -> Any:
        if index not in self._pages:
            self._pages[index] = self.document[index]
        return self._pages[index]

    @contextmanager
    def _annotations(self, page_index: int) -> Iterator[list[Any]]:
        raw, page = self.raw, self.page(page_index).raw
        handles = [raw.FPDFPage_GetAnnot(page, i) for i in range(raw.FPDFPage_GetAnnotCount(page))]
        try:
            yield handles
        finally:
            for handle in handles:
                raw.FPDFPage_CloseAnnot(handle)

    def _name(self, annot: Any) -> str:
        return _read_wide(lambda buf, n: self.raw.FPDFAnnot_GetFormFieldName(self.env, annot, buf, n))

    def _read_fields(self) -> dict[str, FieldInfo]:
        raw = self.raw
        found: dict[str, FieldInfo] = {}
        for index in range(len(self.document)):
            with self._annotations(index) as annots:
                for annot in annots:
                    if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET:
                        continue
                    rect = raw.FS_RECTF()
                    raw.FPDFAnnot_GetRect(annot, rect)
                    is_text = raw.FPDFAnnot_GetFormFieldType(self.env, annot) == raw.FPDF_FORMFIELD_TEXTFIELD
                    size = ctypes.c_float(0)
                    if is_text:
                        raw.FPDFAnnot_GetFontSize(self.env, annot, ctypes.byref(size))
                    box = (
                        min(rect.left, rect.right),
                        min(rect.bottom, rect.top),
                        max(rect.left, rect.right),
                        max(rect.bottom, rect.top),
                    )
                    name = self._name(annot)
                    found[name] = FieldInfo(name, index, box, float(size.value), is_text)
        return found

    def focused(self) -> str | None:
        """The name of the field that has the focus, if any."""
        raw = self.raw
        page_index = ctypes.c_int(-1)
        annot = raw.FPDF_ANNOTATION()
        if not raw.FORM_GetFocusedAnnot(self.env, ctypes.byref(page_index), ctypes.byref(annot)) or not annot:
            return None
        try:
            return self._name(annot)
        finally:
            raw.FPDFPage_CloseAnnot(annot)

    def click(self, name: str) -> None:
        """A left click at the centre of the field's widget, as the viewer sends it (page coordinates)."""
        raw, field = self.raw, self.fields[name]
        page = self.page(field.page_index).raw
        x, y = (field.rect[0] + field.rect[2]) / 2, (field.rect[1] + field.rect[3]) / 2
        raw.FORM_OnMouseMove(self.env, page, 0, x, y)
        raw.FORM_OnLButtonDown(self.env, page, 0, x, y)
        raw.FORM_OnLButtonUp(self.env, page, 0, x, y)

    def type_text(self, name: str, text: str, method: TypingMethod = "keys") -> str:
        """Click the field, select what it holds, enter ``text``, leave the field; return what PDFium stored."""
        raw = self.raw
        page = self.page(self.fields[name].page_index).raw
        self.click(name)
        if (focus := self.focused()) != name:
            raise AssertionError(f"a click at the centre of {name} focused {focus}")
        raw.FORM_SelectAllText(self.env, page)
        if method == "replace":
            raw.FORM_ReplaceSelection(self.env, page, _wide(text))
        else:
            units = text.encode("utf-16-le")
            for i in range(0, len(units), 2):
                raw.FORM_OnChar(self.env, page, int.from_bytes(units[i : i + 2], "little"), 0)
        if not raw.FORM_ForceToKillFocus(self.env):
            raise AssertionError(f"PDFium did not take the focus off {name}")
        return self.value(name)

    def value(self, name: str) -> str:
        """The field's value as PDFium holds it."""
        with self._annotations(self.fields[name].page_index) as annots:
            for annot in annots:
                if self._name(annot) == name:
                    return self._value(annot)
        raise KeyError(name)

    def _value(self, annot: Any) -> str:
        return _read_wide(lambda buf, n: self.raw.FPDFAnnot_GetFormFieldValue(self.env, annot, buf, n))

    def render(self, page_index: int, region: Rect, scale: int) -> GrayImage:
        """A page region in grey, the form drawn, about ``scale`` pixels a point."""
        page = self.page(page_index)
        width, height = page.get_size()
        crop = (
            max(region[0], 0.0),
            max(region[1], 0.0),
            max(width - region[2], 0.0),
            max(height - region[3], 0.0),
        )
        bitmap = page.render(scale=scale, crop=crop, may_draw_forms=True, grayscale=True)
        image = bitmap.to_pil().copy()
        bitmap.close()
        # As pypdfium2 renders: the whole page onto ceil(size * scale) pixels, shifted by ceil(crop * scale).
        return GrayImage(
            image,
            scale,
            height,
            math.ceil(width * scale) / width,
            math.ceil(height * scale) / height,
            math.ceil(crop[0] * scale),
            math.ceil(crop[3] * scale),
        )

    def type_and_render(self, name: str, text: str, scale: int = 6, method: TypingMethod = "keys") -> TypedField:
        """Render the field and its surroundings, type ``text`` into it, render them again."""
        field = self.fields[name]
        x0, y0, x1, y1 = field.rect
        region = (x0 - MARGIN_PT, y0 - MARGIN_PT, x1 + MARGIN_PT, y1 + MARGIN_PT)
        before = self.render(field.page_index, region, scale)
        stored = self.type_text(name, text, method)
        after = self.render(field.page_index, region, scale)
        return TypedField(field, text, stored, before, after)

    def save_bytes(self) -> bytes:
        """The filled document as PDFium saves it (``FPDF_SaveAsCopy``)."""
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def saved_values(data: bytes) -> dict[str, str]:
    """Every field's /V as pypdf reads it from a saved document."""
    reader = PdfReader(io.BytesIO(data))
    return {name: str(field.get("/V", "")) for name, field in (reader.get_fields() or {}).items()}


def _widget(reader: PdfReader, name: str) -> DictionaryObject | None:
    for page in reader.pages:
        for ref in cast(ArrayObject, page.get("/Annots", ArrayObject())):
            annot = cast(DictionaryObject, ref.get_object())
            if annot.get("/Subtype") == "/Widget" and str(annot.get("/T")) == name:
                return annot
    return None


CLIP = re.compile(rb"([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+re\s+W\s+n")
FONT_SELECT = re.compile(rb"/([^\s/]+)\s+[\d.]+\s+Tf")


@dataclass(frozen=True, slots=True)
class Appearance:
    """A widget's normal appearance as saved: its clip path, if any (page points), and the fonts it selects."""

    clip: Rect | None
    fonts: tuple[str, ...]
    base_fonts: dict[str, str]


def appearance(data: bytes, name: str) -> Appearance:
    """The clip rectangle (mapped from /BBox onto /Rect) and fonts of a field's saved /AP /N stream."""
    reader = PdfReader(io.BytesIO(data))
    annot = _widget(reader, name)
    if annot is None:
        raise KeyError(name)
    stream = cast(StreamObject, cast(DictionaryObject, annot["/AP"])["/N"].get_object())
    content = stream.get_data()
    rect = [float(v) for v in cast(ArrayObject, annot["/Rect"])]
    bbox = [float(v) for v in cast(ArrayObject, stream["/BBox"])]
    sx = (rect[2] - rect[0]) / (bbox[2] - bbox[0])
    sy = (rect[3] - rect[1]) / (bbox[3] - bbox[1])
    clip = None
    if match := CLIP.search(content):
        x, y, w, h = (float(v) for v in match.groups())
        left, bottom = rect[0] + (x - bbox[0]) * sx, rect[1] + (y - bbox[1]) * sy
        clip = (left, bottom, left + w * sx, bottom + h * sy)
    resources = cast(DictionaryObject, stream.get("/Resources", DictionaryObject()))
    fonts = cast(DictionaryObject, resources.get("/Font", DictionaryObject()))
    base_fonts = {
        str(key)[1:]: str(cast(DictionaryObject, fonts[key].get_object()).get("/BaseFont", "")).lstrip("/")
        for key in fonts
    }
    used = tuple(dict.fromkeys(m.decode("latin-1") for m in FONT_SELECT.findall(content)))
    return Appearance(clip, used, base_fonts)


@dataclass(frozen=True, slots=True)
class Glyph:
    """A character PDFium's text API finds on a page, with its outline box (points)."""

    char: str
    box: Rect


def glyph_boxes(data: bytes, page_index: int) -> list[Glyph]:
    """Every visible character on a page of a saved document, the widgets' appearances flattened into the page."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        document.init_forms()
        page = document[page_index]
        page.flatten(_raw().FLAT_NORMALDISPLAY)
        page.close()
        page = document[page_index]  # flattening invalidates the page's handles: load it again
        text = page.get_textpage()
        glyphs = []
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if char.strip():
                glyphs.append(Glyph(char, tuple(text.get_charbox(i))))
        text.close()
        page.close()
        return glyphs
    finally:
        document.close()


def glyphs_in(glyphs: list[Glyph], rect: Rect) -> list[Glyph]:
    """The glyphs whose centre lies in ``rect``, in reading order."""
    x0, y0, x1, y1 = rect
    return [g for g in glyphs if x0 <= (g.box[0] + g.box[2]) / 2 <= x1 and y0 <= (g.box[1] + g.box[3]) / 2 <= y1]


def inside(box: Rect, rect: Rect, tolerance: float = 0.05) -> bool:
    """Whether ``box`` lies within ``rect``, give or take ``tolerance`` points."""
    return (
        box[0] >= rect[0] - tolerance
        and box[1] >= rect[1] - tolerance
        and box[2] <= rect[2] + tolerance
        and box[3] <= rect[3] + tolerance
    )
