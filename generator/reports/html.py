"""The printable HTML report for the review panel, rendered from ``templates/report.html.j2``."""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime

from generator.readers.results import Crop, FormResult
from generator.reports.cells import safe_text
from generator.reports.tabulate import ProblemEntry, Tabulation, applicant_text, e_seal_check
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


def data_uri(crop: Crop) -> str:
    """A crop of a scan as an inline image, so the report stays one file."""
    return "data:image/jpeg;base64," + base64.b64encode(crop.jpeg).decode("ascii")


def report_html(tabulation: Tabulation, generated: datetime | None = None) -> str:
    def applicant_of(result: FormResult) -> str:
        return applicant_text(result, tabulation.rubrics.get(result.rubric_id or ""))

    return render(
        TEMPLATE,
        tabulation.rubrics.source,
        tabulation=tabulation,
        problem_files=problems_by_file(tabulation.problems),
        generated=(generated or datetime.now()).strftime("%Y-%m-%d %H:%M"),
        number=number,
        data_uri=data_uri,
        applicant_of=applicant_of,
        e_seal_check=e_seal_check,
    )


def html_bytes(tabulation: Tabulation) -> bytes:
    """The report as UTF-8, every character no HTML document may hold replaced."""
    return safe_text(report_html(tabulation)).encode("utf-8")
