"""Who has returned: ``read --roster`` against personalised and plain returns, and reminders to the rest."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from generator.cli import main
from generator.distribute.roster import read_roster
from generator.model.rubric import RubricSet
from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME
from generator.reports.roster_check import ROSTER_JSON
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.roster_support import HOST, Recorder, free_port, write_csv
from tests.word_fillers import fill_controls

ROWS = [
    ["服务明星", "张伟", "", "中国电信北京分公司", "客服代表", "zhangwei@example.com"],
    ["服务明星", "李娜", "", "国网上海市电力公司", "客户经理", "lina@example.com"],
    ["服务明星", "王芳", "", "招商银行深圳分行", "大堂经理", "wangfang@example.com"],
    ["服务明星班组", "", "巾帼文明岗", "国网上海市电力公司", "", "jinguo@example.com"],
    ["服务杰出管理者", "欧阳娜娜", "", "招商银行深圳分行", "行长", "ouyang@example.com"],
]
STAR_SCORES = [8, 12, 13, 9, 10, 18, 15]


@pytest.fixture
def round_trip(rubric_set: RubricSet, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A roster, its personalised forms, and an inbox of returns: 张伟 twice (his own PDF, and the Word
    copy with his name retyped), 李娜 on a plain form typed by hand, 巾帼文明岗's Word copy, and someone
    not on the roster; 王芳 and 欧阳娜娜 return nothing."""
    roster = write_csv(tmp_path / "花名册.csv", ROWS, "utf-8-sig")
    forms = tmp_path / "个人表格"
    assert main(["personalize", str(roster), "--out", str(forms), "--format", "pdf,docx"]) == 0
    star = rubric_set.get("star")
    team = rubric_set.get("team")
    assert star is not None and team is not None
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    own = form_values(star, ["张伟", "中国电信北京分公司", "客服代表"], STAR_SCORES)
    fill_pypdf(forms / "服务明星-张伟.pdf", inbox / "张伟.pdf", own)
    retyped = form_values(star, ["张　伟（客服）", "电信北京", "客服代表"], STAR_SCORES)
    fill_controls(forms / "服务明星-张伟.docx", inbox / "张伟 补交.docx", retyped)
    plain = write_form(star, tmp_path / "blank.pdf")
    fill_pypdf(plain, inbox / "李娜.pdf", form_values(star, ["李 娜", "国网上海市电力公司", "客户经理"], STAR_SCORES))
    team_values = form_values(team, ["巾帼文明岗", "国网上海市电力公司"], [9, 12, 13, 9, 9, 18, 18])
    fill_controls(forms / "服务明星班组-巾帼文明岗.docx", inbox / "巾帼文明岗.docx", team_values)
    fill_pypdf(plain, inbox / "赵六.pdf", form_values(star, ["赵六", "某公司", "职员"], STAR_SCORES))
    return roster, inbox, tmp_path / "汇总"


def test_read_with_the_roster_says_who_has_returned(round_trip, capsys) -> None:
    roster, inbox, out = round_trip
    assert main(["read", str(inbox), "--roster", str(roster), "--out", str(out)]) in (0, 1)
    printed = capsys.readouterr().out
    assert "名单核对：花名册 5 人，已交 3 人（其中多次提交 1 人），未交 2 人；名单外的表格 1 份。" in printed
    sheet = load_workbook(out / WORKBOOK_NAME)["名单核对"]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    status = {row[2]: row[5] for row in rows}
    assert status == {
        "张伟": "多次提交",
        "李娜": "已交",
        "王芳": "未交",
        "巾帼文明岗": "已交",
        "欧阳娜娜": "未交",
        "赵六": "名单外",
    }
    zhang = next(row for row in rows if row[2] == "张伟")
    assert zhang[6] == 2 and "PDF" in zhang[8] and "Word" in zhang[8]
    assert "张伟 补交.docx" in zhang[7], "the retyped Word copy still finds its row by the roster key"
    li = next(row for row in rows if row[2] == "李娜")
    assert "按姓名和单位核对" in li[10]
    saved = json.loads((out / ROSTER_JSON).read_text(encoding="utf-8"))["roster"]
    assert [row["status"] for row in saved] == ["多次提交", "已交", "未交", "已交", "未交"]
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "名单核对" in html and "名单外" in html and "欧阳娜娜" in html


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname=HOST, port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


def remind(roster: Path, out: Path, port: int, *extra: str) -> int:
    settings = ["--from", "人力资源部 <hr@example.com>", "--deadline", "7月31日", "--out", str(out)]
    server = ["--smtp-host", HOST, "--smtp-port", str(port), "--security", "none", "--rate", "60000"]
    return main(["mail", str(roster), *settings, "--send", *server, *extra])


def test_reminders_reach_exactly_those_who_have_not_returned(
    round_trip, smtp: tuple[Recorder, int], rubric_set: RubricSet, tmp_path: Path
) -> None:
    roster, inbox, _ = round_trip
    recorder, port = smtp
    out = tmp_path / "邮件"
    assert remind(roster, out, port, "--remind", str(inbox), "--round", "第一轮") == 0
    assert sorted(recorder.recipients()) == ["ouyang@example.com", "wangfang@example.com"]
    message = email.message_from_bytes(recorder.received[0][1], policy=policy.default)
    assert str(message["Subject"]).startswith("提醒：") and "尚未收到" in message.get_body().get_content()
    attached = [part for part in message.iter_attachments()]
    assert len(attached) == 1 and attached[0].get_filename().endswith(".pdf"), "a fresh copy of their form"
    assert (out / "催交-第一轮" / "发送记录.jsonl").is_file()
    assert remind(roster, out, port, "--remind", str(inbox), "--round", "第一轮") == 0
    assert len(recorder.recipients()) == 2, "nobody is reminded twice in one round"
    assert remind(roster, out, port, "--remind", str(inbox), "--round", "第二轮") == 0
    assert len(recorder.recipients()) == 4, "a new round reminds again"


def test_reminders_from_a_previous_roster_check(round_trip, smtp: tuple[Recorder, int], tmp_path: Path) -> None:
    roster, inbox, results = round_trip
    recorder, port = smtp
    assert main(["read", str(inbox), "--roster", str(roster), "--out", str(results)]) in (0, 1)
    assert remind(roster, tmp_path / "邮件", port, "--remind-from", str(results)) == 0
    assert sorted(recorder.recipients()) == ["ouyang@example.com", "wangfang@example.com"]


def test_remind_from_a_folder_without_a_roster_check_is_a_clear_error(round_trip, tmp_path: Path, capsys) -> None:
    roster, _, _ = round_trip
    sender = ["--from", "人力资源部 <hr@example.com>", "--deadline", "7月31日"]
    assert main(["mail", str(roster), *sender, "--remind-from", str(tmp_path), "--out", str(tmp_path / "邮件")]) == 1
    err = capsys.readouterr().err
    assert "名单核对.json 不存在" in err and "read" in err and "Traceback" not in err


def test_personalised_word_forms_carry_the_values_and_the_roster_key(round_trip, rubric_set: RubricSet) -> None:
    roster, _, _ = round_trip
    from generator.readers.returns import read_return

    applicants = read_roster(roster, rubric_set, require_email=False).applicants
    forms = roster.parent / "个人表格"
    for applicant in applicants:
        stem = f"{applicant.rubric.name}-{applicant.name}"
        for suffix in (".pdf", ".docx"):
            result = read_return(forms / f"{stem}{suffix}", rubric_set)
            assert result.read and result.roster_key == applicant.roster_key, (stem, suffix)
            assert result.applicant == dict(applicant.values)
