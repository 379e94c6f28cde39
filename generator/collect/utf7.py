"""IMAP's modified UTF-7 (RFC 3501, 5.1.3): how a folder name such as ``回收表格`` travels to the server.

Printable ASCII stands for itself except ``&``, which is written ``&-``; any
other run of characters is its UTF-16 (big-endian) in base64 with ``,`` for
``/`` and no padding, between ``&`` and ``-``.
"""

from __future__ import annotations

import base64
import binascii


def _is_direct(char: str) -> bool:
    return 0x20 <= ord(char) <= 0x7E


def _encoded_run(run: str) -> str:
    data = run.encode("utf-16-be", "surrogatepass")
    return "&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-"


def encode_folder(name: str) -> str:
    """``name`` in modified UTF-7 (pure ASCII)."""
    out: list[str] = []
    run = ""
    for char in name:
        if _is_direct(char):
            if run:
                out.append(_encoded_run(run))
                run = ""
            out.append("&-" if char == "&" else char)
        else:
            run += char
    if run:
        out.append(_encoded_run(run))
    return "".join(out)


def decode_folder(encoded: str) -> str:
    """A folder name as the server wrote it, decoded; raises ``ValueError`` when it is not modified UTF-7."""
    out: list[str] = []
    index = 0
    while index < len(encoded):
        char = encoded[index]
        if char != "&":
            out.append(char)
            index += 1
            continue
        end = encoded.find("-", index + 1)
        if end < 0:
            raise ValueError(f"unterminated shift in {encoded!r}")
        chunk = encoded[index + 1 : end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            try:
                out.append(base64.b64decode(padded, validate=True).decode("utf-16-be"))
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise ValueError(f"bad modified UTF-7 in {encoded!r}") from exc
        index = end + 1
    return "".join(out)


def quoted(text: str) -> str:
    """An IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
