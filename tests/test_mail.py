"""Building the messages: templates, standard encodings of Chinese, the attachment; the mail config; .eml output."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from generator.cli import main
from generator.distribute.mail import MailSettings, build_message, parse_address
from generator.distribute.mail_config import load_config, mail_settings, merged, smtp_settings
from generator.distribute.roster import Applicant
from generator.errors import UserError
from generator.model.rubric import RubricSet
from tests.roster_support import GOOD_ROWS, pdf_values, write_csv

SETTINGS = MailSettings(
    sender=parse_address("人力资源部 <hr@example.com>", "发件人"),
    return_address=parse_address("评审办公室 <pingshen@example.com>", "回复地址"),
    deadline="2025年7月31日",
)
FAKE_PDF = b"%PDF-1.7\n% a stand-in attachment\n%%EOF\n"


@pytest.fixture
def zhang(rubric_set: RubricSet) -> Applicant:
    star = rubric_set.get("star")
    assert star is not None
    values = (("name", "张伟"), ("unit", "中国电信北京分公司"), ("post", ""))
    return Applicant(2, star, values, "zhangwei@example.com")


def test_message_headers_are_standard_encoded_and_decode_to_the_chinese(zhang: Applicant) -> None:
    raw = build_message(zhang, SETTINGS, "服务明星-张伟.pdf", FAKE_PDF).as_bytes()
    assert raw.isascii()  # RFC 2047 / 2231 / base64: 7-bit clean for any server
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?b?" in head and b"\r\n" in raw
    assert b"filename*=utf-8''" in raw or b"filename*0*=utf-8''" in raw
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "请填写《全国用户满意服务明星自评标准》（张伟），2025年7月31日前交回"
    assert parsed["To"].addresses[0].display_name == "张伟"
    assert parsed["To"].addresses[0].addr_spec == "zhangwei@example.com"
    assert str(parsed["From"]) == "人力资源部 <hr@example.com>"
    assert str(parsed["Reply-To"]) == "评审办公室 <pingshen@example.com>"
    assert parsed["Message-ID"].endswith("@example.com>")
    body = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")  # MIME text is CRLF inside base64
    assert body.startswith("张伟：\n")
    assert "附件“服务明星-张伟.pdf”是为您准备的《全国用户满意服务明星自评标准》，表头中的姓名、单位已经预先填好" in body
    assert "于2025年7月31日前发送至 pingshen@example.com" in body
    assert "人力资源部" in body
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "服务明星-张伟.pdf"
    assert attachment.get_content() == FAKE_PDF


def test_no_reply_to_when_forms_go_back_to_the_sender(zhang: Applicant) -> None:
    same = MailSettings(SETTINGS.sender, SETTINGS.sender, "7月31日")
    parsed = email.message_from_bytes(build_message(zhang, same, "a.pdf", FAKE_PDF).as_bytes(), policy=policy.default)
    assert parsed["Reply-To"] is None
    assert "发送至 hr@example.com" in parsed.get_body(("plain",)).get_content()


def test_addresses_are_checked() -> None:
    assert parse_address("hr@example.com", "发件人").display_name == ""
    with pytest.raises(UserError, match="发件人无效：邮箱“hr@localhost”格式不正确"):
        parse_address("人力资源部 <hr@localhost>", "发件人")
    with pytest.raises(UserError, match="发件人无效：“人力资源部 <hr@>”不是邮箱地址"):
        parse_address("人力资源部 <hr@>", "发件人")
    with pytest.raises(UserError, match="回复地址无效"):
        parse_address("不是地址", "回复地址")


def test_config_file_with_options_over_it(tmp_path: Path) -> None:
    config_path = tmp_path / "mail.toml"
    config_path.write_text(
        '[smtp]\nhost = "smtp.example.com"\nsecurity = "ssl"\nuser = "hr@example.com"\nper_minute = 30\n'
        '[mail]\nfrom = "人力资源部 <hr@example.com>"\ndeadline = "7月31日"\n',
        encoding="utf-8",
    )
    config = load_config(config_path)
    smtp = smtp_settings(merged(config, "smtp", {"host": None, "port": None, "per_minute": 5}))
    assert (smtp.host, smtp.port, smtp.security, smtp.user, smtp.per_minute) == (
        "smtp.example.com", 465, "ssl", "hr@example.com", 5.0)  # fmt: skip
    mail = mail_settings(merged(config, "mail", {"deadline": "8月1日", "reply_to": None}))
    assert mail.deadline == "8月1日" and mail.return_address == mail.sender


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[smtp]\nhost = "h"\npassword = "secret"\n', "不能在配置文件中写密码（smtp.password）"),
        ('[smtp]\nsmtp_password = "secret"\n', "不能在配置文件中写密码（smtp.smtp_password）"),
        ('[mail]\n"密码" = "secret"\n', "不能在配置文件中写密码（mail.密码）"),
        ('[smtp]\nhots = "h"\n', "[smtp] 中未知的键 “hots”"),
        ('[smtp]\nport = "25"\n', "[smtp] port 的值类型不对"),
        ("[server]\n", "未知的表 [server]"),
        ("[smtp\n", "TOML 语法错误"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mail.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as error:
        load_config(path)
    assert str(error.value).startswith(f"邮件配置文件 {path}：") and message in str(error.value)


def test_missing_settings_are_named() -> None:
    with pytest.raises(UserError, match="缺少发件人"):
        mail_settings({"deadline": "7月31日"})
    with pytest.raises(UserError, match="缺少交回截止日期"):
        mail_settings({"from": "hr@example.com"})
    with pytest.raises(UserError, match="缺少 SMTP 服务器"):
        smtp_settings({})
    with pytest.raises(UserError, match="security 只能是"):
        smtp_settings({"host": "h", "security": "tls"})


def test_mail_command_writes_one_eml_per_applicant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = write_csv(tmp_path / "名单.csv", [*GOOD_ROWS, ["服务明星", "无邮箱", "", "某单位", "", ""]], "gb18030")
    out = tmp_path / "邮件"
    args = ["mail", str(roster), "--out", str(out), "--from", "hr@example.com", "--deadline", "7月31日"]
    assert main(args) == 1  # the row without an address is a problem; the others are written
    captured = capsys.readouterr()
    assert "第 5 行：“邮箱”为空，无法发送邮件" in captured.err
    assert "已生成 3 封邮件（.eml）" in captured.out
    names = sorted(p.name for p in out.iterdir())
    assert names == ["服务明星-张伟.eml", "服务明星班组-巾帼文明岗.eml", "服务杰出管理者-欧阳娜娜.eml"]
    parsed = email.message_from_bytes((out / "服务明星班组-巾帼文明岗.eml").read_bytes(), policy=policy.default)
    assert parsed["To"].addresses[0].addr_spec == "jinguo@example.com"
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_filename() == "服务明星班组-巾帼文明岗.pdf"
    values = pdf_values(attachment.get_content())
    assert len(values.pop("team-roster_key")) == 16, "the copy carries its roster key"
    assert values == {"team-applicant-team_name": "巾帼文明岗", "team-applicant-unit": "国网上海市电力公司"}


def test_mail_warns_of_characters_the_form_cannot_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = write_csv(tmp_path / "名单.csv", [["服务明星", "笑😀", "", "某单位", "职员", "xiao@example.com"]], "utf-8")
    out = tmp_path / "邮件"
    assert main(["mail", str(roster), "--out", str(out), "--from", "hr@example.com", "--deadline", "7月31日"]) == 1
    captured = capsys.readouterr()
    assert "第 2 行：字体中没有“😀”，PDF 中这些字显示为方框，请核对" in captured.err
    assert "已生成 1 封邮件（.eml）" in captured.out
    assert [p.name for p in out.iterdir()] == ["服务明星-笑😀.eml"]
