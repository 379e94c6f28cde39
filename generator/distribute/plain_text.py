"""What roster text may hold, and how it is quoted back to the user.

A roster cell is typed by someone else and may hold anything: control
characters that a terminal obeys (ESC starts colour, cursor and title
sequences; BEL rings), bidirectional overrides that reorder a line, or
``=?utf-8?b?…?=`` — an RFC 2047 encoded word, which mail software decodes
into whatever it hides, line breaks and new headers included.  Values with
either are refused row by row; any value quoted in a message goes through
:func:`quoted`, so even a refused one is shown, never obeyed.
"""

from __future__ import annotations

import re

from generator.terminal import UNSAFE, terminal_text

CONTROL = re.compile(f"\n|{UNSAFE.pattern}")
"""What no roster value may hold: anything :mod:`generator.terminal` would not print as it is, and line breaks."""
ENCODED_WORD = re.compile(r"=\?.*?\?=", re.DOTALL)
ENCODED_WORD_SHOWN = "“=?…?=”形式的"
MAX_QUOTED = 60


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` as it may stand inside “…” in a message: controls and line breaks visible, at most ``limit`` long."""
    shown = terminal_text(text).replace("\n", "\u240a")
    return shown if len(shown) <= limit else f"{shown[: limit - 1]}…"


def one_line(text: str) -> str:
    """``text`` with every run of blanks and line breaks made one space, trimmed."""
    return " ".join(text.split())
