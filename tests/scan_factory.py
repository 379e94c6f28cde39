"""Synthetic scans and photos of filled forms, made the way office scanners and phones make them.

For the paper-returns reader's tests: applicants print the PDF form, fill it
by hand, the organisation stamps its red round seal (公章) in the seal box, and
the pages come back as a scanner's PDF or TIFF or a phone's JPEG.  This module
fakes that chain from a filled PDF (see :mod:`tests.read_fillers`):

* :func:`render_pages` prints the form, field values drawn (PDFium);
* :func:`field_box_px` / :func:`seal_box_px` say where a field lands on that print;
* :func:`stamp_seal` presses the seal: ring, star, arc text, ink texture, multiply-blended;
* :func:`damage_code` spoils the page's QR code (a pen scribble and a white-out);
* :func:`distort` / :func:`phone_photo` are the scanner's and the phone's look;
* the savers write what scanner software writes: JPEG, PNG, multi-page TIFF, image-only PDF.

Every random choice comes from ``numpy.random.default_rng(seed)``, so equal
arguments give equal pixels.  Pixel work is Pillow's C operations and numpy
array arithmetic, never a per-pixel Python loop.  Functions return new images
and leave their arguments alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal, TypeVar

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader

from generator.layout.pagecode import CODE_BOX
from generator.model.rubric import Rubric
from generator.writers.pdf.fonts import bundled_font
from tests.read_fillers import fill_pypdf, form_values, write_form

PdfSource = bytes | Path
"""A PDF as its bytes or its file."""
PxBox = tuple[int, int, int, int]
"""Left, top, right, bottom in image pixels (origin top left; right and bottom exclusive)."""
Colour = tuple[int, int, int]
T = TypeVar("T")

POINTS_PER_INCH = 72.0
MM_PER_INCH = 25.4
SEAL_DIAMETER_MM = 40.0
"""A company's official seal: 38-42 mm across (the form's seal box is 50 mm square)."""
SEAL_INK: Colour = (212, 40, 52)
"""Typical red stamp-pad ink; each stamp varies it a little."""
DESK: Colour = (138, 112, 86)
"""The wooden desk under a photographed page."""


def mm_to_px(mm: float, dpi: float) -> float:
    """A length on paper in pixels at ``dpi``."""
    return mm * dpi / MM_PER_INCH


def box_center(box: PxBox) -> tuple[float, float]:
    """The middle of a pixel box."""
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


# --- Filling and printing ------------------------------------------------------------------------


def make_filled_form(
    rubric: Rubric,
    folder: Path,
    applicant: Sequence[str],
    scores: Sequence[int | str],
    total: int | str | None = None,
    review: Mapping[str, str] | None = None,
) -> Path:
    """The rubric's generated form filled with these values (pypdf; PDFium draws them): ``folder/<id>-filled.pdf``,
    beside the blank form ``folder/<id>-blank.pdf``."""
    blank = write_form(rubric, folder / f"{rubric.id}-blank.pdf")
    values = form_values(rubric, applicant, scores, total, review)
    return fill_pypdf(blank, folder / f"{rubric.id}-filled.pdf", values)


def render_pages(pdf: PdfSource, dpi: int) -> list[Image.Image]:
    """Every page as an RGB image at ``dpi``, field values drawn (what a printer puts on paper)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(pdf)
    try:
        document.init_forms()  # without a form environment PDFium draws no field values
        images = []
        for index in range(len(document)):
            page = document[index]
            try:
                bitmap = page.render(scale=dpi / POINTS_PER_INCH, may_draw_forms=True)
                images.append(bitmap.to_pil().convert("RGB"))  # convert copies: the bitmap's buffer goes away
            finally:
                page.close()
        return images
    finally:
        document.close()


