"""The one screen ``rubric-forms read`` prints at the end: counts per rubric, the first problems, the files written."""

from __future__ import annotations

from pathlib import Path

from generator.reports.html import number, problems_by_file
from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME
from generator.reports.tabulate import Tabulation
from generator.textrender import render

SUMMARY_FILES = 10
"""How many files with problems the summary names; the reports list them all."""


def read_summary(tabulation: Tabulation, out_dir: Path, written: list[Path]) -> str:
    files = problems_by_file(tabulation.problems)
    return render(
        "read_summary.txt.j2",
        tabulation.rubrics.source,
        tabulation=tabulation,
        shown=files[:SUMMARY_FILES],
        hidden=max(0, len(files) - SUMMARY_FILES),
        workbook=out_dir / WORKBOOK_NAME,
        report=out_dir / REPORT_NAME,
        written=written,
        number=number,
    )
