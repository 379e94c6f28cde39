"""Pick a few entries out of a PDF dictionary without parsing the rest of it.

A generated form's field dictionaries carry long JavaScript actions, tooltips
and appearance settings that the reader never needs, and pypdf parses literal
strings byte by byte in Python: parsing whole field dictionaries costs about
ten times more than everything else in a read.  Here a dictionary's entries
are only *skipped over* with regular expressions (which run in C); the
wanted values are decoded by pypdf (``create_string_object`` for a literal
string once its escapes are undone per ISO 32000-1 7.3.4.2, ``read_object``
for anything else).

Anything unusual — an object inside an object stream, an encrypted file, a
key written with ``#`` escapes, absurd nesting — returns ``None`` and the
caller falls back to pypdf's ordinary ``get_object``: the same values, only
slower.  An object that is not where the cross-reference table says marks a
damaged file (see :func:`object_entries`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject, create_string_object, read_object

DELIMITERS = rb"\x00\t\n\f\r /\[\]()<>{}%"
SPACES = rb"[\x00\t\n\f\r ]"
TOKEN = re.compile(
    SPACES + rb"*("  # whitespace, then one token:
    rb"\([^()\\]*(?:\\.[^()\\]*)*\)"  # a literal string without nested parentheses: the usual case
    rb"|\(|<<|>>|<[^<>]*>|[\[\]]"  # a string with nested parentheses; containers; a hex string
    rb"|/[^" + DELIMITERS + rb"]*"  # a name
    rb"|[0-9]+" + SPACES + rb"+[0-9]+" + SPACES + rb"+R(?![^" + DELIMITERS + rb"])"  # a reference
    rb"|%[^\r\n]*|[^" + DELIMITERS + rb"]+|[)>{}])",  # a comment, a number or keyword, a stray delimiter
    re.S,
)
SIMPLE_ENTRY = re.compile(  # a whole key and simple value at once: the usual entry of a field dictionary
    SPACES + rb"*(/[^" + DELIMITERS + rb"]*+)" + SPACES + rb"*("  # possessive: never a shortened key
    rb"/[^" + DELIMITERS + rb"]*"  # a name
    rb"|[0-9]+" + SPACES + rb"+[0-9]+" + SPACES + rb"+R(?![^" + DELIMITERS + rb"])"  # a reference
    rb"|[^" + DELIMITERS + rb"]+"  # a number or keyword
    rb"|\([^()\\]*(?:\\.[^()\\]*)*\)|<[^<>]*>|\[[^\[\]()<>%]*\])",  # a string; a flat array
    re.S,
)
NESTED_TOKEN = re.compile(  # inside a nested value only brackets and strings matter: skip the rest in one go
    rb"[^()<>\[\]%]*("
    rb"\([^()\\]*(?:\\.[^()\\]*)*\)|\(|<<|>>|<[^<>]*>|[\[\]]|%[^\r\n]*|[)>])",
    re.S,
)
SIMPLE_STRING = re.compile(rb"\([^()\\]*(?:\\.[^()\\]*)*\)", re.S)
STRING_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)|\r\n?", re.S)
ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\r\n": b"", b"\r": b"", b"\n": b""}
STRING_PART = re.compile(rb"\\.|[()]", re.S)
OBJECT_HEADER = re.compile(rb"[\x00\t\n\f\r ]*([0-9]+)[\x00\t\n\f\r ]+([0-9]+)[\x00\t\n\f\r ]+obj[\x00\t\n\f\r ]*")
OPEN = (b"<<", b"[")
CLOSE = (b">>", b"]")
MAX_DEPTH = 32


class ScanError(Exception):
    """The bytes are not the simple dictionary expected; use pypdf's full parser instead."""


def _string_end(data: bytes, pos: int) -> int:
    """The end of a literal string with nested parentheses, starting at ``pos``."""
    depth = 0
    for match in STRING_PART.finditer(data, pos):
        token = match.group()
        if token == b"(":
            depth += 1
        elif token == b")":
            depth -= 1
            if depth == 0:
                return match.end()
    raise ScanError("unterminated string")


