"""Cut a font down to some characters and give it TrueType outlines (fontTools).

The heavy half of :mod:`generator.writers.pdf.fonts`, run only when the cache misses.
CFF (cubic) outlines are converted to ``glyf`` (quadratic) outlines with
cu2qu, as fontTools' ``otf2ttf`` snippet does, because reportlab embeds
TrueType outlines only.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any, cast

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

MAX_CURVE_ERROR = 1.0
KEPT_NAME_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]


def make_truetype_subset(path: Path, chars: str) -> bytes:
    """A TrueType font holding only the glyphs of ``chars`` (first face of a collection)."""
    font = TTFont(path, fontNumber=0, lazy=False)
    options = subset.Options(
        layout_features=[],
        name_IDs=KEPT_NAME_IDS,
        name_languages=["*"],  # all languages: fontTools' wildcard, though its default is a list of ids
        notdef_outline=True,
        hinting=False,
        desubroutinize=True,
        glyph_names=False,
    )
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG", "GDEF", "GPOS", "GSUB", "BASE", "MATH"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in chars])
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_glyf(font)
    out = BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


def _quadratic_glyphs(font: TTFont) -> dict:
    # TTGlyphPen annotates its glyph set as a dict; it only looks glyphs up by name, as in a glyph set.
    glyph_set = cast(dict[str, Any], font.getGlyphSet())
    glyphs = {}
    for name in font.getGlyphOrder():
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    return glyphs


def _cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF table by glyf/loca, fixing up hmtx, maxp, head and post."""
    # fontTools tables keep their fields as plain attributes, which mypy cannot see: hence Any.
    order = font.getGlyphOrder()
    font["loca"] = newTable("loca")
    glyf: Any = newTable("glyf")
    font["glyf"] = glyf
    glyf.glyphOrder = order
    glyf.glyphs = _quadratic_glyphs(font)
    del font["CFF "]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        width, _ = hmtx[name]
        hmtx[name] = (width, glyph.xMin if glyph.numberOfContours else 0)
    maxp: Any = newTable("maxp")
    font["maxp"] = maxp
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.compile(font)
    head: Any = font["head"]
    head.glyphDataFormat = 0
    post: Any = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
