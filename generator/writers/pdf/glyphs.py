"""The small TrueType font each personalised form embeds for its pre-filled values.

:mod:`generator.writers.pdf.fonts` makes (and caches) one TrueType subset of the body
font holding every character of a whole roster; converting a CJK font's
outlines is costly, so that happens once per roster, not once per form.  From
that batch font, :class:`GlyphSource` cuts the font of one form in well under
a millisecond: the same glyph ids, with only the glyphs of that form's values
(and the parts of composite glyphs) still carrying outlines, and the tables
that PDF's ``/FontFile2`` needs (head, hhea, maxp, hmtx, loca, glyf, OS/2,
post).  Keeping the glyph ids means composite glyphs stay valid and the PDF
font can use CIDs equal to glyph ids (``/CIDToGIDMap /Identity``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from io import BytesIO
from typing import Any

KEPT_TABLES = ("OS/2", "head", "hhea", "hmtx", "maxp")
ARG_WORDS = 0x0001
HAVE_SCALE = 0x0008
MORE_COMPONENTS = 0x0020
HAVE_XY_SCALE = 0x0040
HAVE_2X2 = 0x0080


@dataclass(frozen=True, slots=True)
class FontMetrics:
    """What a PDF font descriptor and a layout need, in 1/1000 em."""

    ascent: float
    descent: float
    cap_height: float
    bbox: tuple[float, float, float, float]
    font_name: str


class GlyphSource:
    """A batch font from :func:`~generator.writers.pdf.fonts.subset_font_file`, parsed once, to cut fonts from."""

    def __init__(self, data: bytes) -> None:
        from fontTools.ttLib import TTFont

        font = TTFont(BytesIO(data))
        order = font.getGlyphOrder()
        gid = {name: index for index, name in enumerate(order)}
        cmap, reader = font.getBestCmap(), font.reader
        # A batch font has a Unicode cmap, and a font read from data keeps its reader.
        assert cmap is not None and reader is not None
        head: Any = font["head"]  # fontTools sets a table's fields as attributes, which mypy cannot see
        self.cmap: dict[int, int] = {code: gid[name] for code, name in cmap.items()}
        self.scale = 1000.0 / head.unitsPerEm
        self.widths = [font["hmtx"][name][0] * self.scale for name in order]
        self.metrics = _metrics(font, self.scale)
        self.tables = {tag: reader[tag] for tag in KEPT_TABLES}
        self.post = struct.pack(">IiHhIIIII", 0x00030000, 0, 0, 0, 0, 0, 0, 0, 0)
        glyf, loca = reader["glyf"], font["loca"]
        self.glyphs = [glyf[loca[i] : loca[i + 1]] for i in range(len(order))]

    def glyph_ids(self, text: str) -> list[int]:
        """The glyph id of each character (0, the .notdef box, where the font has none)."""
        return [self.cmap.get(ord(ch), 0) for ch in text]

    def width(self, gids: list[int]) -> float:
        """Advance width of a glyph run, in 1/1000 em."""
        return sum(self.widths[g] for g in gids)

    def font_file(self, used: set[int]) -> bytes:
        """An sfnt with the batch font's glyph ids, only ``used`` (and their components) drawn."""
        keep = self._with_components(used | {0})
        glyf = bytearray()
        offsets = []
        for gid, data in enumerate(self.glyphs):
            offsets.append(len(glyf))
            if gid in keep and data:
                glyf += data + b"\0" * (-len(data) % 4)
        offsets.append(len(glyf))
        tables = dict(self.tables)
        tables["glyf"] = bytes(glyf)
        tables["loca"] = struct.pack(f">{len(offsets)}I", *offsets)
        tables["head"] = tables["head"][:8] + b"\0\0\0\0" + tables["head"][12:50] + b"\0\1" + tables["head"][52:]
        tables["post"] = self.post
        return _sfnt(tables)

    def _with_components(self, gids: set[int]) -> set[int]:
        keep, todo = set(), list(gids)
        while todo:
            gid = todo.pop()
            if gid not in keep and 0 <= gid < len(self.glyphs):
                keep.add(gid)
                todo += _components(self.glyphs[gid])
        return keep


def _metrics(font: object, scale: float) -> FontMetrics:
    os2, head = font["OS/2"], font["head"]  # type: ignore[index]  # a fontTools TTFont, passed in untyped
    name = font["name"].getDebugName(6) if "name" in font else None  # type: ignore[index, operator]  # as above
    return FontMetrics(
        ascent=os2.sTypoAscender * scale,
        descent=os2.sTypoDescender * scale,
        cap_height=getattr(os2, "sCapHeight", 0) * scale or os2.sTypoAscender * scale,
        bbox=(head.xMin * scale, head.yMin * scale, head.xMax * scale, head.yMax * scale),
        font_name="".join(ch for ch in (name or "Font") if ch.isalnum() or ch == "-"),
    )


def _components(data: bytes) -> list[int]:
    """The glyph ids a composite glyph is made of (none for a simple glyph)."""
    if len(data) < 10 or struct.unpack_from(">h", data)[0] >= 0:
        return []
    found, pos = [], 10
    while pos + 4 <= len(data):
        flags, gid = struct.unpack_from(">HH", data, pos)
        found.append(gid)
        pos += 4 + (4 if flags & ARG_WORDS else 2)
        pos += 2 if flags & HAVE_SCALE else 4 if flags & HAVE_XY_SCALE else 8 if flags & HAVE_2X2 else 0
        if not flags & MORE_COMPONENTS:
            break
    return found


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _sfnt(tables: dict[str, bytes]) -> bytes:
    """Assemble an sfnt file (tables in tag order, 4-byte aligned) and set head.checkSumAdjustment."""
    tags = sorted(tables)
    count = len(tags)
    entry_selector = count.bit_length() - 1
    search_range = 16 << entry_selector
    header = struct.pack(">IHHHH", 0x00010000, count, search_range, entry_selector, count * 16 - search_range)
    offset = len(header) + 16 * count
    directory, body = bytearray(), bytearray()
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag.encode("ascii"), _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    head_at = offset + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[: tags.index("head")])
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)
