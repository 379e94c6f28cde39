"""One CSV per rubric, UTF-8 with a byte-order mark so that Excel opens the Chinese correctly."""

from __future__ import annotations

import csv
import io

from generator.reports.cells import neutralised, safe_text
from generator.reports.tabulate import Cell, RubricTable


def _text(value: Cell) -> str | int:
    if value is None:
        return ""
    return neutralised(safe_text(value)) if isinstance(value, str) else value


def csv_bytes(table: RubricTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(header) for header in table.headers])
    writer.writerows([_text(value) for value in row.cells] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")
