"""Find a page's code on its image and map the form's millimetres onto the image's pixels.

zxing-cpp finds every QR code on the image and gives each symbol's four
corners in the symbol's own orientation, whatever way up the page was
scanned.  The corners of our code (:data:`~generator.layout.pagecode.CODE_BOX`)
fix a similarity transform — turn, scale, shift — from paper millimetres to
pixels: the page's rotation (0, 90, 180, 270 degrees), its skew and its
resolution follow, and any box of the layout can be cut out upright.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from generator.layout.pagecode import CODE_BOX
from generator.layout.parts import Box
from generator.model.pagecode import PageCode, parse_page_code

FOREIGN_CODES = "这一页上的二维码不是本工具表格的页码，无法识别是哪份表格的哪一页。"
NO_CODE = (
    "这一页未找到可识别的表格页码二维码（右上角），无法判断是哪份表格的哪一页；"
    "可能二维码被遮挡、污损或扫描不清，请重新扫描这一页。"
)


class NoPageCode(Exception):
    """A page without a readable code of ours; the message is one Chinese sentence."""


@dataclass(frozen=True, slots=True)
class PageMap:
    """A page's code and the similarity transform from paper millimetres to image pixels.

    ``x_px = a·x − b·y + c``, ``y_px = b·x + a·y + d`` for a point ``(x, y)`` in millimetres from the
    paper's top-left corner.
    """

    code: PageCode
    a: float
    b: float
    c: float
    d: float

    @property
    def px_per_mm(self) -> float:
        return math.hypot(self.a, self.b)

    @property
    def dpi(self) -> float:
        return self.px_per_mm * 25.4

    @property
    def angle(self) -> float:
        """How far the page is turned on the image, in degrees clockwise, −180 … 180."""
        return math.degrees(math.atan2(self.b, self.a))

    @property
    def rotation(self) -> int:
        """The page's turn rounded to a quarter: 0, 90, 180 or 270 degrees clockwise."""
        return round(self.angle / 90) % 4 * 90

    @property
    def skew(self) -> float:
        """What is left of the turn after the quarter turns, in degrees."""
        return (self.angle + 45) % 90 - 45

    def to_px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        return self.a * x_mm - self.b * y_mm + self.c, self.b * x_mm + self.a * y_mm + self.d

    def crop(self, image: Image.Image, box: Box, pad_mm: float, px_per_mm: float) -> Image.Image:
        """``box`` grown by ``pad_mm``, cut out upright at ``px_per_mm`` (white outside the image)."""
        x0, y0 = box.x0_mm - pad_mm, box.top_mm - pad_mm
        width = round((box.x1_mm - box.x0_mm + 2 * pad_mm) * px_per_mm)
        height = round((box.bottom_mm - box.top_mm + 2 * pad_mm) * px_per_mm)
        k = 1 / px_per_mm
        cx, cy = self.to_px(x0, y0)
        coefficients = (self.a * k, -self.b * k, cx, self.b * k, self.a * k, cy)
        return image.transform(
            (max(width, 1), max(height, 1)),
            Image.Transform.AFFINE,
            coefficients,
            resample=Image.Resampling.BILINEAR,
            fillcolor=(255, 255, 255),
        )


def _fit(paper: list[tuple[float, float]], pixels: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The least-squares similarity transform taking the paper points onto the pixel points."""
    rows, values = [], []
    for (x, y), (u, v) in zip(paper, pixels, strict=True):
        rows += [(x, -y, 1.0, 0.0), (y, x, 0.0, 1.0)]
        values += [u, v]
    solution, *_ = np.linalg.lstsq(np.array(rows), np.array(values), rcond=None)
    a, b, c, d = (float(v) for v in solution)
    return a, b, c, d


def map_page(image: Image.Image) -> PageMap:
    """The page's code and transform; raises :class:`NoPageCode` when no code of ours is readable."""
    import zxingcpp

    grey = image if image.mode == "L" else image.convert("L")  # zxing reads luminance: a quarter of an RGB copy
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    del grey
    ours = [(parse_page_code(symbol.text), symbol) for symbol in found if symbol.valid]
    ours = [(code, symbol) for code, symbol in ours if code is not None]
    if not ours:
        raise NoPageCode(FOREIGN_CODES if found else NO_CODE)
    code, symbol = ours[0]
    p = symbol.position
    pixels = [(float(q.x), float(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    box = CODE_BOX
    paper = [(box.x0_mm, box.top_mm), (box.x1_mm, box.top_mm), (box.x1_mm, box.bottom_mm), (box.x0_mm, box.bottom_mm)]
    assert code is not None
    return PageMap(code, *_fit(paper, pixels))