# --- Where fields are ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Widget:
    """A form field's widget on a page: its full name, field type and rectangle in PDF points."""

    page_index: int
    name: str
    field_type: str
    rect_pt: tuple[float, float, float, float]
    """Left, bottom, right, top (origin bottom left)."""
    page_box_pt: tuple[float, float, float, float]
    """The page's crop box (what PDFium renders), left, bottom, right, top."""

    def box_px(self, dpi: float) -> PxBox:
        """The rectangle in the pixels of the page rendered at ``dpi``, widened to whole pixels."""
        scale = dpi / POINTS_PER_INCH
        left, bottom, right, top = self.rect_pt
        page_left, _, _, page_top = self.page_box_pt
        return (
            math.floor((left - page_left) * scale),
            math.floor((page_top - top) * scale),
            math.ceil((right - page_left) * scale),
            math.ceil((page_top - bottom) * scale),
        )


def _inherited(node: Any, key: str) -> Any:
    for _ in range(32):  # a /Parent chain, guarded against cycles
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if parent is None:
            return None
        node = parent.get_object()
    return None


def _full_name(widget: Any) -> str:
    parts, node = [], widget
    for _ in range(32):
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return ".".join(reversed(parts))


def widgets(pdf: PdfSource) -> list[Widget]:
    """Every named field widget of the document, page by page (read with pypdf)."""
    reader = PdfReader(BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    found = []
    for index, page in enumerate(reader.pages):
        crop = page.cropbox
        page_box = (float(crop.left), float(crop.bottom), float(crop.right), float(crop.top))
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            if annotation.get("/Subtype") != "/Widget" or "/Rect" not in annotation:
                continue
            name = _full_name(annotation)
            if not name:
                continue
            x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
            rect = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            found.append(Widget(index, name, str(_inherited(annotation, "/FT") or ""), rect, page_box))
    return found


def find_widget(pdf: PdfSource, name: str) -> Widget:
    """The (first) widget of the field ``name``; ``LookupError`` when the document has none."""
    for widget in widgets(pdf):
        if widget.name == name:
            return widget
    raise LookupError(f"no field {name!r} in the document")


def field_box_px(pdf: PdfSource, name: str, dpi: float) -> PxBox:
    """Where the field ``name`` lands on its page rendered at ``dpi`` (its page: ``find_widget(...).page_index``)."""
    return find_widget(pdf, name).box_px(dpi)


def seal_widget(pdf: PdfSource) -> Widget:
    """The seal field: the signature widget named ``<rubric>-seal``."""
    for widget in widgets(pdf):
        if widget.field_type == "/Sig" and widget.name.endswith("-seal"):
            return widget
    raise LookupError("no seal field in the document")


def seal_box_px(pdf: PdfSource, page_index: int, dpi: float) -> PxBox:
    """The seal box on page ``page_index`` rendered at ``dpi``; ``LookupError`` when that page has none."""
    widget = seal_widget(pdf)
    if widget.page_index != page_index:
        raise LookupError(f"the seal field is on page {widget.page_index}, not {page_index}")
    return widget.box_px(dpi)


def code_box_px(dpi: float) -> PxBox:
    """The QR code's symbol (no quiet zone) on an unmoved page rendered at ``dpi``."""
    return (
        math.floor(mm_to_px(CODE_BOX.x0_mm, dpi)),
        math.floor(mm_to_px(CODE_BOX.top_mm, dpi)),
        math.ceil(mm_to_px(CODE_BOX.x1_mm, dpi)),
        math.ceil(mm_to_px(CODE_BOX.bottom_mm, dpi)),
    )


# --- The seal ------------------------------------------------------------------------------------


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(bundled_font()), size)


