"""The regression corpus: every hostile input the audits found, and its neighbours, as data.

Unit tests check each case's exact message; ``tests/test_regression_corpus.py``
runs every command against all of them at once.  Files are generated into a
folder (nothing binary is committed): rubric files here, returned files by
:mod:`tests.hostile`, rosters by :mod:`tests.hostile_rosters`.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

GOOD_RUBRICS = (ROOT / "rubrics.toml").read_text(encoding="utf-8")
STAR_TITLE = 'title = "全国用户满意服务明星自评标准"'
TEAM_TITLE = 'title = "全国用户满意服务明星班组自评标准"'
STAR_NAME = ('name = "服务明星"', 'name = "服务明星?"')

RUBRIC_EDITS: list[tuple[str, str, str]] = [
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
]
"""(old, new, expected message): the bundled file with one edit, refused with this message."""

RAW_RUBRICS: list[tuple[str, str]] = [
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
]
"""(whole file, expected message): files that are not a rubric file at all."""


def edited_rubrics(*replacements: tuple[str, str]) -> str:
    """The bundled rubric text with each (old, new) replaced once."""
    text = GOOD_RUBRICS
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def rubric_corpus(folder: Path) -> dict[str, Path]:
    """Every hostile rubric file of the corpus, written into ``folder``, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for number, (old, new, _) in enumerate(RUBRIC_EDITS, 1):
        edits = [(old, new), *([STAR_NAME] if "服务明星:" in new else [])]
        files[f"edit-{number:02d}.toml"] = folder / f"edit-{number:02d}.toml"
        files[f"edit-{number:02d}.toml"].write_text(edited_rubrics(*edits), encoding="utf-8")
    for number, (text, _) in enumerate(RAW_RUBRICS, 1):
        files[f"raw-{number:02d}.toml"] = folder / f"raw-{number:02d}.toml"
        files[f"raw-{number:02d}.toml"].write_text(text, encoding="utf-8")
    return files


INJECTED_NAME = "=?utf-8?b?DQpCY2M6IGV2aWxAZXZpbC5leGFtcGxl?="
INJECTED_ADDRESS = "=?utf-8?q?=0D=0ABcc=3A_e=40evil.example?=@x.cn"
ROSTER_ROWS: dict[str, list[list[object]]] = {
    "encoded-word-name.csv": [["服务明星", INJECTED_NAME, "", "某单位", "", "a@example.com"]],
    "encoded-word-q.csv": [["服务明星", "=?utf-8?q?=0D=0AX-Injected:_1?=", "", "某单位", "", "b@example.com"]],
    "encoded-word-address.csv": [["服务明星", "张三", "", "某单位", "", INJECTED_ADDRESS]],
    "terminal-escape.csv": [["服务明星", "吴\x1b]0;pwned\x07九", "", "某\x1b[2J单位", "", "wu@example.com"]],
    "bidi-and-zero-width.csv": [["服务明星", "\u202e张三\u200b", "", "某单位", "", "c@example.com"]],
    "path-escape.csv": [
        ["服务明星", "../../逃逸", "", "C:\\Windows", "", "d@example.com"],
        ["服务明星", "CON", "", "", "", "d2@example.com"],
    ],
    "formula-like.csv": [["服务明星", '=HYPERLINK("http://x")', "", "+1", "@岗位", "e@example.com"]],
    "unknown-rubric.csv": [["火星表", "王五", "", "", "", "f@example.com"]],
    "no-name.csv": [["服务明星", "", "", "某单位", "", "g@example.com"]],
}
ROSTERS_ACCEPTED = {"path-escape.csv": 2, "formula-like.csv": 1, "stale-dimension.xlsx": 3}
"""Hostile-looking rosters that are really good ones (values are made safe, not refused): how many forms each gives."""


def roster_corpus(folder: Path, base_xlsx: Path) -> dict[str, Path]:
    """Every hostile roster of the corpus in ``folder``: CSV files with hostile values, and broken .xlsx files.

    ``base_xlsx`` is a good roster written by openpyxl, the starting point of the damaged workbooks.
    """
    from tests import hostile_rosters as damaged
    from tests.roster_support import GOOD_ROWS, write_csv

    folder.mkdir(parents=True, exist_ok=True)
    files = {name: write_csv(folder / name, rows) for name, rows in ROSTER_ROWS.items()}  # type: ignore[arg-type]
    unbalanced = write_csv(folder / "unbalanced-quote.csv", GOOD_ROWS)
    unbalanced.write_bytes(
        unbalanced.read_bytes().replace(b"\xe5\xbc\xa0\xe4\xbc\x9f", b'"\xe5\xbc\xa0\xe4\xbc\x9f', 1)
    )
    files["unbalanced-quote.csv"] = unbalanced
    files["empty.csv"] = folder / "empty.csv"
    files["empty.csv"].write_bytes(b"")
    files["not-a-zip.xlsx"] = folder / "not-a-zip.xlsx"
    files["not-a-zip.xlsx"].write_bytes("这不是工作簿".encode())
    files["bomb.xlsx"] = damaged.bomb_xlsx(folder / "bomb.xlsx", base_xlsx, 512 * 1024 * 1024)
    files["zeros.xlsx"] = damaged.zeros_xlsx(folder / "zeros.xlsx", base_xlsx, 64 * 1024 * 1024)
    stale = folder / "stale-dimension.xlsx"
    stale.write_bytes(base_xlsx.read_bytes())
    files["stale-dimension.xlsx"] = damaged.stale_dimension(stale, "A1:F2")
    files["second-sheet.xlsx"] = damaged.workbook(
        folder / "second-sheet.xlsx",
        {"一组": damaged.roster_rows(GOOD_ROWS[0]), "二组": damaged.roster_rows(GOOD_ROWS[1]), "说明": [["备注"]]},
    )
    return files
