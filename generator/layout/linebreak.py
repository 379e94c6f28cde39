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


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def text_width_mm(text: str, size_pt: float) -> float:
    """Printed width of ``text``: a full-width character is one em, any other about half an em.

    Where Chinese meets a Latin letter or digit, word processors insert a little
    space (Word's and LibreOffice's autospace): a quarter em is counted for each.
    """
    ems = sum(1.0 if _is_wide(ch) else 0.5 for ch in text)
    ems += 0.25 * sum(1 for a, b in itertools.pairwise(text) if _is_wide(a) != _is_wide(b) and not b.isspace())
    return ems * em_mm(size_pt)
