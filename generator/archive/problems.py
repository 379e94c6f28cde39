"""The problem list after an application: every problem the reader found in it, numbered.

Only an application with problems gets it.  It starts a new page after the
form and the original pages, and runs on to further pages when it is long.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm

from generator.archive.document import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    CONTENT_WIDTH,
    LINE_SPACING,
    MARGIN,
    ArchiveCanvas,
    Band,
)
from generator.archive.entries import Entry

SIZE = 10.5
INDENT = 8 * mm
GAP = 2 * mm


def heading(entry: Entry) -> str:
    return f"读取时发现的问题（{len(entry.result.problems)} 项）"


def continued(entry: Entry) -> str:
    return f"{heading(entry)}（续）"


def problem_titles(entries: Sequence[Entry]) -> list[str]:
    """What the problem lists set in the title font."""
    return [continued(entry) for entry in entries if entry.result.problems]


def problem_texts(entry: Entry) -> list[str]:
    numbers = [f"{n}." for n in range(1, len(entry.result.problems) + 1)]
    return [heading(entry), continued(entry), entry.source_line(), *entry.result.problems, *numbers]


def draw_problems(doc: ArchiveCanvas, entry: Entry, band: Band, first: int) -> int:
    """The problem list, labelled from page ``first`` of the application; returns its page count."""
    problems = entry.result.problems
    if not problems:
        return 0
    pages = 1
    leading = SIZE * LINE_SPACING
    top = _start(doc, entry, band, first, heading(entry))
    top = doc.paragraph(MARGIN, top, entry.source_line(), CONTENT_WIDTH, 9, grey=0.3) - GAP
    for number, problem in enumerate(problems, start=1):
        lines = doc.wrap(problem, CONTENT_WIDTH - INDENT, SIZE)
        for index, line in enumerate(lines):
            if top - leading < CONTENT_BOTTOM:
                doc.end_page()
                top = _start(doc, entry, band, first + pages, continued(entry))
                pages += 1
            baseline = top - leading + (leading - SIZE) / 2 + 0.12 * SIZE
            if index == 0:
                doc.text(MARGIN, baseline, f"{number}.", SIZE)
            doc.text(MARGIN + INDENT, baseline, line, SIZE)
            top -= leading
        top -= GAP
    doc.end_page()
    return pages


def _start(doc: ArchiveCanvas, entry: Entry, band: Band, page: int, title: str) -> float:
    doc.band(band, f"{entry.label_prefix}{page}")
    doc.text(MARGIN, CONTENT_TOP - 14, title, 14, font=doc.title, bold=True)
    return CONTENT_TOP - 24