def _glyph(char: str, height: int, width: int) -> Image.Image:
    """One character filling an ``width`` x ``height`` box (its em square, squeezed as seal lettering is), bold."""
    em = max(8, height)
    font = _font(em)
    ascent = round(em * 0.88)  # the CJK ideographic em box: 0.88 em above the baseline, 0.12 below
    pad = max(1, em // 16)
    canvas = Image.new("L", (em + 2 * pad, em + 2 * pad), 0)
    ImageDraw.Draw(canvas).text(
        (pad, pad + ascent), char, font=font, fill=255, anchor="ls", stroke_width=max(1, em // 20), stroke_fill=255
    )
    return canvas.resize((max(1, width + 2 * pad * width // em), height + 2 * pad), Image.Resampling.BICUBIC)


def _lighten_paste(target: Image.Image, piece: Image.Image, center: tuple[float, float]) -> None:
    left, top = round(center[0] - piece.width / 2), round(center[1] - piece.height / 2)
    box = (left, top, left + piece.width, top + piece.height)
    target.paste(ImageChops.lighter(target.crop(box), piece), box)


def _star(center: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    """A regular five-pointed star's outline, a point upwards."""
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))  # the regular star's inner radius
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else inner
        angle = math.radians(36 * k)
        points.append((center[0] + r * math.sin(angle), center[1] - r * math.cos(angle)))
    return points


def seal_shape(diameter_px: float, text: str, bottom_text: str = "") -> Image.Image:
    """The seal's engraving as an 'L' mask (255 ink), a square a little wider than the seal, seal in the middle.

    The Chinese official seal's layout: a thick outer ring, a five-pointed
    star in the middle, the organisation's name clockwise along the upper arc
    (characters upright towards the rim, narrow as seal lettering is), and an
    optional straight line under the star (e.g. 合同专用章).  Drawn at twice the
    size and reduced, for smooth edges.
    """
    supersample = 2
    radius = diameter_px * supersample / 2
    size = math.ceil(diameter_px * 1.06) * supersample + 4 * supersample
    center = (size / 2, size / 2)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2 * supersample, round(radius * 0.07))
    draw.ellipse(
        (center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius), outline=255, width=ring
    )
    draw.polygon(_star(center, radius * 0.3), fill=255)

    if text:
        height = round(radius * (0.28 if len(text) <= 12 else 0.25))
        text_radius = radius - ring - radius * 0.05 - height / 2
        span = min(280.0, max(205.0, 24.0 * len(text)))
        step = span / len(text)
        width = round(min(height * 0.85, math.radians(step) * text_radius * 0.92))
        for index, char in enumerate(text):
            if char.isspace():
                continue
            angle = -span / 2 + step * (index + 0.5)  # degrees clockwise from the top
            glyph = _glyph(char, height, width).rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
            rad = math.radians(angle)
            _lighten_paste(
                mask, glyph, (center[0] + text_radius * math.sin(rad), center[1] - text_radius * math.cos(rad))
            )

    if bottom_text:
        height = round(radius * 0.17)
        room = radius * 1.0  # the chord under the star that the arc text leaves free
        width = round(min(height * 0.85, room / len(bottom_text)))
        line_y = center[1] + radius * 0.52
        for index, char in enumerate(bottom_text):
            if not char.isspace():
                x = center[0] + (index - (len(bottom_text) - 1) / 2) * width * 1.08
                _lighten_paste(mask, _glyph(char, height, width), (x, line_y))

    return mask.resize((size // supersample, size // supersample), Image.Resampling.BOX)


def _smooth_noise(rng: np.random.Generator, cells: int, size: int) -> np.ndarray:
    """Uniform noise in [0, 1) on a ``cells`` x ``cells`` grid, interpolated up to ``size`` x ``size``."""
    grid = Image.fromarray(rng.random((cells, cells), dtype=np.float32), mode="F")
    return np.asarray(grid.resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32)


def _ink(mask: Image.Image, rng: np.random.Generator, faint: bool) -> np.ndarray:
    """How much ink each pixel of the engraving takes, 0-1: uneven pressure, blotches, gaps, grain."""
    size = mask.width
    shape = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(0.4, size / 700))), dtype=np.float32) / 255
    # Uneven pressure: one side of the stamp presses harder.
    direction = rng.uniform(0, 2 * math.pi)
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    ramp = math.cos(direction) * axis[None, :] + math.sin(direction) * axis[:, None]
    pressure = 1.0 - (0.45 if faint else 0.15) * (0.5 + 0.5 * np.clip(ramp, -1, 1))
    # Blotches: the pad's ink is uneven.
    blotch = (0.6 if faint else 0.85) + (0.4 if faint else 0.15) * _smooth_noise(rng, 7, size)
    # Gaps: specks where the paper took no ink; a faint stamp also loses whole patches.
    specks = _smooth_noise(rng, max(8, size // 5), size)
    threshold = 0.3 if faint else 0.07
    gaps = np.clip((specks - threshold) / 0.12, 0.0, 1.0)
    if faint:
        patches = _smooth_noise(rng, 6, size)
        gaps *= np.clip((patches - 0.22) / 0.15, 0.0, 1.0)
    grain = rng.uniform(0.8 if faint else 0.88, 1.0, (size, size)).astype(np.float32)
    opacity = 0.7 if faint else 0.95
    return np.clip(shape * pressure * blotch * gaps * grain * opacity, 0.0, 1.0)


def stamp_seal(
    image: Image.Image,
    center_px: tuple[float, float],
    diameter_px: float,
    *,
    faint: bool = False,
    seed: int = 0,
    text: str = "某某市供电公司",
    bottom_text: str = "",
    rotation_deg: float | None = None,
    ink: Colour | None = None,
) -> Image.Image:
    """A copy of ``image`` with a red round official seal pressed on it at ``center_px``.

    The ink multiplies the paper (print under it stays visible, as with real
    ink); the seal may hang off the box or the page.  ``rotation_deg``
    (counter-clockwise) defaults to a seeded tilt within ±12°; ``ink`` to a
    seeded shade of :data:`SEAL_INK`.  ``faint`` is a light, patchy, pinkish
    stamp (little ink on the pad), still plainly a seal.  An 'L' image gets
    the ink's grey, as a greyscale scanner sees it.
    """
    rng = np.random.default_rng(seed)
    turn = float(rng.uniform(-12, 12)) if rotation_deg is None else rotation_deg
    colour = np.array(ink if ink is not None else SEAL_INK, dtype=np.float32)
    if ink is None:
        colour = np.clip(colour + rng.integers(-10, 11, 3), 0, 255)
    mask = seal_shape(diameter_px, text, bottom_text)
    if turn:
        mask = mask.rotate(turn, resample=Image.Resampling.BICUBIC)
    alpha = _ink(mask, rng, faint)

    result = image.copy()
    size = mask.width
    left, top = round(center_px[0] - size / 2), round(center_px[1] - size / 2)
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(image.width, left + size), min(image.height, top + size)
    if x0 >= x1 or y0 >= y1:
        return result
    alpha = alpha[y0 - top : y1 - top, x0 - left : x1 - left]
    if image.mode == "L":
        grey = float(colour @ np.array([0.299, 0.587, 0.114], dtype=np.float32))
        absorb = alpha * (1.0 - grey / 255)
    elif image.mode == "RGB":
        absorb = alpha[..., None] * (1.0 - colour / 255)
    else:
        raise ValueError(f"stamp_seal needs an RGB or L image, not {image.mode}")
    region = np.asarray(result.crop((x0, y0, x1, y1)), dtype=np.float32)
    stamped = np.clip(region * (1.0 - absorb) + 0.5, 0, 255).astype(np.uint8)
    result.paste(Image.fromarray(stamped, mode=image.mode), (x0, y0))
    return result


# --- The page code --------------------------------------------------------------------------------


def damage_code(image: Image.Image, dpi: float, *, seed: int = 0) -> Image.Image:
    """A copy of ``image`` whose QR code (at :data:`CODE_BOX`, page not yet moved) no decoder can read.

    A white-out strip covers the code's top half (two of its three finder
    patterns) and a dense ballpoint scribble goes over the rest.  Apply it
    before :func:`distort` or :func:`phone_photo`, which move the code.
    """
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = code_box_px(dpi)
    side = x1 - x0
    result = image.copy()
    draw = ImageDraw.Draw(result)
    white = 255 if image.mode == "L" else (255, 255, 255)
    pen = 40 if image.mode == "L" else (30, 40, 110)
    overlap = round(side * 0.08)
    draw.rectangle((x0 - overlap, y0 - overlap, x1 + overlap, y0 + round(side * 0.55)), fill=white)
    width = max(2, round(side * 0.05))
    lines = 14
    ys = np.linspace(y0 + side * 0.45, y1 + overlap, lines) + rng.uniform(-side * 0.03, side * 0.03, lines)
    ends = (x0 - overlap, x1 + overlap)
    points = [(ends[k % 2] + float(rng.uniform(-width, width)), float(y)) for k, y in enumerate(ys)]
    draw.line(points, fill=pen, width=width, joint="curve")
    return result


# --- The scanner and the phone --------------------------------------------------------------------


def distort(
    image: Image.Image,
    *,
    rotate_deg: float = 0.0,
    scale: float = 1.0,
    upside_down: bool = False,
    sideways: bool = False,
    noise: float = 0.0,
    grey: bool = False,
    seed: int = 0,
) -> Image.Image:
    """A copy of ``image`` as a flatbed or feeder scanner makes it.

    ``grey``: an 8-bit greyscale scan ('L' image).  ``rotate_deg`` (counter-
    clockwise) and ``scale`` (e.g. 0.97-1.03) turn and size the page about its
    middle on a canvas of the same size filled white, as a skewed page on the
    glass comes out: corners may leave the canvas at big angles.  Then
    ``upside_down`` turns it 180°, ``sideways`` 90° clockwise (the canvas
    turns too).  ``noise`` is the standard deviation, in grey levels, of
    seeded Gaussian sensor noise, the same on all channels.
    """
    result = image.convert("L") if grey else image.copy()
    if rotate_deg or scale != 1.0:
        angle = math.radians(rotate_deg)
        cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
        cx, cy = result.width / 2, result.height / 2
        # Output pixel -> input pixel: the inverse of turning by rotate_deg and scaling about the middle.
        matrix = (cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy)
        fill = 255 if result.mode == "L" else (255, 255, 255)
        result = _transform(result, result.size, Image.Transform.AFFINE, matrix, fill)
    if upside_down:
        result = result.transpose(Image.Transpose.ROTATE_180)
    if sideways:
        result = result.transpose(Image.Transpose.ROTATE_270)
    if noise > 0:
        result = _add_noise(result, noise, np.random.default_rng(seed))
    return result


@cache
def _normal_quantiles() -> np.ndarray:
    """The standard normal distribution's quantiles at 65536 evenly spaced probabilities."""
    normal = NormalDist()
    return np.array([normal.inv_cdf((k + 0.5) / 65536) for k in range(65536)], dtype=np.float32)


def _add_noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """``image`` plus Gaussian noise of standard deviation ``sigma`` grey levels, the same on every channel.

    The noise is drawn as uniform 16-bit indices into the normal quantile table (a fast, exact inverse-CDF
    sampling) and added by Pillow; about 4x quicker than numpy's float Gaussian on a page.
    """
    table = np.clip(np.rint(128 + sigma * _normal_quantiles()), 0, 255).astype(np.uint8)
    grain = Image.fromarray(table[rng.integers(0, 65536, (image.height, image.width), dtype=np.uint16)], mode="L")
    if image.mode != "L":
        grain = Image.merge(image.mode, [grain] * len(image.getbands()))
    return ImageChops.add(image, grain, 1.0, -128)


def _transform(
    image: Image.Image, size: tuple[int, int], method: Image.Transform, data: Sequence[float], fill: Any
) -> Image.Image:
    """Pillow's bilinear ``transform`` (AFFINE or PERSPECTIVE), output strips computed in parallel threads.

    Pillow releases the GIL while it transforms; each strip is the same mapping with the output rows
    shifted, so the result is that of one call (affine: pixel for pixel; perspective: within a grey level).
    """
    workers = min(4, os.cpu_count() or 1)
    bounds = [round(size[1] * k / workers) for k in range(workers + 1)]

    def strip(k: int) -> Image.Image:
        top = bounds[k]
        if method == Image.Transform.AFFINE:
            a, b, c, d, e, f = data
            shifted = [a, b, c + b * top, d, e, f + e * top]
        else:  # x' = (a x + b y + c) / (g x + h y + 1), and y' alike: shift y, then rescale to keep the 1
            a, b, c, d, e, f, g, h = data
            norm = 1 + h * top
            shifted = [v / norm for v in (a, b, c + b * top, d, e, f + e * top, g, h)]
        height = bounds[k + 1] - top
        return image.transform((size[0], height), method, shifted, resample=Image.Resampling.BILINEAR, fillcolor=fill)

    with ThreadPoolExecutor(workers) as pool:
        strips = list(pool.map(strip, range(workers)))
    result = Image.new(image.mode, size)
    for top, piece in zip(bounds, strips, strict=False):
        result.paste(piece, (0, top))
    return result


def _perspective(outputs: Sequence[tuple[float, float]], inputs: Sequence[tuple[float, float]]) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping each output point to its input point."""
    rows, values = [], []
    for (x, y), (u, v) in zip(outputs, inputs, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64))]


def phone_photo(image: Image.Image, seed: int = 0) -> Image.Image:
    """A phone photo of the page lying on a desk: a margin of desk all round, the page turned and tilted
    in perspective by at most 2°, lit unevenly (a soft gradient, a warm cast).  RGB, a little larger than
    ``image``, page at about the same scale."""
    rng = np.random.default_rng(seed)
    page = image if image.mode == "RGB" else image.convert("RGB")
    width, height = page.size
    margin = round(0.06 * max(width, height))
    size = (width + 2 * margin, height + 2 * margin)
    turn = math.radians(rng.uniform(-2.0, 2.0))
    cx, cy = size[0] / 2, size[1] / 2
    corners = [(0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height))]
    jitter = rng.uniform(-1, 1, (4, 2)) * math.tan(math.radians(2.0)) * min(width, height) * 0.5
    placed = []
    for (x, y), (dx, dy) in zip(corners, jitter, strict=True):
        px, py = x - width / 2, y - height / 2
        placed.append(
            (cx + px * math.cos(turn) - py * math.sin(turn) + dx, cy + px * math.sin(turn) + py * math.cos(turn) + dy)
        )
    coefficients = _perspective(placed, corners)
    photo = _transform(page, size, Image.Transform.PERSPECTIVE, coefficients, DESK)
    # Light: brighter towards one side, a touch of vignetting, a warm indoor cast; made small, then stretched.
    grid = 24
    axis = np.linspace(-1.0, 1.0, grid, dtype=np.float32)
    direction = rng.uniform(0, 2 * math.pi)
    ramp = math.cos(direction) * axis[None, :] + math.sin(direction) * axis[:, None]
    vignette = axis[None, :] ** 2 + axis[:, None] ** 2
    light = 0.9 + 0.08 * ramp - 0.04 * vignette + rng.normal(0, 0.01, (grid, grid)).astype(np.float32)
    cast = (1.0, rng.uniform(0.95, 0.98), rng.uniform(0.86, 0.92))
    tint = np.stack([light * c for c in cast], axis=-1)
    lighting = Image.fromarray(np.clip(tint * 255, 0, 255).astype(np.uint8), mode="RGB")
    return ImageChops.multiply(photo, lighting.resize(size, Image.Resampling.BILINEAR))


# --- Other paper ---------------------------------------------------------------------------------

NOTICE = (
    "关于开展年度安全生产检查工作的通知",
    "各部门、各单位：",
    "为进一步落实安全生产责任制，切实做好年度安全生产工作，经研究决定，在全公司范围内开展安全生产大检查。"
    "现将有关事项通知如下：一、检查时间为本月十日至二十日；二、检查范围包括生产场所、仓库、配电设施及消防器材；"
    "三、各单位应于检查结束后五个工作日内报送自查报告。请各单位高度重视，认真组织，确保检查工作取得实效。",
    "特此通知。",
)


def foreign_image(size: tuple[int, int], *, seed: int = 0, kind: Literal["shapes", "text"] = "shapes") -> Image.Image:
    """An RGB image of something that is not our form: ``shapes``, coloured rectangles, ellipses and lines on a
    tinted ground; ``text``, a printed page of an unrelated notice (no table, no fields, no code)."""
    rng = np.random.default_rng(seed)
    width, height = size
    if kind == "text":
        result = Image.new("RGB", size, (252, 252, 250))
        draw = ImageDraw.Draw(result)
        em = max(8, width // 40)
        left, right, y = width // 8, width - width // 8, height // 10
        title = _font(round(em * 1.6))
        draw.text((width / 2, y), NOTICE[0], font=title, fill=(20, 20, 20), anchor="mt")
        y += round(em * 4)
        per_line = max(1, (right - left) // em)
        body = _font(em)
        for paragraph in NOTICE[1:]:
            lines = [paragraph[i : i + per_line] for i in range(0, len(paragraph), per_line)]
            for line in lines:
                draw.text((left, y), line, font=body, fill=(25, 25, 25))
                y += round(em * 1.8)
            y += em
        return result
    ground = tuple(int(v) for v in rng.integers(200, 256, 3))
    result = Image.new("RGB", size, ground)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(result)
    for _ in range(40):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, x1 = sorted(int(v) for v in rng.integers(0, width, 2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, height, 2))
        match int(rng.integers(0, 3)):
            case 0:
                draw.rectangle((x0, y0, x1, y1), fill=colour)  # type: ignore[arg-type]
            case 1:
                draw.ellipse((x0, y0, x1, y1), fill=colour)  # type: ignore[arg-type]
            case _:
                draw.line((x0, y0, x1, y1), fill=colour, width=max(1, width // 150))  # type: ignore[arg-type]
    return result


# --- What scanner software writes ----------------------------------------------------------------

TiffCompression = Literal["lzw", "jpeg", "group4", "none"]

BILEVEL_THRESHOLD = 160
"""A black-and-white scan's cut: darker is black (a red seal's ink included)."""


def bilevel(image: Image.Image) -> Image.Image:
    """A black-and-white ('1') scan of ``image``: a fixed threshold, no dithering, as scanners' text mode."""
    return image.convert("L").point(lambda v: 255 if v >= BILEVEL_THRESHOLD else 0, mode="1")


def _dpi_info(dpi: float | None) -> dict[str, Any]:
    return {"dpi": (dpi, dpi)} if dpi else {}


def save_jpeg(image: Image.Image, path: Path, quality: int = 60, *, dpi: float | None = None) -> Path:
    """``image`` as a baseline JPEG (4:2:0 colour, as cameras and scanners write), resolution recorded if given."""
    image.save(path, "JPEG", quality=quality, **_dpi_info(dpi))
    return path


def save_png(image: Image.Image, path: Path, *, dpi: float | None = None) -> Path:
    """``image`` as PNG, resolution recorded if given."""
    image.save(path, "PNG", **_dpi_info(dpi))
    return path


def save_tiff(
    images: Sequence[Image.Image], path: Path, *, dpi: float | None = None, compression: TiffCompression = "lzw"
) -> Path:
    """The pages as one multi-page TIFF, as office scanners write them: ``lzw`` (colour or grey, lossless),
    ``jpeg`` (JPEG-in-TIFF, quality 75), ``group4`` (CCITT G4, pages made black-and-white first) or ``none``."""
    if not images:
        raise ValueError("no pages to save")
    pages = [bilevel(page) for page in images] if compression == "group4" else list(images)
    options: dict[str, Any] = {"compression": {"lzw": "tiff_lzw", "none": None}.get(compression, compression)}
    if compression == "jpeg":
        options["quality"] = 75
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], **options, **_dpi_info(dpi))
    return path


def save_image_pdf(images: Sequence[Image.Image], path: Path, dpi: float) -> Path:
    """The pages as an image-only PDF, as scanner software writes one: a JPEG per page (quality 75), CCITT G4
    for a black-and-white one, page size from the pixels at ``dpi``; no text, no form."""
    if not images:
        raise ValueError("no pages to save")
    # Pillow's JPEG default is quality 75; a quality option would also reach its G4 (TIFF) encoder and fail.
    images[0].save(path, "PDF", save_all=True, append_images=list(images[1:]), resolution=float(dpi))
    return path


def shuffle_pages(pages: Sequence[T], seed: int) -> list[T]:
    """The pages in a seeded random order, never the given one when there are two or more (pages fed out of order)."""
    order = np.random.default_rng(seed).permutation(len(pages))
    if len(pages) > 1 and list(order) == list(range(len(pages))):
        order = np.roll(order, 1)
    return [pages[int(i)] for i in order]
