"""Cell values from applicants made safe for spreadsheets (OWASP's CSV-injection advice).

A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
could be taken as a formula by Excel or LibreOffice.  In CSV such a value is
prefixed with ``'`` (OWASP's advice); in the workbook it is stored as a
string cell with Excel's "quote prefix" set, which is what Excel itself
does when a user types ``'=…``: shown as typed, never evaluated.
"""

from __future__ import annotations

import re
import unicodedata

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralised(text: str) -> str:
    """The CSV form of a value: ``'`` before anything a spreadsheet could read as a formula."""
    return f"'{text}" if formula_like(text) else text


def xml_safe(text: str) -> str:
    """Control characters (which the xlsx format cannot hold) shown as U+FFFD."""
    return XML_ILLEGAL.sub("\ufffd", text)


def display_width(text: str) -> int:
    """Width in Latin character cells: Chinese characters count two."""
    return max((_line_width(line) for line in text.split("\n")), default=0)


def _line_width(line: str) -> int:
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
