"""A zip package (.xlsx) checked before any of it is parsed: what is wrong with it, for the caller to word.

- A password-protected OOXML file (or an old .xls) is an OLE compound file,
  not a zip: it is named as such at once.
- The zip directory is checked first — how many members, each member's and
  the total uncompressed size, the compression ratio — then every member is
  decompressed once in small pieces, so a directory that lies about sizes is
  caught by its CRC before any XML parser sees the file.  A 4 MB file that
  unpacks to gigabytes (a "zip bomb") is refused at once.

The bounds are those of a workbook; only the number of members differs from
one kind of workbook to another, and is the caller's to give.  Each caller
words a :class:`ZipProblem` in its own Chinese message.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MB = 1 << 20
MAX_MEMBERS = 2000
"""Members of a workbook unless the caller says otherwise: a roster has a dozen."""
MAX_MEMBER_BYTES = 50 * MB
MAX_TOTAL_BYTES = 200 * MB
MAX_RATIO = 100
RATIO_FLOOR = 1 * MB
"""Members smaller than this may compress as well as they like."""
READ_CHUNK = 1 * MB
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

ProblemKind = Literal["encrypted", "damaged", "out_of_memory", "members", "total", "member", "ratio"]


@dataclass(frozen=True, slots=True)
class ZipProblem:
    """Why a package is not to be read.

    ``kind`` says what: ``encrypted`` (an OLE file: a password, or an old
    .xls), ``damaged`` (not a zip, or one that cannot be read through),
    ``out_of_memory`` (reading it through ran out of memory), or a bound
    passed — ``members`` (``amount`` is their number), ``total`` (``amount``
    the uncompressed bytes of all), ``member`` (``amount`` the uncompressed
    bytes of member ``name``) or ``ratio`` (``ratio`` the compression ratio of
    member ``name``).  ``limit`` is the bound passed: members, bytes, or the
    ratio.
    """

    kind: ProblemKind
    amount: int = 0
    limit: int = 0
    name: str = ""
    ratio: float = 0.0


def archive_problem(data: bytes, max_members: int = MAX_MEMBERS) -> ZipProblem | None:
    """What is wrong with the package in ``data``, its directory checked and then every member read through.

    ``None`` when nothing is; a package of more than ``max_members`` members is refused.
    """
    if data.startswith(OLE_SIGNATURE):
        return ZipProblem("encrypted")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            problem = _directory_problem(members, max_members)
            for member in () if problem else members:
                with archive.open(member) as stream:  # zipfile stops at the declared size and checks the CRC
                    while stream.read(READ_CHUNK):
                        pass
            return problem
    except MemoryError:
        return ZipProblem("out_of_memory")
    except Exception:  # BadZipFile, zlib.error, EOFError, NotImplementedError, …: a damaged archive
        return ZipProblem("damaged")


def _directory_problem(members: Sequence[zipfile.ZipInfo], max_members: int) -> ZipProblem | None:
    """What in the zip directory no spreadsheet program writes; ``None`` when nothing."""
    if len(members) > max_members:
        return ZipProblem("members", len(members), max_members)
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_BYTES:
        return ZipProblem("total", total, MAX_TOTAL_BYTES)
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            return ZipProblem("member", member.file_size, MAX_MEMBER_BYTES, member.filename)
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            return ZipProblem("ratio", limit=MAX_RATIO, name=member.filename, ratio=ratio)
    return None
