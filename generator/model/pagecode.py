"""The page code: what the QR code printed on every page of a form says, and its human-readable line.

Every page of every form, PDF and Word, carries one code, so a scan or photo
of a printed page says which rubric (and which version of it), which page of
how many, which writer printed it and, for a personalised copy, which roster
row it belongs to.  The payload is short ASCII in the QR code's alphanumeric
character set (digits, capitals, ``:`` ``/`` ``-``), which keeps the symbol
small::

    RF1:STAR:3C6D79D17585:1/2:P:0123456789ABCDEF

``RF`` and the version ``1``; the rubric id in capitals with ``_`` as ``-``
(ids are ``[a-z][a-z0-9_]*``, so this reverses exactly); the fingerprint; the
page number and page count; ``P`` for the PDF form or ``W`` for the Word form
(their pages fall alike, but a scan of a Word print is told apart); the roster
key when the copy is personalised.  Writers encode it, the scan reader decodes
it; nothing else builds or parses the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Printer = Literal["P", "W"]

TAG = "RF1"
PAYLOAD = re.compile(
    r"RF1:(?P<rubric>[A-Z][A-Z0-9-]{0,63}):(?P<fingerprint>[0-9A-F]{6,64}):"
    r"(?P<page>[1-9][0-9]{0,2})/(?P<pages>[1-9][0-9]{0,2}):(?P<printer>[PW])(?::(?P<key>[0-9A-F]{16}))?"
)


@dataclass(frozen=True, slots=True)
class PageCode:
    """One page's identity: rubric, fingerprint, page ``page`` of ``pages``, printer, roster key ('' if none)."""

    rubric_id: str
    fingerprint: str
    page: int
    pages: int
    printer: Printer = "P"
    roster_key: str = ""

    def payload(self) -> str:
        """The text the QR code holds."""
        rubric = self.rubric_id.upper().replace("_", "-")
        parts = [TAG, rubric, self.fingerprint.upper(), f"{self.page}/{self.pages}", self.printer]
        if self.roster_key:
            parts.append(self.roster_key.upper())
        return ":".join(parts)

    def caption(self) -> tuple[str, ...]:
        """The human-readable lines printed beside the code."""
        lines = [f"{self.rubric_id} · {self.fingerprint}", f"第 {self.page}/{self.pages} 页"]
        if self.roster_key:
            lines.append(f"编号 {self.roster_key}")
        return tuple(lines)


def parse_page_code(text: str) -> PageCode | None:
    """The page code a QR code's text states, or ``None`` when it is not one of ours."""
    match = PAYLOAD.fullmatch(text.strip())
    if match is None:
        return None
    page, pages = int(match["page"]), int(match["pages"])
    if page > pages:
        return None
    printer: Printer = "W" if match["printer"] == "W" else "P"
    return PageCode(
        rubric_id=match["rubric"].lower().replace("-", "_"),
        fingerprint=match["fingerprint"].lower(),
        page=page,
        pages=pages,
        printer=printer,
        roster_key=(match["key"] or "").lower(),
    )
