"""Is the organisation's seal on the paper?  Red ink measured in the seal area and the band around it.

A seal (公章) is red: the area kept for it, grown by :data:`BAND_MM` on
every side because stamps overlap the line and the box edge, is cut out
upright and every pixel whose red clearly outweighs its green and blue is
counted as ink.  Enough red ink spread wide enough is a seal; almost none is
no seal; between the two, or on a greyscale scan that shows ink but no
colour, the tool says it cannot decide and shows the crop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from generator.layout.parts import Box
from generator.readers.results import SealState
from generator.readers.scan.pagemap import PageMap

BAND_MM = 10.0
MEASURE_PX_PER_MM = 4.0
SEAL_MM2 = 30.0
"""Red ink (square millimetres) from which the area holds a seal: a clear one has 200–400 mm², a faint,
broken one 40–80 mm²."""
NO_SEAL_MM2 = 8.0
"""Red ink up to which there is no seal (specks, a red pen's dot, scanner colour fringes)."""
SEAL_SPAN_MM = 15.0
"""The least width and height the red ink spans in a seal."""
GREY_INK_SHARE = 0.006
"""On a greyscale scan, the share of inked pixels inside the seal box from which it holds some ink."""
GREY_INK_LEVEL = 205
"""A grey level below which a pixel of a greyscale scan is ink (a faint red seal scans at about 190)."""
GREY_CORE_MM = 4.0
"""How far inside the seal area's edges the greyscale check looks, clear of its dashed edges."""
GREY_SPREAD = 6.0
"""Mean channel difference below which an image has no colour (a greyscale scan)."""
COLOUR_SAMPLE = (200, 280)
"""The size a page is averaged down to when looking for colour: an A4 page's shape at about 1 mm a pixel,
fine enough for a 40 mm seal, coarse enough to average scanner noise and colour fringes away."""
RED_MIN = 110
"""The least red level of stamp ink: darker reds are black or brown ink, shadows, JPEG fringes."""
RED_LEAD = 40
"""How far red must lead both green and blue: orange-ish paper, skin tones in photos and colour noise lead less."""
RED_SATURATION = 4
"""Red must lead the weaker of green and blue by at least 1/this of itself: pale pinks and greys are not ink."""


@dataclass(frozen=True, slots=True)
class SealReading:
    """The call, the red ink found (mm²), whether the scan had colour, and the upright crop shown to people."""

    state: SealState
    red_mm2: float
    colour: bool
    crop: Image.Image


def has_colour(image: Image.Image) -> bool:
    """Whether the image holds colour at all (a greyscale scan saved as RGB does not).

    The page is averaged down by a whole factor first (:meth:`Image.reduce`): no full-size copy is made.
    """
    factor = max(1, min(image.width // COLOUR_SAMPLE[0], image.height // COLOUR_SAMPLE[1]))
    reduced = image.reduce(factor)
    sample = (reduced if reduced.mode == "RGB" else reduced.convert("RGB")).resize(COLOUR_SAMPLE, Image.Resampling.BOX)
    small = np.asarray(sample, dtype=np.int16)
    spread = np.abs(small[..., 0] - small[..., 1]) + np.abs(small[..., 1] - small[..., 2])
    return float(np.percentile(spread, 99.5)) > GREY_SPREAD


def red_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels of stamp ink: red well above both green and blue, and clearly saturated."""
    r, g, b = (pixels[..., n].astype(np.int16) for n in range(3))
    top = np.maximum(g, b)
    return (r >= RED_MIN) & (r - top >= RED_LEAD) & ((r - np.minimum(g, b)) * RED_SATURATION >= r)


def measure_seal(image: Image.Image, page: PageMap, area: Box) -> SealReading:
    """Read the seal area ``area`` (the seal square, mm on the paper) of a page image."""
    crop = page.crop(image, area, BAND_MM, MEASURE_PX_PER_MM)
    pixels = np.asarray(crop)
    colour = has_colour(image)
    if not colour:
        return SealReading(_grey_call(pixels), 0.0, False, crop)
    mask = red_mask(pixels)
    red_mm2 = float(mask.sum()) / MEASURE_PX_PER_MM**2
    return SealReading(_colour_call(mask, red_mm2), red_mm2, True, crop)


def _colour_call(mask: np.ndarray, red_mm2: float) -> SealState:
    if red_mm2 <= NO_SEAL_MM2:
        return "absent"
    if red_mm2 < SEAL_MM2:
        return "unclear"
    rows, columns = np.nonzero(mask)
    low, high = np.percentile(rows, [2, 98]), np.percentile(columns, [2, 98])
    span = min(low[1] - low[0], high[1] - high[0]) / MEASURE_PX_PER_MM
    return "sealed" if span >= SEAL_SPAN_MM else "unclear"


def _grey_call(pixels: np.ndarray) -> SealState:
    """Without colour a seal cannot be told from other ink: ink inside the box is 无法判断, none is 未见印章."""
    inner = int((BAND_MM + GREY_CORE_MM) * MEASURE_PX_PER_MM)
    core = pixels[inner:-inner, inner:-inner].min(axis=2)
    return "unclear" if float((core < GREY_INK_LEVEL).mean()) >= GREY_INK_SHARE else "absent"
