"""The printable HTML report for the review panel, rendered from ``templates/report.html.j2``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from generator.reports.cells import safe_text
from generator.reports.tabulate import ProblemEntry, Tabulation
from generator.textrender import render

TEMPLATE = "report.html.j2"


def number(value: float | None, digits: int = 1) -> str:
    """A statistic as printed: ``85.3``; a dash when there is nothing to measure."""
    return "—" if value is None else f"{value:.{digits}f}"


def problems_by_file(problems: tuple[ProblemEntry, ...]) -> list[tuple[ProblemEntry, list[str]]]:
    """Problems grouped under their file, files in the order they were read."""
    grouped: dict[str, list[ProblemEntry]] = defaultdict(list)
    for entry in problems:
        grouped[entry.source].append(entry)
    return [(entries[0], [e.message for e in entries]) for entries in grouped.values()]


def report_html(tabulation: Tabulation, generated: datetime | None = None) -> str:
    return render(
        TEMPLATE,
        tabulation.rubrics.source,
        tabulation=tabulation,
        problem_files=problems_by_file(tabulation.problems),
        generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"),
        number=number,
    )


def html_bytes(tabulation: Tabulation) -> bytes:
    """The report as UTF-8, every character no HTML document may hold replaced."""
    return safe_text(report_html(tabulation)).encode("utf-8")
