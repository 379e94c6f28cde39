"""Write every output of a ``read`` run into one folder, each file atomically."""

from __future__ import annotations

from pathlib import Path

from generator.reports.csv_tables import write_csv
from generator.reports.html import write_html
from generator.reports.tabulate import Tabulation
from generator.reports.workbook import write_xlsx

WORKBOOK_NAME = "评分汇总.xlsx"
REPORT_NAME = "评分报告.html"


def csv_name(rubric_name: str) -> str:
    return f"评分汇总-{rubric_name}.csv"


def write_reports(tabulation: Tabulation, out_dir: Path) -> list[Path]:
    """The workbook, a CSV per rubric and the HTML report; returns their paths."""
    workbook = out_dir / WORKBOOK_NAME
    write_xlsx(tabulation, workbook)
    written = [workbook]
    for table in tabulation.tables:
        path = out_dir / csv_name(table.rubric.name)
        write_csv(table, path)
        written.append(path)
    report = out_dir / REPORT_NAME
    write_html(tabulation, report)
    return [*written, report]
