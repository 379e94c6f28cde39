"""PDF objects that show a pre-filled value: the embedded value font and a field's appearance stream.

The font is a Type0 font with Identity-H encoding over a CIDFontType2 whose
CIDs are the glyph ids of the per-form TrueType font from
:mod:`generator.writers.pdf.glyphs`, with a ToUnicode map so the drawn text copies and
extracts as the value.  The appearance draws the value as viewers draw a
single-line text field: clipped to the box, vertically centred, aligned per
``/Q``, shrunk when it would not fit.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

from generator.writers.pdf.cmap import tounicode_cmap
from generator.writers.pdf.glyphs import GlyphSource
from generator.writers.pdf.update import stream_object

FONT_RESOURCE = "FV"
PADDING = 2.0


@dataclass(frozen=True, slots=True)
class BoxStyle:
    """A field's widget box and text style, from its /Rect, /DA and /Q."""

    width: float
    height: float
    font_size: float
    color: str
    align: int


def subset_tag(gids: set[int]) -> str:
    """Six capital letters naming this glyph set, as PDF subset fonts are named (``ABCDEF+Font``)."""
    digest = hashlib.sha256(",".join(map(str, sorted(gids))).encode()).digest()
    return "".join(string.ascii_uppercase[b % 26] for b in digest[:6])


def font_objects(first: int, source: GlyphSource, chars: dict[int, str]) -> dict[int, bytes]:
    """Objects ``first`` … ``first + 4``: Type0 font, CIDFont, descriptor, FontFile2, ToUnicode.

    ``chars`` maps each glyph id drawn to the character it stands for.
    """
    gids = set(chars)
    metrics = source.metrics
    base_font = f"/{subset_tag(gids)}+{metrics.font_name}"
    widths = " ".join(f"{g} [{source.widths[g]:g}]" for g in sorted(gids))
    bbox = " ".join(f"{v:g}" for v in metrics.bbox)
    font_file = source.font_file(gids)
    return {
        first: (
            f"<< /Type /Font /Subtype /Type0 /BaseFont {base_font} /Encoding /Identity-H"
            f" /DescendantFonts [{first + 1} 0 R] /ToUnicode {first + 4} 0 R >>"
        ).encode(),
        first + 1: (
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont {base_font}"
            " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            f" /FontDescriptor {first + 2} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>"
        ).encode(),
        first + 2: (
            f"<< /Type /FontDescriptor /FontName {base_font} /Flags 6 /FontBBox [{bbox}] /ItalicAngle 0"
            f" /Ascent {metrics.ascent:g} /Descent {metrics.descent:g} /CapHeight {metrics.cap_height:g}"
            f" /StemV 80 /FontFile2 {first + 3} 0 R >>"
        ).encode(),
        first + 3: stream_object("", font_file, compress=True, extra=f"/Length1 {len(font_file)}"),
        first + 4: stream_object("", to_unicode(chars), compress=True),
    }


def to_unicode(chars: dict[int, str]) -> bytes:
    """A ToUnicode CMap from 2-byte glyph ids to the characters (UTF-16BE)."""
    entries = [f"<{g:04X}> <{chars[g].encode('utf-16-be').hex().upper()}>" for g in sorted(chars)]
    return tounicode_cmap("bfchar", entries)


def fitted_size(style: BoxStyle, text_width: float, source: GlyphSource) -> float:
    """The /DA size (auto when 0), reduced so the text fits the box's width and height."""
    line_height = (source.metrics.ascent - source.metrics.descent) / 1000
    size = style.font_size or (style.height - 2 * PADDING) / line_height
    if text_width > 0:
        size = min(size, (style.width - 2 * PADDING) * 1000 / text_width)
    return max(1.0, min(size, (style.height - 2) / line_height))


def appearance_stream(style: BoxStyle, gids: list[int], source: GlyphSource, font_ref: int) -> bytes:
    """The normal appearance (/AP /N) of a single-line text field showing glyphs ``gids``."""
    text_width = source.width(gids)
    size = fitted_size(style, text_width, source)
    drawn = text_width * size / 1000
    x = {1: (style.width - drawn) / 2, 2: style.width - PADDING - drawn}.get(style.align, PADDING)
    ascent, descent = source.metrics.ascent / 1000, source.metrics.descent / 1000
    y = (style.height - (ascent - descent) * size) / 2 - descent * size
    glyphs = "".join(f"{g:04X}" for g in gids)
    content = (
        f"/Tx BMC\nq\n1 1 {style.width - 2:.2f} {style.height - 2:.2f} re W n\n"
        f"BT\n/{FONT_RESOURCE} {size:.2f} Tf\n{style.color}\n{x:.2f} {y:.2f} Td\n<{glyphs}> Tj\nET\nQ\nEMC\n"
    )
    dictionary = (
        f"/Type /XObject /Subtype /Form /BBox [0 0 {style.width:.2f} {style.height:.2f}]"
        f" /Resources << /Font << /{FONT_RESOURCE} {font_ref} 0 R >> >>"
    )
    return stream_object(dictionary, content.encode("ascii"))
