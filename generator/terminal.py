"""What the command line prints, made safe for a terminal: file names and typed values are data, not commands.

A file name or an applicant's name may hold ESC (which starts terminal
control sequences: colours, cursor moves, even a changed window title), BEL,
bidirectional overrides that reorder the line, or — for file names that are
not valid UTF-8 — lone surrogates no terminal encoding can write.  Each is
shown as a visible stand-in: C0 controls as their Unicode control pictures
(ESC as ␛), everything else as U+FFFD.  Line breaks stay.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
CONTROL_PICTURES = 0x2400


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(CONTROL_PICTURES + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def terminal_text(text: str) -> str:
    """``text`` with every character that could control the terminal shown as a visible stand-in."""
    return UNSAFE.sub(_stand_in, text)


def say(text: str, file: TextIO | None = None, end: str = "\n") -> None:
    """Print ``text`` for a person at a terminal (standard output unless ``file``)."""
    print(terminal_text(text), end=end, file=file or sys.stdout)
