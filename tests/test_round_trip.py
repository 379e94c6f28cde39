"""The whole round, as an office runs it: personalise → mail → replies into the mailbox → collect →
read against the roster → remind exactly those who have not returned.

Real servers on loopback: aiosmtpd receives the outgoing mail, Dovecot holds the replies.  The
applicants' replies are the messages they received, answered with the filled form attached — a
personalised PDF, a personalised Word copy, a zip made by Windows' built-in compressor, and one
sent by a colleague from another address.
"""

from __future__ import annotations

import email
import io
import zipfile
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from generator.cli import main
from generator.model.rubric import RubricSet
from generator.reports.outputs import WORKBOOK_NAME
from tests.dovecot_support import HOST, PASSWORD_ENV, USER, Dovecot, dovecot_fixture  # noqa: F401
from tests.read_fillers import fill_pypdf, form_values
from tests.roster_support import Recorder, free_port, write_csv
from tests.word_fillers import fill_controls

ROWS = [
    ["服务明星", "张伟", "", "中国电信北京分公司", "客服代表", "zhangwei@example.com"],
    ["服务明星", "李娜", "", "国网上海市电力公司", "客户经理", "lina@example.com"],
    ["服务明星", "王芳", "", "招商银行深圳分行", "大堂经理", "wangfang@example.com"],
    ["服务明星班组", "", "巾帼文明岗", "国网上海市电力公司", "", "jinguo@example.com"],
    ["服务杰出管理者", "欧阳娜娜", "", "招商银行深圳分行", "行长", "ouyang@example.com"],
]
OFFICE = "评选办公室 <office@example.com>"
SCORES = [8, 12, 13, 9, 10, 18, 15]


@pytest.fixture
def smtp() -> Iterator[Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname=HOST, port=free_port())
    controller.start()
    recorder.port = controller.port  # type: ignore[attr-defined]
    yield recorder
    controller.stop()


def send_args(roster: Path, out: Path, port: int, *extra: str) -> list[str]:
    server = ["--smtp-host", HOST, "--smtp-port", str(port), "--security", "none", "--rate", "60000"]
    settings = ["--from", OFFICE, "--deadline", "7月31日", "--out", str(out)]
    return ["mail", str(roster), *settings, "--send", *server, *extra]


def reply(received: bytes, sender: str, name: str, data: bytes, subtype: str) -> bytes:
    """The applicant's answer to the form they received: Re: its subject, the filled form attached."""
    original = email.message_from_bytes(received, policy=policy.default)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = OFFICE
    message["Subject"] = f"Re: {original['Subject']}"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="example.com")
    message["In-Reply-To"] = original["Message-ID"]
    message.set_content("表格已填好，见附件。")
    maintype, _, sub = subtype.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=sub, filename=name)
    return message.as_bytes()


def windows_zip(name: str, data: bytes) -> bytes:
    """A zip as Windows' built-in compressor writes it: the member name in GBK, no UTF-8 flag."""

    class GbkName(zipfile.ZipInfo):
        def _encodeFilenameFlags(self) -> tuple[bytes, int]:
            return self.filename.encode("gbk"), self.flag_bits & ~0x800

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(GbkName(name), data)
    return buffer.getvalue()


def attachment(message: bytes, suffix: str) -> bytes:
    parsed = email.message_from_bytes(message, policy=policy.default)
    return next(p.get_content() for p in parsed.iter_attachments() if p.get_filename().endswith(suffix))


def test_the_whole_round(rubric_set: RubricSet, dovecot: Dovecot, smtp: Recorder, tmp_path: Path) -> None:
    port = smtp.port  # type: ignore[attr-defined]
    roster = write_csv(tmp_path / "花名册.csv", ROWS, "utf-8-sig")
    sent = tmp_path / "邮件"
    assert main(send_args(roster, sent, port)) == 0
    received = {tos[0]: raw for tos, raw in smtp.received}
    assert sorted(received) == sorted(row[-1] for row in ROWS)

    star, team = rubric_set.get("star"), rubric_set.get("team")
    assert star is not None and team is not None
    work = tmp_path / "填表"
    work.mkdir()
    zhang = work / "张伟.pdf"
    zhang.write_bytes(attachment(received["zhangwei@example.com"], ".pdf"))
    filled = fill_pypdf(
        zhang, work / "张伟 已填.pdf", form_values(star, ["张伟", "中国电信北京分公司", "客服代表"], SCORES)
    )
    li = work / "李娜.pdf"
    li.write_bytes(attachment(received["lina@example.com"], ".pdf"))
    li_filled = fill_pypdf(
        li, work / "李娜 已填.pdf", form_values(star, ["李娜", "国网上海市电力公司", "客户经理"], SCORES)
    )
    assert main(["personalize", str(roster), "--format", "docx", "--out", str(work / "word")]) == 0
    team_values = form_values(team, ["巾帼文明岗", "国网上海市电力公司"], [9, 12, 13, 9, 9, 18, 18])
    team_docx = fill_controls(work / "word" / "服务明星班组-巾帼文明岗.docx", work / "巾帼.docx", team_values)
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    replies = [
        reply(received["zhangwei@example.com"], "张伟 <zhangwei@example.com>", "自评表-张伟.pdf",
              filled.read_bytes(), "application/pdf"),
        reply(received["lina@example.com"], "同事 <colleague@example.com>", "李娜.zip",
              windows_zip("李娜 自评表.pdf", li_filled.read_bytes()), "application/zip"),
        reply(received["jinguo@example.com"], "巾帼文明岗 <jinguo@example.com>", "班组自评表.docx",
              team_docx.read_bytes(), word),
    ]  # fmt: skip
    dovecot.append("表格回收", replies)

    inbox = tmp_path / "回收"
    server = ["--imap-host", HOST, "--imap-port", str(dovecot.port), "--security", "none"]
    account = ["--imap-user", USER, "--password-env", PASSWORD_ENV, "--folder", "表格回收"]
    collect = ["collect", *server, *account, "--out", str(inbox)]
    assert main(collect) == 0
    assert len([p for p in inbox.iterdir() if p.suffix in (".pdf", ".docx")]) == 3
    assert main(collect) == 0, "a second run finds nothing new"
    assert len([p for p in inbox.iterdir() if p.suffix in (".pdf", ".docx")]) == 3

    results = tmp_path / "汇总"
    assert main(["read", str(inbox), "--roster", str(roster), "--out", str(results)]) in (0, 1)
    sheet = load_workbook(results / WORKBOOK_NAME)["名单核对"]
    status = {row[2]: row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert status == {"张伟": "已交", "李娜": "已交", "王芳": "未交", "巾帼文明岗": "已交", "欧阳娜娜": "未交"}

    smtp.received.clear()
    assert main(send_args(roster, sent, port, "--remind", str(inbox), "--round", "第一轮")) == 0
    assert sorted(smtp.recipients()) == ["ouyang@example.com", "wangfang@example.com"]