def dictionary_entries(data: bytes, pos: int, wanted: Collection[bytes]) -> dict[bytes, bytes]:
    """The raw bytes of the wanted keys' values in the dictionary starting at ``pos``.

    A key with a simple value is matched whole; otherwise one token at a
    time, each with its leading whitespace; inside nested containers only
    brackets and strings are matched, and only counted.
    """
    if not data.startswith(b"<<", pos):
        raise ScanError("not a dictionary")
    found: dict[bytes, bytes] = {}
    key = b""
    depth = value_start = 0
    pos += 2
    while True:
        if not (depth or key) and (entry := SIMPLE_ENTRY.match(data, pos)):
            if b"#" in entry.group(1):
                raise ScanError("key with # escapes")
            if entry.group(1) in wanted and entry.group(1) not in found:
                found[entry.group(1)] = entry.group(2)
            pos = entry.end()
            continue
        match = (NESTED_TOKEN if depth else TOKEN).match(data, pos)
        if match is None:
            break
        token, pos = match.group(1), match.end()
        if token == b"(":
            pos = _string_end(data, match.start(1))
        elif token[0] == 0x25:  # a comment
            continue
        if depth:
            depth += (token in OPEN) - (token in CLOSE)
            if depth > MAX_DEPTH:
                raise ScanError("nesting too deep")
        elif not key:
            if token == b">>":
                return found
            if token[0] != 0x2F or b"#" in token:
                raise ScanError("unexpected key")
            key = token
            continue
        else:
            value_start = match.start(1)
            depth = int(token in OPEN)
        if not depth:
            if key in wanted and key not in found:
                found[key] = data[value_start:pos]
            key = b""
    raise ScanError("unterminated dictionary")


def object_entries(reader: PdfReader, data: bytes, ref: Any, wanted: Collection[str]) -> dict[str, Any] | None:
    """The wanted entries of the dictionary object ``ref``, decoded by pypdf; ``None`` to fall back.

    An object that is not where the cross-reference table says is a damaged
    file: a strict reader raises ``PdfReadError`` (the caller then reads the
    file again leniently, letting pypdf repair it, and says so).
    """
    if not isinstance(ref, IndirectObject) or reader.is_encrypted or ref.idnum in reader.xref_objStm:
        return None
    offset = reader.xref.get(ref.generation, {}).get(ref.idnum)
    header = OBJECT_HEADER.match(data, offset) if isinstance(offset, int) and offset >= 0 else None
    if header is None or int(header.group(1)) != ref.idnum or int(header.group(2)) != ref.generation:
        if reader.strict:
            raise PdfReadError(f"object {ref.idnum} {ref.generation} is not where the cross-reference table says")
        return None
    try:
        raw = dictionary_entries(data, header.end(), {key.encode() for key in wanted})
    except ScanError:
        return None
    return {key.decode(): decode_value(value, reader) for key, value in raw.items()}


def entries(reader: PdfReader, data: bytes, ref: Any, wanted: Collection[str]) -> dict[str, Any]:
    """The wanted entries of a dictionary (by reference or direct): the fast scan, else pypdf's parser."""
    found = object_entries(reader, data, ref, wanted)
    if found is not None:
        return found
    node = ref.get_object() if isinstance(ref, IndirectObject) else ref
    if not isinstance(node, DictionaryObject):
        return {}
    return {key: node[key] for key in wanted if key in node}


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if escaped is None:  # an unescaped end of line inside a string reads as one line feed
        return b"\n"
    if escaped[0] in b"01234567":
        return bytes((int(escaped, 8) & 0xFF,))
    return ESCAPED.get(escaped, escaped)


def literal_string_bytes(raw: bytes) -> bytes:
    """The bytes of a literal string ``(…)`` without nested parentheses (ISO 32000-1, 7.3.4.2)."""
    return STRING_ESCAPE.sub(_unescape, raw[1:-1])


def decode_value(raw: bytes, reader: PdfReader) -> Any:
    """A value's bytes as a pypdf object; a literal string is decoded without pypdf's byte-wise parser."""
    if SIMPLE_STRING.fullmatch(raw):
        return create_string_object(literal_string_bytes(raw))
    # pypdf recognises ``N G R`` only when a delimiter follows it, hence the trailing space.
    return read_object(io.BytesIO(raw + b" "), reader)
