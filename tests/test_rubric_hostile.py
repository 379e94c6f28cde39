"""Hostile rubric files: every one refused in Chinese with file, key and rule, or made safe — never a traceback.

The cases of the hardening audit (ids with a trailing newline, deep nesting,
titles that escape ``--out``, names Excel cannot take as sheet names, control
characters, English parser messages) and their neighbours.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator.cli import main
from generator.model.loader import RubricError, load
from generator.reports.tabulate import tabulate
from generator.reports.workbook import workbook_bytes
from tests.corpus import RAW_RUBRICS, RUBRIC_EDITS, STAR_NAME, STAR_TITLE, edited_rubrics


def write(tmp_path: Path, *replacements: tuple[str, str], text: str | None = None) -> Path:
    path = tmp_path / "rubrics.toml"
    path.write_text(edited_rubrics(*replacements) if text is None else text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        load(path)
    message = str(caught.value)
    assert message.isprintable() or "\n" in message
    return message


@pytest.mark.parametrize(("old", "new", "expected"), RUBRIC_EDITS)
def test_refused_with_key_and_rule(tmp_path: Path, old: str, new: str, expected: str) -> None:
    edits = [(old, new), *([STAR_NAME] if "服务明星:" in new else [])]
    message = refused(write(tmp_path, *edits))
    assert expected in message and "Traceback" not in message


@pytest.mark.parametrize(("broken", "expected"), RAW_RUBRICS)
def test_syntax_errors_are_chinese_with_no_english_left(tmp_path: Path, broken: str, expected: str) -> None:
    message = refused(write(tmp_path, text=broken))
    assert expected in message
    assert not any(word in message for word in ("Invalid", "Expected", "Unclosed", "Cannot", "line", "column"))


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "rubrics.toml"
    path.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert "文件过大" in refused(path)


@pytest.mark.parametrize(
    "title",
    ["../../逃逸", "/etc/passwd", "C:\\Windows\\逃逸", "CON", "a/../../b", "评审" * 100, "标题: 试行? <版> *"],
)
def test_titles_become_safe_file_names_inside_out(tmp_path: Path, title: str) -> None:
    rubrics = write(tmp_path, (STAR_TITLE, f"title = {title!r}".replace("'", '"').replace("\\\\", "\\\\")))
    out = tmp_path / "out"
    assert main(["build", str(rubrics), "--out", str(out)]) == 0
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".pdf", ".docx"))
    assert len(written) == 6 and all(p.parent == out for p in written), written
    assert all(len(p.name.encode("utf-8")) <= 255 for p in written)


def test_names_excel_cannot_take_become_distinct_sheet_names(tmp_path: Path) -> None:
    rubrics = load(
        write(
            tmp_path,
            ('name = "服务明星"', 'name = "A/B[1]*?: 服务明星之星之星之星之星之星之星之星之星之星"'),
            ('name = "服务明星班组"', 'name = "问题"'),
        )
    )
    sheets = load_workbook(io.BytesIO(workbook_bytes(tabulate([], rubrics)))).sheetnames
    assert sheets[0] == "A_B_1____ 服务明星之星之星之星之星之星之星之星之星之"[:31]
    assert sheets[1:] == ["问题", "服务杰出管理者", "问题(2)"]
    assert all(len(name) <= 31 for name in sheets)
