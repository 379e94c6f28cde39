"""Every output of a ``read`` run, written into one folder as one consistent set.

Each output is rendered in memory first; one that fails to render (a bug a
hostile value found) does not cost the others, which are still written, and
the failure is reported.  The set is then written with
:func:`generator.atomic.write_file_set`: staged, then swapped in together
under the folder's lock, replacing the previous run's set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from generator.atomic import OutputError, write_file_set
from generator.filenames import safe_component
from generator.reports.csv_tables import csv_bytes
from generator.reports.html import html_bytes
from generator.reports.roster_check import ROSTER_JSON, roster_json
from generator.reports.tabulate import Tabulation
from generator.reports.workbook import workbook_bytes

WORKBOOK_NAME = "评分汇总.xlsx"
REPORT_NAME = "评分报告.html"
KEYING_NAME = "录入表.xlsx"
"""The keying workbook of the scanned applications; ``read`` takes it back (see :mod:`generator.reports.keying`)."""
OWNER = "read"


def csv_name(rubric_name: str) -> str:
    return f"评分汇总-{safe_component(rubric_name)}.csv"


def _renderers(tabulation: Tabulation) -> dict[str, Callable[[], bytes]]:
    renderers: dict[str, Callable[[], bytes]] = {WORKBOOK_NAME: lambda: workbook_bytes(tabulation)}
    for table in tabulation.tables:
        renderers[csv_name(table.rubric.name)] = functools.partial(csv_bytes, table)
    renderers[REPORT_NAME] = lambda: html_bytes(tabulation)
    if tabulation.roster is not None:
        check = tabulation.roster
        renderers[ROSTER_JSON] = lambda: roster_json(check)
    if any(result.scan is not None and result.scan.application_id for result in tabulation.results):
        renderers[KEYING_NAME] = lambda: keying_bytes(tabulation)
    return renderers


def keying_bytes(tabulation: Tabulation) -> bytes:
    """The keying workbook, every value keyed so far written back into it."""
    from generator.reports.keying import keying_workbook

    results = tabulation.results
    keyed = {r.scan.application_id: dict(r.scan.keyed_values) for r in results if r.scan is not None and r.scan.keyed}
    data = keying_workbook(results, tabulation.rubrics, keyed)
    assert data is not None  # there are scanned applications
    return data


def write_reports(tabulation: Tabulation, out_dir: Path) -> list[Path]:
    """Write the workbook, a CSV per rubric and the HTML report into ``out_dir``; return their paths.

    Raises :class:`~generator.atomic.OutputError` when the folder cannot take
    them (nothing of the previous set is lost then), or when an output could
    not be made (the others are written first).
    """
    files: dict[str, bytes] = {}
    failed: list[str] = []
    for name, render in _renderers(tabulation).items():
        try:
            files[name] = render()
        except Exception as exc:  # one output's failure must not cost the others
            failed.append(f"{name}（{type(exc).__name__}）")
    written = write_file_set(out_dir, files, OWNER)
    if failed:
        done = "、".join(path.name for path in written)
        raise OutputError(f"以下输出未能生成：{'、'.join(failed)}；其余已写出：{done}")
    return written
