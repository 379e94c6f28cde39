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
from tests.conftest import ROOT

GOOD = (ROOT / "rubrics.toml").read_text(encoding="utf-8")
STAR_TITLE = 'title = "全国用户满意服务明星自评标准"'
TEAM_TITLE = 'title = "全国用户满意服务明星班组自评标准"'


def write(tmp_path: Path, *replacements: tuple[str, str], text: str | None = None) -> Path:
    content = GOOD if text is None else text
    for old, new in replacements:
        if not old:
            continue
        assert old in content, old
        content = content.replace(old, new, 1)
    path = tmp_path / "rubrics.toml"
    path.write_text(content, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        load(path)
    message = str(caught.value)
    assert message.isprintable() or "\n" in message
    return message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('id = "star"', 'id = "star\\n"', "rubric[1].id：含有换行符，请删除"),
        ('id = "ethics"', 'id = "ethics\\t"', "rubric[1].items[1].id：含有制表符，请删除"),
        (STAR_TITLE, 'title = "全国\\u0000自评标准"', "rubric[1].title：含有空字符（NUL），请删除"),
        (STAR_TITLE, 'title = "全国\\u001b[31m自评标准"', "rubric[1].title：含有控制字符（U+001B），请删除"),
        (STAR_TITLE, 'title = "全国\\u202e自评标准"', "rubric[1].title：含有不可见的格式字符（U+202E），请删除"),
        ('name = "道德高尚"', 'name = "道德\\uffff高尚"', "rubric[1].items[1].name：含有无效字符（U+FFFF），请删除"),
        ('subject = "工作在', 'subject = "\\u0007工作在', "rubric[1].subject：含有控制字符（U+0007），请删除"),
        ("points = 10\n", "points = 10.5\n", "rubric[1].items[1].points：应为整数，实际是 小数 10.5"),
        ("total = 100", "total = 2024-01-01", "rubric[1].total：应为整数，实际是 日期"),
        (STAR_TITLE, 'title = "///"', "rubric[1].title：标题“///”去掉文件名中不能用的字符后什么也不剩"),
        (STAR_TITLE, 'title = "..."', "无法用作表格文件名"),
        (TEAM_TITLE, STAR_TITLE, "rubric[2].title：标题“全国用户满意服务明星自评标准”与 rubric[1].title"),
        (TEAM_TITLE, 'title = "全国用户满意服务明星自评标准 "', "生成相同的表格文件名"),
        ('name = "服务明星班组"', 'name = "服务明星"', "rubric[2].name：名称“服务明星”与 rubric[1].name"),
        (
            'name = "服务明星班组"',
            'name = "服务明星:"',
            "与 rubric[1].name 的“服务明星?”生成相同的汇总文件名“服务明星_”",
        ),
    ],
)
def test_refused_with_key_and_rule(tmp_path: Path, old: str, new: str, expected: str) -> None:
    star_name = ('name = "服务明星"', 'name = "服务明星?"') if "服务明星:" in new else ("", "")
    message = refused(write(tmp_path, (old, new), star_name))
    assert expected in message and "Traceback" not in message


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("foo\n", "第 1 行第 4 列：TOML 语法错误：键的后面缺少“=”"),
        ("x = \n", "TOML 语法错误：值无效"),
        ('x = "abc\n', "TOML 语法错误：文字中含有不允许的字符（可能是文字缺少结尾的英文双引号）"),
        ('x = "abc', "TOML 语法错误：文字缺少结尾的英文双引号"),
        ("x = [1, 2\n", "TOML 语法错误：列表缺少结尾的“]”"),
        ("x = 1\nx = 2\n", "TOML 语法错误：同一个键写了两次"),
        ("[a\n", "TOML 语法错误：表名缺少结尾的“]”"),
        ("= 1\n", "TOML 语法错误：无法识别的语句"),
        ("a.= 1\n", "TOML 语法错误：键名以无效的字符开头"),
        ("x = 1 y = 2\n", "TOML 语法错误：一行只能写一条语句"),
        ("x = " + "[" * 100_000 + "]" * 100_000 + "\n", "嵌套层次过深"),
        ("x = " + "{a=" * 50_000 + "1" + "}" * 50_000 + "\n", "嵌套层次过深"),
    ],
)
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
