"""What a message's headers say — sender, subject, dates, attachment names — read from the raw header text.

The values are taken as the parser stored them (``raw_items``), never through
the email package's own header decoding, so that every charset rule of
:mod:`.charsets` applies and a malformed header cannot raise.  Parameters
(``filename=``, ``name=``) are split here too, with RFC 2231 continuations
(``filename*0*=utf-8''…; filename*1*=…``) and the RFC 2047 words Chinese
clients put inside quotes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from generator.collect.charsets import decode_bytes, decode_words, raw_bytes, recover_text, unfold

MAX_HEADER_TEXT = 500
PARAM_NAME = re.compile(r"(?P<base>[^*]+)(?:\*(?P<number>\d+))?(?P<star>\*)?")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
INTERNALDATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")


def raw_header(part: Message, name: str) -> str | None:
    """The first ``name`` header of ``part`` as the parser stored it, unfolded; ``None`` when absent."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return unfold(str(value))
    return None


def header_text(part: Message, name: str) -> str:
    """An unstructured header (Subject) decoded, cut to :data:`MAX_HEADER_TEXT` characters."""
    raw = raw_header(part, name)
    return decode_words(raw).strip()[:MAX_HEADER_TEXT] if raw else ""


def _split_params(value: str) -> list[tuple[str, str]]:
    """``value``'s ``;``-separated parts as (lower-case name, value) pairs; the first part has name ``""``."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    pairs: list[tuple[str, str]] = [("", parts[0].strip())]
    for part in parts[1:]:
        name, equals, item = part.partition("=")
        if equals:
            pairs.append((name.strip().lower(), _unquote(item.strip())))
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"':
        inner = value[1:-1] if value.endswith('"') else value[1:]
        return inner.replace('\\"', '"').replace("\\\\", "\\")
    return value.strip('"')


def _percent_bytes(text: str) -> bytes:
    try:
        return unquote_to_bytes(raw_bytes(text))
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def params(value: str) -> dict[str, str]:
    """A structured header's parameters, decoded: RFC 2231 (with continuations), RFC 2047 words, raw 8-bit."""
    plain: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    for name, item in _split_params(value)[1:]:
        match = PARAM_NAME.fullmatch(name)
        if not match:
            continue
        base, number, star = match.group("base"), match.group("number"), bool(match.group("star"))
        if number is None and not star:
            plain.setdefault(base, item)
        else:
            extended.setdefault(base, {}).setdefault(int(number or 0), (item, star))
    decoded = {name: decode_words(item) for name, item in plain.items()}
    for base, segments in extended.items():
        charset: str | None = None
        data = b""
        for index in sorted(segments):
            item, encoded = segments[index]
            if encoded and index == min(segments) and item.count("'") >= 2:
                charset, _language, item = item.split("'", 2)
            data += _percent_bytes(item) if encoded else raw_bytes(item)
        text = decode_bytes(data, charset or None)
        decoded[base] = decode_words(text) if "=?" in text else text
    return decoded


def main_value(value: str | None) -> str:
    """The part of a structured header before its parameters, lower case (``attachment``, ``inline``)."""
    return _split_params(value)[0][1].lower() if value else ""


def filename_of(part: Message) -> str:
    """The attachment's file name as the sender's client meant it, or ``""`` when it has none."""
    for header, key in (("content-disposition", "filename"), ("content-type", "name")):
        raw = raw_header(part, header)
        if raw:
            name = params(raw).get(key, "").strip()
            if name:
                return name
    return ""


def sender(message: Message) -> tuple[str, str]:
    """(address, display name) of the From header (Sender when From is missing); empty strings when unreadable."""
    raw = raw_header(message, "from") or raw_header(message, "sender") or ""
    if not raw:
        return "", ""
    try:
        pairs = getaddresses([raw])
    except Exception:  # the address parser has raised on odd input in some Python releases
        pairs = []
    for name, address in pairs:
        address = recover_text(address).strip()
        if "@" in address:
            return address[:MAX_HEADER_TEXT], decode_words(name).strip()[:MAX_HEADER_TEXT]
    return "", decode_words(raw).strip()[:MAX_HEADER_TEXT]


def message_id(message: Message) -> str:
    """The Message-ID header, trimmed, or ``""``."""
    raw = raw_header(message, "message-id") or ""
    return recover_text(raw).strip()[:MAX_HEADER_TEXT]


def parse_date(text: str) -> datetime | None:
    """An RFC 5322 date; a date without a zone (``-0000``) is taken as local time; ``None`` when unreadable."""
    try:
        value = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        return value if value.tzinfo else value.astimezone()
    except (ValueError, OverflowError, OSError):
        return None


def received_date(message: Message) -> datetime | None:
    """When the message arrived: the newest Received header's date, else the Date header."""
    for key, value in message.raw_items():
        if key.lower() == "received":
            found = parse_date(unfold(str(value)).rpartition(";")[2])
            if found:
                return found
            break
    raw = raw_header(message, "date")
    return parse_date(recover_text(raw)) if raw else None


def parse_internaldate(text: str) -> datetime | None:
    """An IMAP INTERNALDATE (``17-Jul-1996 02:44:25 -0700``), read without the locale's month names."""
    match = INTERNALDATE.search(text)
    if not match:
        return None
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    if month.lower() not in MONTHS:
        return None
    offset = (int(zone_hours) * 60 + int(zone_minutes)) * (-1 if sign == "-" else 1)
    try:
        zone = timezone(timedelta(minutes=offset))
        return datetime(
            int(year), MONTHS.index(month.lower()) + 1, int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None
