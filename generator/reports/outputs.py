"""Every output of a ``read`` run, written into one folder as one consistent set.

Each output is rendered in memory first; one that fails to render (a bug a
hostile value found) does not cost the others, which are still written, and
the failure is reported.  The set is then written with
:func:`generator.atomic.write_file_set`: staged, then swapped in together
under the folder's lock, replacing the previous run's set.  The previous
keying workbook, where the office keys, is first copied aside
(:data:`PREVIOUS_KEYING_NAME`, never part of the set): should this run not
have read all of it back, or have no scans and so no keying workbook, what
was keyed is still there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from generator.atomic import OutputError, write_bytes_atomic, write_file_set
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
PREVIOUS_KEYING_NAME = "录入表（上次）.xlsx"
"""The copy of the previous run's keying workbook, kept beside the set (not part of it, so never deleted)."""
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
    keep_previous_keying(out_dir)
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


def keep_previous_keying(out_dir: Path) -> Path | None:
    """Copy ``out_dir``'s keying workbook, if there is one, to :data:`PREVIOUS_KEYING_NAME` (atomically, replacing
    the copy before); return the copy's path.  Raises :class:`~generator.atomic.OutputError` when it cannot be
    copied: then nothing is written, so it is not replaced either."""
    previous = out_dir / KEYING_NAME
    if not previous.is_file():
        return None
    try:
        data = previous.read_bytes()
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        problem = f"无法读取上次的录入表 {previous}（{cause}），为免丢失录入的内容，本次未写出任何结果"
        raise OutputError(problem) from None
    backup = out_dir / PREVIOUS_KEYING_NAME
    write_bytes_atomic(backup, data)
    return backup
