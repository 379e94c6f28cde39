"""Incremental updates: new and replaced objects appended to an unchanged PDF (ISO 32000-1, 7.5.6).

Personalising a form this way copies the template's bytes as they are and
appends a few kilobytes: the filled field dictionaries, their appearance
streams and the value font, a cross-reference section for just those
objects, and a trailer pointing back (``/Prev``) to the template's.  No
object of the template is parsed or rewritten per form.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


class UnsupportedBase(Exception):
    """The base PDF is not one this module can append to (a programming error, not user input)."""


@dataclass(frozen=True, slots=True)
class BaseTrailer:
    """What the update's trailer repeats or points to from the base file's trailer."""

    size: int
    root: str
    info: str | None
    first_id: bytes
    startxref: int


def base_trailer(data: bytes, size: int, root: str, info: str | None, first_id: bytes) -> BaseTrailer:
    """Check the base ends in a classic cross-reference table and find it."""
    match = STARTXREF.search(data[-64:])
    if match is None or not data.endswith((b"\n", b"\r")):
        raise UnsupportedBase("the base PDF does not end with startxref and %%EOF")
    offset = int(match[1])
    if data[offset : offset + 4] != b"xref":
        raise UnsupportedBase("the base PDF uses a cross-reference stream; only xref tables are supported")
    return BaseTrailer(size, root, info, first_id, offset)


def stream_object(dictionary: str, data: bytes, *, compress: bool = False, extra: str = "") -> bytes:
    """A stream object body: ``<< … /Length n >> stream … endstream``."""
    if compress:
        data = zlib.compress(data, 6)
        extra += " /Filter /FlateDecode"
    header = f"<< {dictionary}{extra} /Length {len(data)} >>\nstream\n".encode("latin-1")
    return header + data + b"\nendstream"


def append_update(base: bytes, trailer: BaseTrailer, objects: dict[int, bytes], second_id: bytes) -> bytes:
    """``base`` followed by ``objects`` (number → body, generation 0), their xref section and trailer."""
    out = bytearray(base)
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for first, numbers in _runs(sorted(offsets)):
        out += b"%d %d\n" % (first, len(numbers))
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in numbers)
    size = max(trailer.size, max(objects) + 1)
    info = f" /Info {trailer.info}" if trailer.info else ""
    ids = f"[<{trailer.first_id.hex()}> <{second_id.hex()}>]"
    out += f"trailer\n<< /Size {size} /Root {trailer.root}{info} /ID {ids} /Prev {trailer.startxref} >>\n".encode()
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _runs(numbers: list[int]) -> list[tuple[int, list[int]]]:
    """Consecutive object numbers grouped into xref subsections."""
    runs: list[tuple[int, list[int]]] = []
    for number in numbers:
        if runs and runs[-1][1][-1] == number - 1:
            runs[-1][1].append(number)
        else:
            runs.append((number, [number]))
    return runs
