"""Hostile roster files, built from real ones: zip bombs, stale dimensions, uncached formulas, extra sheets.

Each helper starts from an .xlsx that openpyxl really wrote and changes only
the part under attack, so a test fails for the reason it names and no other.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.roster_support import HEADER

ZIP64_LIMIT = 0xFFFFFFFF
FLUSH_CHUNK = 16 << 20


@dataclass(frozen=True)
class Member:
    """One zip member as raw deflate data, with the sizes and CRC its directory entry declares."""

    name: str
    data: bytes
    crc: int
    size: int


def deflated(name: str, content: bytes) -> Member:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content))


def padded_member(name: str, head: bytes, filler: bytes, size: int, tail: bytes) -> Member:
    """``head + filler * size + tail`` deflated without ever holding it: one flushed chunk, repeated.

    After a full flush the compressor forgets what came before, so the bytes of
    one flushed chunk can be repeated any number of times in a valid stream.
    """
    assert len(filler) == 1 and size % FLUSH_CHUNK == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = filler * FLUSH_CHUNK
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    count = size // FLUSH_CHUNK
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return Member(name, start + repeated * count + end, crc, len(head) + size + len(tail))


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip archive written byte by byte (ZIP64 sizes where needed), declaring exactly what ``members`` say."""
    body, directory = bytearray(), bytearray()
    for member in members:
        name = member.name.encode("ascii")
        big = member.size >= ZIP64_LIMIT or len(member.data) >= ZIP64_LIMIT
        sizes = (ZIP64_LIMIT, ZIP64_LIMIT) if big else (len(member.data), member.size)
        extra = struct.pack("<HHQQ", 1, 16, member.size, len(member.data)) if big else b""
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, member.crc, *sizes, len(name), len(extra))
        body += name + extra + member.data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            *(0x02014B50, 45, 45, 0, 8, 0, 0x21, member.crc, *sizes, len(name), len(extra), 0, 0, 0, 0, offset),
        )
        directory += name + extra
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))
    return path


def members_of(xlsx: Path) -> list[Member]:
    with zipfile.ZipFile(xlsx) as archive:
        return [deflated(info.filename, archive.read(info)) for info in archive.infolist()]


def bomb_xlsx(path: Path, base: Path, size: int) -> Path:
    """``base`` with ``size`` bytes of blanks inside its worksheet's XML: valid, and ruinous to parse."""
    members = []
    for member in members_of(base):
        if member.name == "xl/worksheets/sheet1.xml":
            xml = zlib.decompress(member.data, -15)
            head, tail = xml.split(b"<sheetData>")
            member = padded_member(member.name, head + b"<sheetData>", b" ", size, tail)
        members.append(member)
    return write_zip(path, members)


def zeros_xlsx(path: Path, base: Path, size: int, name: str = "xl/media/image1.bin") -> Path:
    """``base`` with one more member of ``size`` zero bytes, deflated (about 1,000 to 1)."""
    return write_zip(path, [*members_of(base), padded_member(name, b"", b"\0", size, b"")])


def edit_member(xlsx: Path, name: str, edit: Callable[[bytes], bytes]) -> Path:
    """Rewrite one member of a real .xlsx in place, as another program might have saved it."""
    with zipfile.ZipFile(xlsx) as archive:
        contents = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in contents:
            archive.writestr(info, edit(data) if info.filename == name else data)
    return xlsx


def stale_dimension(xlsx: Path, ref: str) -> Path:
    """Make the first sheet's ``<dimension ref=…/>`` claim ``ref``, as some programs leave it after edits."""

    def edit(xml: bytes) -> bytes:
        edited, count = re.subn(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml)
        assert count == 1
        return edited

    return edit_member(xlsx, "xl/worksheets/sheet1.xml", edit)


def cache_formula_results(xlsx: Path, results: dict[str, str]) -> Path:
    """Give formula cells a saved result (``<v>``) as Excel does on save; ``results`` maps cell → text or #error."""

    def edit(xml: bytes) -> bytes:
        for cell, value in results.items():
            kind = "e" if value.startswith("#") else "str"  # an error value, or text (empty text too)
            pattern = rf'<c r="{cell}"( t="\w+")?><f>(.*?)</f><v>\s*</v></c>'.encode()
            replacement = rf'<c r="{cell}" t="{kind}"><f>\2</f><v>{value}</v></c>'.encode()
            xml, count = re.subn(pattern, replacement, xml)
            assert count == 1, cell
        return xml

    return edit_member(xlsx, "xl/worksheets/sheet1.xml", edit)


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An .xlsx with one worksheet per entry, in order, each holding exactly the rows given."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def roster_rows(*rows: list[object]) -> list[list[object]]:
    return [list(HEADER), *rows]
