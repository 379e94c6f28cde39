"""Line breaking for Chinese text, as Word does it, and the measure of printed text.

Any character may end a line, except that closing punctuation never starts a
line, opening punctuation never ends one, and points labels (``（1-6分）``) and
runs of Latin letters and digits stay whole.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable

MM_PER_PT = 25.4 / 72

NO_LINE_START = set("，。、；：？！）》」』”’】〕…—·%,.;:?!)]}")
NO_LINE_END = set("（《「『“‘【〔([{")
# A points label such as （1-6分） is one piece; so is a run of Latin letters and digits.
TOKEN = re.compile(r"（[0-9\-]+分）|[A-Za-z0-9.%\-]+|.", re.DOTALL)

Measure = Callable[[str], float]


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: one CJK character, or a run of Latin letters and digits,
    with any closing punctuation glued to the piece before it and opening
    punctuation glued to the piece after it."""
    pieces: list[str] = []
    pending_open = ""
    for token in TOKEN.findall(text):
        if token in NO_LINE_END:
            pending_open += token
        elif token in NO_LINE_START and pieces and not pending_open:
            pieces[-1] += token
        else:
            pieces.append(pending_open + token)
            pending_open = ""
    if pending_open:
        pieces.append(pending_open)
    return pieces


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (a piece wider than a line stands alone).

    Explicit newlines are kept as line breaks.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in _tokens(paragraph):
            if line and measure(line + piece) > width:
                lines.append(line)
                line = piece
            else:
                line += piece
        lines.append(line)
    return lines


def em_mm(size_pt: float) -> float:
    """The width of one Chinese character (one em) at ``size_pt``, in millimetres."""
    return size_pt * MM_PER_PT


NARROW_EM = 0.65
"""Room for a Latin letter or digit: SimSun and Times New Roman set digits at 0.5 em, Noto Serif SC at
0.56, DejaVu Serif (LibreOffice's stand-in for Times New Roman on Linux) at 0.64."""
WIDE_LATIN = set("MWmw@%")
"""Latin characters that may take a whole em."""
AUTOSPACE_EM = 0.25
"""The space LibreOffice puts where Chinese meets a Latin letter or digit (it ignores the .docx's
``w:autoSpaceDE``/``w:autoSpaceDN``, which Word and WPS honour)."""


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WFA" or char in WIDE_LATIN


def char_ems(char: str) -> float:
    """The room one character takes, in ems, in every face the forms name.

    Ideographs, Chinese punctuation and the quotation marks Chinese faces set
    full width (East Asian width W, F or A) take one em; other characters at
    most :data:`NARROW_EM`.
    """
    return 1.0 if _is_wide(char) else NARROW_EM


def _boundaries(text: str) -> int:
    """Places where a Chinese character meets a Latin letter or digit."""
    return sum(
        1
        for a, b in itertools.pairwise(text)
        if (unicodedata.east_asian_width(a) in "WF" and b.isalnum() and b.isascii())
        or (unicodedata.east_asian_width(b) in "WF" and a.isalnum() and a.isascii())
    )


def text_width_mm(text: str, size_pt: float) -> float:
    """Printed width of ``text`` at ``size_pt``, erring wide: a line broken by it fits its box
    whichever of the forms' faces draws it, in the PDF, in Word, WPS and LibreOffice."""
    ems = sum(char_ems(ch) for ch in text) + AUTOSPACE_EM * _boundaries(text)
    return ems * em_mm(size_pt)
