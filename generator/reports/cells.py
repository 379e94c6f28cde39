"""Values from returned files made safe for every output format.

Anything a return holds — a field value, a file name — may be hostile.
:func:`safe_text` replaces what no output format can hold: characters XML 1.0
forbids (C0 controls but tab and line breaks, U+FFFE, U+FFFF — the xlsx
format is XML, and HTML forbids them too) and the lone surrogates Python
uses for file names that are not valid UTF-8.  Every writer applies it.

A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
could be taken as a formula by Excel or LibreOffice (OWASP's CSV-injection
advice).  In CSV such a value is prefixed with ``'``; in the workbook it is
stored as a string cell with Excel's "quote prefix" set, which is what Excel
itself does when a user types ``'=…``: shown as typed, never evaluated.

Sheet names follow Excel's rules (:func:`sheet_names`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralised(text: str) -> str:
    """The CSV form of a value: ``'`` before anything a spreadsheet could read as a formula."""
    return f"'{text}" if formula_like(text) else text


def safe_text(text: str) -> str:
    """``text`` with every character no output format can hold shown as U+FFFD."""
    return UNSAFE.sub(REPLACEMENT, text)


def sheet_names(wanted: list[str]) -> list[str]:
    """Distinct, valid Excel sheet names for ``wanted``, in order.

    Excel refuses ``[ ] : * ? / \\``, a leading or trailing ``'``, names over
    31 characters and two names that differ only in case.
    """
    names: list[str] = []
    for text in wanted:
        base = SHEET_FORBIDDEN.sub("_", safe_text(text)).strip("'").strip() or "表"
        name, number = base[:SHEET_NAME_MAX], 1
        while name.casefold() in (n.casefold() for n in names):
            number += 1
            suffix = f"({number})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        names.append(name)
    return names


@functools.lru_cache(maxsize=1 << 16)
def display_width(text: str) -> int:
    """Width in Latin character cells: Chinese characters count two (memoised: every cell is measured
    for its wrapping, its column's width and its row's height)."""
    return max((_line_width(line) for line in text.split("\n")), default=0)


def _line_width(line: str) -> int:
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
