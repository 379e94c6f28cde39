"""Reading rosters: .xlsx and .csv in every encoding Chinese Excel produces, column mapping, row checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.distribute.roster import read_roster
from generator.errors import UserError
from generator.model.rubric import RubricSet
from tests.roster_support import GOOD_ROWS, HEADER, write_csv, write_xlsx

EXPECTED = [
    ("star", (("name", "张伟"), ("unit", "中国电信北京分公司"), ("post", "客服代表")), "zhangwei@example.com"),
    ("team", (("team_name", "巾帼文明岗"), ("unit", "国网上海市电力公司")), "jinguo@example.com"),
    ("manager", (("name", "欧阳娜娜"), ("unit", "招商银行深圳分行"), ("post", "行长")), "ouyang@example.com"),
]


def summary(roster) -> list[tuple[str, tuple, str]]:  # type: ignore[no-untyped-def]
    return [(a.rubric.id, a.values, a.email) for a in roster.applicants]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_each_encoding_reads_the_same(tmp_path: Path, rubric_set: RubricSet, encoding: str) -> None:
    path = write_csv(tmp_path / "名单.csv", GOOD_ROWS, encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8: the fallback is exercised
    roster = read_roster(path, rubric_set, require_email=True)
    assert roster.problems == ()
    assert summary(roster) == EXPECTED
    assert [a.row for a in roster.applicants] == [2, 3, 4]


def test_semicolon_csv_and_xlsx_with_title_row(tmp_path: Path, rubric_set: RubricSet) -> None:
    text = "\r\n".join(";".join(row) for row in [HEADER, *GOOD_ROWS])
    semicolon = tmp_path / "分号.csv"
    semicolon.write_bytes(text.encode("gb18030"))
    assert summary(read_roster(semicolon, rubric_set, require_email=True)) == EXPECTED
    xlsx = write_xlsx(tmp_path / "名单.xlsx", GOOD_ROWS, title="2025年申报名单")
    roster = read_roster(xlsx, rubric_set, require_email=True)
    assert summary(roster) == EXPECTED
    assert [a.row for a in roster.applicants] == [3, 4, 5]  # Excel's row numbers, title row counted


def test_columns_in_any_order_with_aliases_extra_columns_and_blank_rows(tmp_path: Path, rubric_set: RubricSet) -> None:
    header = ["序号", "电子邮箱", "岗位", "单位：", " 姓名 ", "评分表", "备注"]
    rows: list[list[object]] = [
        [
            1,
            "ＺＨＡＮＧＷＥＩ＠ＥＸＡＭＰＬＥ．ＣＯＭ",
            "客服\n代表",
            "中国电信　北京分公司",
            "张伟\u200b",
            "STAR",
            "x",
        ],
        [None, None, None, None, None, None, None],
        [2, "li@例子.中国", 13800, "单位", "李四", "服务明星", None],
    ]
    roster = read_roster(write_xlsx(tmp_path / "乱序.xlsx", rows, header=header), rubric_set, require_email=True)
    assert roster.problems == ()
    first, second = roster.applicants
    assert first.values == (("name", "张伟"), ("unit", "中国电信 北京分公司"), ("post", "客服 代表"))
    assert first.email == "ZHANGWEI@EXAMPLE.COM"
    assert second.value("post") == "13800"  # a number cell as typed, not 13800.0
    assert second.email == "li@xn--fsqu00a.xn--fiqs8s"
    assert second.row == 4


def test_each_bad_row_named_and_the_rest_still_read(tmp_path: Path, rubric_set: RubricSet) -> None:
    rows = [
        GOOD_ROWS[0],
        ["火星表", "王五", "", "某单位", "", "w@example.com"],
        ["服务明星", "", "", "某单位", "职员", "e@example.com"],
        ["服务明星", "赵六", "", "某单位", "职员", "zhao@example"],
        ["服务明星", "张伟", "", "中国电信北京分公司", "客服代表", "other@example.com"],
        ["服务明星", "孙七", "", "某单位", "职员", "a@b.com; c@d.com"],
        ["", "周八", "", "某单位", "职员", "z@example.com"],
        ["服务明星", "吴\x1b九", "", "某单位", "职员", "wu@example.com"],
        ["服务明星", "郑" * 101, "", "某单位", "职员", "zheng@example.com"],
        ["服务明星", "张伟", "", "中国移动", "营业员", "zw2@example.com"],
        GOOD_ROWS[1],
    ]
    roster = read_roster(write_csv(tmp_path / "名单.csv", rows, "gb18030"), rubric_set, require_email=True)
    messages = [str(p) for p in roster.problems]
    assert messages == [
        "第 3 行：未知的表格“火星表”，应为：服务明星（star）、服务明星班组（team）、服务杰出管理者（manager）",
        "第 4 行：“姓名”为空",
        "第 5 行：邮箱“zhao@example”格式不正确：@ 后面的域名无效",
        "第 6 行：与第 2 行重复（表格、姓名、单位、岗位都相同），未重复生成",
        "第 7 行：邮箱“a@b.com; c@d.com”格式不正确：只能填写一个邮箱地址，且不能含空格",
        "第 8 行：“表格”为空，应填写评分表名称（服务明星（star）、服务明星班组（team）、服务杰出管理者（manager））",
        "第 9 行：“姓名”含有控制字符（吴␛九），请删除",  # shown, never sent to the terminal
        "第 10 行：“姓名”过长（101 个字，最多 100 个）",
    ]
    assert [(a.row, a.name) for a in roster.applicants] == [(2, "张伟"), (11, "张伟"), (12, "巾帼文明岗")]


def test_missing_column_is_reported_on_each_row_that_needs_it(tmp_path: Path, rubric_set: RubricSet) -> None:
    header = ["表格", "姓名", "单位", "邮箱"]  # no 岗位, no 班组名称
    rows = [
        ["服务明星", "张伟", "中国电信", "a@example.com"],
        ["服务明星班组", "巾帼文明岗", "国网", "b@example.com"],
    ]
    roster = read_roster(write_csv(tmp_path / "缺列.csv", rows, header=header), rubric_set, require_email=True)
    assert [str(p) for p in roster.problems] == [
        "第 2 行：花名册缺少“岗位”列（表格“服务明星”需要填写岗位）",
        "第 3 行：花名册缺少“班组名称”列（表格“服务明星班组”需要填写班组名称）",
    ]
    assert roster.applicants == ()


def test_email_needed_only_for_mail(tmp_path: Path, rubric_set: RubricSet) -> None:
    header = ["表格", "姓名", "单位", "岗位"]
    path = write_csv(tmp_path / "无邮箱.csv", [["服务明星", "张伟", "中国电信", "客服"]], header=header)
    assert len(read_roster(path, rubric_set, require_email=False).applicants) == 1
    roster = read_roster(path, rubric_set, require_email=True)
    assert [str(p) for p in roster.problems] == ["第 2 行：花名册缺少“邮箱”列，无法发送邮件"]
    empty = write_csv(tmp_path / "空邮箱.csv", [["服务明星", "张伟", "", "中国电信", "客服", ""]])
    assert len(read_roster(empty, rubric_set, require_email=False).applicants) == 1
    assert [str(p) for p in read_roster(empty, rubric_set, require_email=True).problems] == [
        "第 2 行：“邮箱”为空，无法发送邮件"
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名单.xls", b"\xd0\xcf\x11\xe0", "不支持旧版 Excel 格式（.xls）"),
        ("名单.pdf", b"%PDF-1.7", "不支持的文件类型“.pdf”"),
        ("坏的.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 .xlsx 文件"),
        ("空的.csv", b"", "文件是空的"),
        ("无表头.csv", "姓名,单位\n张伟,中国电信\n".encode(), "找不到表头：前 10 行中没有“表格”列"),
        ("双列.csv", "表格,姓名,姓名\n".encode(), "第 1 行表头中“姓名”列出现了两次"),
        ("乱码.csv", b"\xff\x00\xfe\x81\x30\x81" * 3 + b"\x80", "无法识别文件编码"),
    ],
)
def test_unusable_files_are_one_chinese_error(
    tmp_path: Path, rubric_set: RubricSet, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as error:
        read_roster(path, rubric_set, require_email=False)
    assert str(error.value).startswith(f"花名册 {path}：")
    assert message in str(error.value)


def test_missing_file(tmp_path: Path, rubric_set: RubricSet) -> None:
    with pytest.raises(UserError, match="找不到这个文件"):
        read_roster(tmp_path / "没有.csv", rubric_set, require_email=False)
