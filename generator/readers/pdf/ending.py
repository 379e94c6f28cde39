"""Where a returned PDF's own bytes end: truncation told apart from harmless bytes after the end.

A PDF ends with ``startxref``, the offset of its last cross-reference
section, and ``%%EOF``; each incremental save appends objects and another
such ending.  A file is truncated when the ending of its last revision is
missing — no ``%%EOF`` after the last ``startxref``, or objects of a later
revision after the last ``%%EOF`` without an ending of their own.

Bytes after the last ``%%EOF`` that are no PDF structure — zeros padding a
download, an e-mail signature a mail client appended — are cut off before
parsing: readers ignore them, and cutting them keeps the fast strict parse
working.  A second PDF document glued after the first one (``cat a.pdf
b.pdf``) is cut off too, and the result says so.
"""

from __future__ import annotations

import re

from generator.readers.results import UnreadableForm

TRUNCATED = "文件不完整（末尾缺少结束标记，可能在下载或传输中被截断），请让申报人重新发送。"
APPENDED_PDF = "文件末尾还附加了另一份 PDF 文档（已忽略），只读取了第一份；请核对读出的内容，必要时让申报人重新发送。"
EOF_MARKER = b"%%EOF"
WHITESPACE = rb"[\x00\t\n\f\r ]"
# An indirect object's header at the start of a line: a revision's objects, which its own ending must follow.
OBJECT_HEADER = re.compile(
    rb"(?:^|[\r\n])" + WHITESPACE + rb"*[0-9]+" + WHITESPACE + rb"+[0-9]+" + WHITESPACE + rb"+obj"
)
STARTXREF = re.compile(rb"startxref" + WHITESPACE + rb"+([0-9]{1,15})")
# What a cross-reference offset must point at: a table, or a cross-reference stream's object.
XREF_SECTION = re.compile(rb"xref|[0-9]+" + WHITESPACE + rb"+[0-9]+" + WHITESPACE + rb"+obj")
# The end of one document directly followed by the start of another.
NEXT_DOCUMENT = re.compile(rb"%%EOF" + WHITESPACE + rb"*%PDF-")


def document_bytes(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The bytes of the file's (first) PDF document, up to its final ``%%EOF``, and notes for the result.

    Raises :class:`UnreadableForm` for a truncated file.  A file without any
    ``startxref`` but with ``%%EOF`` is left to the parser's repairs.  Only a
    file whose last ``startxref`` points at no cross-reference section is
    searched for a glued second document (whose offsets count from its own
    start): the search costs as much as the rest of opening a form.
    """
    last_xref = data.rfind(b"startxref")
    if last_xref >= 0 and _points_at_xref(data, last_xref):
        return _through_last_eof(data, last_xref), ()
    glued = NEXT_DOCUMENT.search(data)
    if glued is None:
        return _through_last_eof(data, last_xref), ()
    first = data[: glued.start() + len(EOF_MARKER)]
    return _through_last_eof(first, first.rfind(b"startxref")), (APPENDED_PDF,)


def _points_at_xref(data: bytes, last_xref: int) -> bool:
    """Whether the ``startxref`` at ``last_xref`` gives the offset of a cross-reference section."""
    offset = STARTXREF.match(data, last_xref)
    return offset is not None and XREF_SECTION.match(data, int(offset.group(1))) is not None


def _through_last_eof(data: bytes, last_xref: int) -> bytes:
    """``data`` up to the ``%%EOF`` after the last ``startxref`` (at ``last_xref``, -1 for none), junk cut off.

    Raises :class:`UnreadableForm` when that ending is missing, or when
    objects of a later revision follow it.
    """
    if last_xref < 0:
        if EOF_MARKER not in data:
            raise UnreadableForm(TRUNCATED)
        return data
    end = data.find(EOF_MARKER, last_xref)
    if end < 0:
        raise UnreadableForm(TRUNCATED)
    end += len(EOF_MARKER)
    if end == len(data) or not data[end:].strip():
        return data
    if OBJECT_HEADER.search(data, end):
        raise UnreadableForm(TRUNCATED)  # a later revision cut short: reading the earlier one would mislead
    return data[:end]
