"""Hostile values and file names in a batch: every output is still written, safe for its format and the terminal.

A field value may hold characters XML 1.0 forbids (U+FFFE, U+FFFF, C0
controls), a file name may not be valid UTF-8 (GBK bytes from a Chinese
Windows zip), and either may carry terminal control sequences.  The audit
found one such return wiping out the whole batch's outputs.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.model.rubric import RubricSet
from generator.readers.evaluate import evaluate
from generator.readers.results import FormResult
from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME, csv_name, write_reports
from generator.reports.tabulate import tabulate
from tests.conftest import ROOT
from tests.read_fillers import fill_pypdf, form_values, write_form

HOSTILE_VALUES = ["张\ufffe三\uffff", "\x01单位\x1b[2J\x07", '=HYPERLINK("http://x")']
ESCAPE_NAME = "\x1b]0;pwned\x07\x1b[31m红.pdf"


@pytest.fixture(scope="module")
def batch(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    star = rubric_set.get("star")
    assert star is not None
    folder = tmp_path_factory.mktemp("hostile batch")
    blank = write_form(star, folder / "blank.pdf")
    values = form_values(star, HOSTILE_VALUES, [sub.points for sub in star.subitems], 100)
    fill_pypdf(blank, folder / "xml-illegal.pdf", values)
    if sys.platform != "win32":  # file names are bytes only on POSIX
        gbk = os.fsdecode("张三-自评表.pdf".encode("gbk"))
        fill_pypdf(blank, folder / gbk, form_values(star, ["张三", "华北", "客服"], [1] * 7))
        fill_pypdf(blank, folder / ESCAPE_NAME, form_values(star, ["李四", "华北", "客服"], [99] + [1] * 6))
    blank.unlink()
    return folder


class _Strict(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_every_output_is_written_and_readable(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "汇总"
    command = [sys.executable, "-m", "generator", "read", str(batch), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode in (0, 1) and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    sheet = load_workbook(out / WORKBOOK_NAME)["服务明星"]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "张\ufffd三\ufffd" in names
    units = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "\ufffd单位\ufffd[2J\ufffd" in units
    text = (out / csv_name("服务明星")).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any(row[3] == "张\ufffd三\ufffd" for row in rows[1:])
    assert any(row[5] == '\'=HYPERLINK("http://x")' for row in rows[1:]), "still no formula"
    html = (out / REPORT_NAME).read_bytes().decode("utf-8")
    assert "\ufffe" not in html and "\x1b" not in html and "\x01" not in html
    parser = _Strict()
    parser.feed(html)
    assert "张\ufffd三\ufffd" in "".join(parser.text)


@pytest.mark.skipif(sys.platform == "win32", reason="file names with control characters exist on POSIX only")
def test_the_terminal_gets_no_control_sequence(batch: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "generator", "read", str(batch), "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=120)
    printed = done.stdout + done.stderr
    assert b"\x1b" not in printed and b"\x07" not in printed and b"Traceback" not in printed
    assert "␛]0;pwned␇␛[31m红.pdf：".encode() in printed, printed.decode(errors="replace")


def test_five_thousand_copies_stay_linear(rubric_set: RubricSet, tmp_path: Path) -> None:
    """The audit's 5,000 copies of one form: 386 s and a 553 MB report before; now linear in time and size."""
    star = rubric_set.get("star")
    assert star is not None
    values = form_values(star, ["张三", "华北", "客服"], [sub.points for sub in star.subitems], 100)

    def copies(count: int) -> list[FormResult]:
        return [evaluate(star, values, f"副本-{n:05d}.pdf") for n in range(count)]

    sizes, times = [], []
    for count in (500, 5000):
        start = time.perf_counter()
        written = write_reports(tabulate(copies(count), rubric_set), tmp_path / str(count))
        times.append(time.perf_counter() - start)
        sizes.append(sum(path.stat().st_size for path in written))
    assert sizes[1] < 12 * sizes[0], sizes  # ten times the copies: about ten times the size, not a hundred
    html = (tmp_path / "5000" / REPORT_NAME).read_text(encoding="utf-8")
    assert html.count("共提交了 5000 份表格，见“重复提交”清单") == 5000
    assert len(html) < 6_000_000, len(html)
