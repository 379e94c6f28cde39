"""Headers made from text that is never read as header syntax, and the check that a built message has no others.

The email package parses every header value it is given, decoding any
``=?charset?b?…?=`` inside; on Python 3.11.7 a line break so decoded is then
written out raw when the header is folded, so a display name such as
``=?utf-8?b?DQpCY2M6IGV2aWxAZXZpbC5leGFtcGxl?=`` becomes a real ``Bcc:`` line.
Here the text is encoded by us, all of it, as UTF-8 base64 encoded words,
and the header is an object the email policy stores and writes as it is
(the policy's protocol for header objects: a ``name`` and a ``fold`` method).
The text is data whatever it holds.

:func:`header_problem` is the defence in depth: it parses the serialised
message back and compares every header with what was meant.
"""

from __future__ import annotations

import base64
from collections import Counter
from email import policy
from email.parser import BytesParser
from email.policy import Policy

WORD_BYTES = 42  # 56 base64 characters: each encoded word is 68 long, so "Reply-To: " and one word fit in 78
MAX_LINE = 78


class LiteralHeader(str):
    """A header value in its final, encoded form: the words of :func:`encoded_words` and addresses."""

    name: str
    parts: tuple[str, ...]

    def __new__(cls, name: str, parts: list[str]) -> LiteralHeader:
        header = super().__new__(cls, " ".join(parts))
        header.name, header.parts = name, tuple(parts)
        return header

    def fold(self, *, policy: Policy) -> str:
        """``Name: part part`` in lines of at most 78 characters, each continuation line starting with a space."""
        lines = [f"{self.name}:"]
        for part in self.parts:
            if len(lines[-1]) + 1 + len(part) > MAX_LINE and len(lines[-1]) > len(self.name) + 1:
                lines.append("")
            lines[-1] += f" {part}"
        return policy.linesep.join(lines) + policy.linesep


def encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 B-encoded UTF-8 words, split between characters, each at most 75 long."""
    chunks: list[bytes] = []
    chunk = b""
    for char in text:
        data = char.encode("utf-8", "replace")
        if chunk and len(chunk) + len(data) > WORD_BYTES:
            chunks.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def text_header(name: str, text: str) -> LiteralHeader:
    """An unstructured header (Subject) whose decoded value is exactly ``text``."""
    return LiteralHeader(name, encoded_words(text))


def address_header(name: str, display: str, address: str) -> LiteralHeader:
    """``name: display <address>`` with the display name encoded; ``address`` must already be a checked addr-spec."""
    if not address.isascii() or not address.isprintable() or any(c in address for c in ' <>,;:"\\()[]'):
        raise ValueError(f"not a plain address: {address!r}")
    return LiteralHeader(name, [*encoded_words(display), f"<{address}>"] if display else [address])


def header_problem(raw: bytes, expected_names: set[str], subject: str, addresses: dict[str, tuple[str, str]]) -> str:
    """What in the serialised message ``raw`` differs from what was meant, in Chinese; empty when nothing.

    ``expected_names``: the header names, in lower case, the message must have,
    each once; ``addresses``: header name → (display name, address) it must
    decode to.  Display names are compared without blanks: Python's parser puts
    a space between adjacent encoded words that RFC 2047 (and mail clients) join.
    """
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        names = Counter(name.lower() for name in parsed)
        extra = [name for name in dict.fromkeys(parsed) if name.lower() not in expected_names]
        if extra:
            return f"多出邮件头 {'、'.join(extra)}"
        missing = sorted(expected_names - set(names))
        if missing:
            return f"缺少邮件头 {'、'.join(missing)}"
        repeated = sorted(name for name, count in names.items() if count > 1)
        if repeated:
            return f"邮件头 {'、'.join(repeated)} 出现了不止一次"
        if str(parsed["Subject"]) != subject:
            return "主题与预期不同"
        for name, (display, address) in addresses.items():
            found = [(a.display_name, a.addr_spec) for a in parsed[name].addresses]
            if len(found) != 1 or found[0][1] != address or _squeezed(found[0][0]) != _squeezed(display):
                return f"{name} 与预期不同"
    except Exception:  # the parser raises ValueError, HeaderParseError, … for what a header smuggled in
        return "邮件头无法解析"
    return ""


def _squeezed(text: str) -> str:
    return "".join(text.split())
