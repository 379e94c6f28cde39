"""ToUnicode CMaps: how a PDF says which Unicode text each 2-byte font code stands for."""

from __future__ import annotations

from collections.abc import Sequence

BLOCK = 100
"""At most this many entries per ``begin…`` block, as the CMap format requires."""


def tounicode_cmap(kind: str, entries: Sequence[str]) -> bytes:
    """A ToUnicode CMap over 2-byte codes; ``kind`` is ``bfchar`` or ``bfrange``, ``entries`` its lines."""
    blocks = [entries[i : i + BLOCK] for i in range(0, len(entries), BLOCK)]
    body = "".join(f"{len(b)} begin{kind}\n" + "\n".join(b) + f"\nend{kind}\n" for b in blocks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")
