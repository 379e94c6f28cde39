"""Text in mail headers as Chinese mail clients write it, decoded without ever raising.

- RFC 2047 encoded words (``=?GB2312?B?…?=``, ``=?gbk?Q?…?=``) anywhere in a
  value, even inside quotes where the standard does not allow them (most
  clients put them there); adjacent words in one charset are joined as bytes
  before decoding, because clients split a multi-byte character across two words;
- raw 8-bit bytes in a header (no encoding at all): UTF-8, else GB18030;
- charset labels: GB2312, GBK, CP936 and friends are decoded as GB18030 (its
  superset: a "GB2312" message from Windows holds GBK characters such as 堃),
  Big5 as Big5-HKSCS with CP950 as fallback; an unknown or unusable label
  falls back to UTF-8, then GB18030, then replacement characters.
"""

from __future__ import annotations

import binascii
import codecs
import re

GB_LABELS = frozenset(
    {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn", "csgb2312", "gb_2312-80"}
    | {"gb_2312", "chinese", "csgb231280", "iso-ir-58", "gb18030", "gb-18030", "hz-gb-2312-80"}
)
BIG5_LABELS = frozenset({"big5", "x-big5", "cn-big5", "csbig5", "big5-hkscs", "big5hkscs", "cp950", "ms950"})
UNUSABLE_CODECS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "undefined", "idna", "punycode", "mbcs", "oem", "uu_codec"}
)
FALLBACKS = ("utf-8", "gb18030")
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
FOLD = re.compile(r"\r?\n(?=[ \t])")
QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def codecs_for(label: str | None) -> tuple[str, ...]:
    """The codecs to try, strictly and in order, for a charset label as found in mail."""
    if not label:
        return FALLBACKS
    name = label.strip().strip("\"'").split("*", 1)[0].lower()  # RFC 2231 may add "*language"
    if name in GB_LABELS:
        return ("gb18030",)
    if name in BIG5_LABELS:
        return ("big5hkscs", "cp950")
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return FALLBACKS
    if info.name in UNUSABLE_CODECS or not getattr(info, "_is_text_encoding", True):
        return FALLBACKS
    return (info.name, *(fallback for fallback in FALLBACKS if fallback != info.name))


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """``data`` as text in the charset ``label`` names, falling back as the module says; never raises."""
    if data.isascii():
        return data.decode("ascii")
    candidates = codecs_for(label)
    for codec in (*candidates, *FALLBACKS):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(candidates[0] if candidates else "utf-8", errors="replace")


def raw_bytes(text: str) -> bytes:
    """The bytes a parsed header value came from (the parser keeps bytes it could not decode as surrogates)."""
    return text.encode("utf-8", "surrogateescape")


def recover_text(text: str) -> str:
    """Header text that may hold raw 8-bit bytes, decoded as UTF-8 or GB18030."""
    if text.isascii():
        return text
    try:
        data = raw_bytes(text)
    except UnicodeEncodeError:  # unpaired real surrogates: nothing better to do
        return text.encode("utf-8", "replace").decode("utf-8")
    return decode_bytes(data)


def unfold(value: str) -> str:
    """A header value on one line (RFC 5322 unfolding)."""
    return FOLD.sub("", value)


def _b_decode(text: str) -> bytes:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(cleaned) % 4 == 1:  # one stray character cannot be decoded: drop it
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:
        return b""


def _q_decode(text: str) -> bytes:
    data = raw_bytes(text).replace(b"_", b" ")
    return QP_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def decode_words(value: str) -> str:
    """A header value with its encoded words and raw 8-bit text decoded, unfolded; never raises."""
    value = unfold(value)
    pieces: list[tuple[str | None, bytes | str]] = []
    position = 0
    for match in ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        previous_is_word = bool(pieces) and pieces[-1][0] is not None
        if between and not (previous_is_word and between.isspace()):
            pieces.append((None, between))
            previous_is_word = False
        charset, kind, payload = match.groups()
        data = _b_decode(payload) if kind in "bB" else _q_decode(payload)
        label = codecs_for(charset)[0]
        last_label, last = pieces[-1] if pieces else (None, b"")
        if previous_is_word and last_label == label and isinstance(last, bytes):
            pieces[-1] = (label, last + data)
        else:
            pieces.append((label, data))
        position = match.end()
    if position < len(value):
        pieces.append((None, value[position:]))
    out: list[str] = []
    for piece_label, piece in pieces:
        if isinstance(piece, bytes):
            out.append(decode_bytes(piece, piece_label))
        else:
            out.append(recover_text(piece))
    return "".join(out)
