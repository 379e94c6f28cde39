"""The keying workbook across ``read`` runs: the clerk's seal calls stay the clerk's, the scan's stay the scan's,
and a previous workbook that cannot be read back, or is not written again, is kept aside."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.atomic import write_file_set
from generator.cli import main
from generator.model.rubric import RubricSet
from generator.readers.keyed import FIRST_ROW, KEY_ROW, MARKER_SHEET
from generator.readers.paper import join_pairs
from generator.readers.results import FormResult, ScanEvidence
from generator.reports import outputs
from generator.reports.keying import keying_workbook
from generator.reports.outputs import KEYING_NAME, PREVIOUS_KEYING_NAME
from generator.reports.tabulate import Tabulation
from tests import scan_factory as sf
from tests.scan_batch import PAPERS, build_batch, printed
from tests.test_keying import STAR, rubric_named, scanned


class Runs:
    """``rubric-forms read`` run into one output folder; each run's results as it tabulated them."""

    def __init__(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.out = out
        self.results: list[FormResult] = []
        write = outputs.write_reports

        def capture(tabulation: Tabulation, out_dir: Path) -> list[Path]:
            self.results = list(tabulation.results)
            return write(tabulation, out_dir)

        monkeypatch.setattr(outputs, "write_reports", capture)

    def read(self, *paths: Path) -> list[FormResult]:
        assert main(["read", *map(str, paths), "--out", str(self.out), "--jobs", "2"]) in (0, 1)
        return self.results


def seal_cells(path: Path) -> dict[str, tuple[object, object]]:
    """Per 编号: the scan's seal call (locked) and the 印章 cell (the clerk's)."""
    found = {}
    book = load_workbook(path)
    for sheet in (s for s in book.worksheets if s.title != MARKER_SHEET):
        column = {cell.value: cell.column for cell in sheet[KEY_ROW] if cell.value}
        (seal,) = [key for key in column if str(key).endswith("-seal") and not str(key).startswith(("scan:", "image:"))]
        for row in range(FIRST_ROW, sheet.max_row + 1):
            application = str(sheet.cell(row, column["application_id"]).value)
            found[application] = (sheet.cell(row, column[f"scan:{seal}"]).value, sheet.cell(row, column[seal]).value)
    return found


def key_seal(path: Path, application_id: str, text: str) -> None:
    """The clerk picks ``text`` in the 印章 cell of ``application_id``."""
    book = load_workbook(path)
    for sheet in (s for s in book.worksheets if s.title != MARKER_SHEET):
        column = {cell.value: cell.column for cell in sheet[KEY_ROW] if cell.value}
        for row in range(FIRST_ROW, sheet.max_row + 1):
            if sheet.cell(row, column["application_id"]).value == application_id:
                seal = next(k for k in column if str(k).endswith("-seal") and ":" not in str(k))
                sheet.cell(row, column[seal]).value = text
    book.save(path)


def by_key(results: list[FormResult], key: str) -> FormResult:
    (found,) = [r for r in results if r.read and r.roster_key == key]
    return found


def test_the_scans_seal_call_is_never_read_back_as_the_clerks(
    rubric_set: RubricSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B is scanned unstamped, twice read, then stamped and scanned again: sealed.  D's greyscale scan shows
    无法判断; the clerk picks 已盖章, which holds across runs."""
    batch = build_batch(rubric_set, tmp_path, papers=("B", "D"))
    b_id, d_id = (f"{PAPERS[n].rubric_id}-{batch.keys[n]}" for n in "BD")
    runs = Runs(tmp_path / "out", monkeypatch)
    for _ in range(2):  # the workbook is not touched between the runs
        results = runs.read(batch.folder)
        assert by_key(results, batch.keys["B"]).seal == "absent"
        assert by_key(results, batch.keys["D"]).seal == "unclear"
        assert seal_cells(runs.out / KEYING_NAME) == {b_id: ("未见印章", None), d_id: ("无法判断", None)}

    key_seal(runs.out / KEYING_NAME, d_id, "已盖章")
    again = tmp_path / "补扫"
    again.mkdir()
    stamped = replace(PAPERS["B"], seal="full", dpi=200, distort={})
    sf.save_image_pdf(printed(batch.electronic["B"], stamped), again / "B 补盖章.pdf", 200)
    sf.save_image_pdf(printed(batch.electronic["D"], PAPERS["D"]), again / "D.pdf", 200)
    for _ in range(2):
        results = runs.read(again)
        b, d = by_key(results, batch.keys["B"]), by_key(results, batch.keys["D"])
        assert (b.seal, b.eligibility) == ("sealed", "unknown")  # the new scan's call; nothing keyed yet
        assert d.seal == "sealed" and d.scan is not None and d.scan.seal == "unclear"  # the clerk's call
        assert seal_cells(runs.out / KEYING_NAME) == {b_id: ("已盖章", None), d_id: ("无法判断", "已盖章")}


def test_a_previous_workbook_not_read_back_is_kept_aside_and_said(
    rubric_set: RubricSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A previous 录入表.xlsx of another format version: its keyed values cannot be taken, so it is kept as
    录入表（上次）.xlsx and the terminal says so; a run without scans deletes 录入表.xlsx, and the copy stays."""
    out, inputs = tmp_path / "out", tmp_path / "回收"
    inputs.mkdir()
    (inputs / "说明.txt").write_text("不是表格", encoding="utf-8")
    data = keying_workbook([scanned(rubric_named(rubric_set, "star"), STAR[0])], rubric_set)
    assert data is not None
    book = load_workbook(io.BytesIO(data))
    book[MARKER_SHEET].cell(2, 2).value = "9"  # a later version of the program wrote it
    later = io.BytesIO()
    book.save(later)
    before = later.getvalue()
    write_file_set(out, {KEYING_NAME: before}, outputs.OWNER)  # as the previous run wrote it

    assert main(["read", str(inputs), "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert (out / PREVIOUS_KEYING_NAME).read_bytes() == before
    assert not (out / KEYING_NAME).exists()  # no scans this run: the set has no keying workbook
    assert f"上次的录入表 {out / KEYING_NAME} 未能完整读取" in said
    assert f"原文件已另存一份：{out / PREVIOUS_KEYING_NAME}" in said

    write_file_set(out, {KEYING_NAME: data}, outputs.OWNER)  # a sound one this time, but no scans this run
    assert main(["read", str(inputs), "--out", str(out)]) == 1
    said = capsys.readouterr().out
    assert (out / PREVIOUS_KEYING_NAME).read_bytes() == data and not (out / KEYING_NAME).exists()
    assert f"未生成新的录入表；上次的录入表已另存一份：{out / PREVIOUS_KEYING_NAME}" in said

    assert main(["read", str(inputs), "--out", str(out)]) == 1  # nothing to keep: the copy stays as it is
    assert (out / PREVIOUS_KEYING_NAME).read_bytes() == data
    assert "录入表" not in capsys.readouterr().out


def test_a_scan_joins_the_file_it_was_found_in_and_no_other(rubric_set: RubricSet) -> None:
    """A form read from ``x`` and a scan found in ``x 第2版.pdf``: another file, not joined."""
    form = FormResult(source="x", read=True, format="pdf", rubric_id="star")
    pages = ("x 第2版.pdf 第 1 页", "x 第2版.pdf 第 2 页")
    evidence = ScanEvidence("star-1", pages, page_refs=(("x 第2版.pdf", 1), ("x 第2版.pdf", 2)))
    paper = FormResult(source="；".join(pages), read=True, format="scan", rubric_id="star", scan=evidence)
    assert join_pairs([form], [paper], rubric_set) == [form, paper]
    same_file = replace(paper, scan=replace(evidence, page_refs=(("x", 3), ("x", 4))))
    (joined,) = join_pairs([form], [same_file], rubric_set)
    assert joined.source == "x" and joined.scan == same_file.scan
