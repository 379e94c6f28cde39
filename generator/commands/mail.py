"""``rubric-forms mail``: one .eml message per roster row with the personalised PDF; ``--send`` sends them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands.options import font_settings, progress, report_problems
from generator.commands.personalize import add_common_arguments
from generator.distribute.smtp_send import DEFAULT_PASSWORD_ENV
from generator.resources import DEFAULT_OUTPUT

if TYPE_CHECKING:
    from email.message import EmailMessage

    from generator.distribute.mail import MailSettings
    from generator.distribute.roster import Applicant, Roster
    from generator.distribute.smtp_send import SendSummary, SmtpSettings

DEFAULT_FOLDER = DEFAULT_OUTPUT / "邮件"
LOG_NAME = "发送记录.jsonl"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "mail",
        allow_abbrev=False,  # "--password …" must be an error, not an abbreviation of --password-env
        help="按花名册为每位申报人生成附带个人表格的邮件（.eml），加 --send 则通过 SMTP 发送",
        description=(
            "为花名册的每一行生成一封邮件（.eml 文件），附件是预填好的个人表格，主题和正文来自\n"
            "templates/mail_subject.txt.j2 和 templates/mail_body.txt.j2。加 --send 则通过 SMTP 逐封发送，\n"
            "并把结果逐条写入发送记录；重新运行时跳过已发送的人，中断后可接着发，不会重复发送。\n"
            f"SMTP 密码只从环境变量读取（默认 {DEFAULT_PASSWORD_ENV}），不能写在命令行或配置文件中。\n"
            "配置文件（--config，TOML）可写 [smtp] host/port/security/user/password_env/per_minute 和\n"
            "[mail] from/reply_to/deadline；命令行选项优先。"
        ),
    )
    add_common_arguments(parser, DEFAULT_FOLDER)
    parser.add_argument("--config", type=Path, metavar="文件", help="邮件配置文件（TOML）")
    parser.add_argument("--from", dest="sender", metavar="地址", help="发件人，如 “人力资源部 <hr@example.com>”")
    parser.add_argument("--reply-to", metavar="地址", help="表格交回地址（默认：发件人）")
    parser.add_argument("--deadline", metavar="日期", help="交回截止日期，原样写入邮件，如 “2025年7月31日”")
    parser.add_argument("--send", action="store_true", help="通过 SMTP 发送（不加此项只生成 .eml 文件）")
    parser.add_argument("--smtp-host", metavar="主机", help="SMTP 服务器")
    parser.add_argument("--smtp-port", type=int, metavar="端口", help="端口（默认：starttls 587，ssl 465，none 25）")
    parser.add_argument("--security", choices=("starttls", "ssl", "none"), help="加密方式（默认：starttls）")
    parser.add_argument("--smtp-user", metavar="用户名", help="登录用户名（不填则不登录）")
    parser.add_argument(
        "--password-env", metavar="变量名", help=f"存放密码的环境变量名（默认：{DEFAULT_PASSWORD_ENV}）"
    )
    parser.add_argument("--rate", type=float, metavar="封数", help="每分钟最多发送多少封（默认：20）")
    parser.add_argument("--log", type=Path, metavar="文件", help=f"发送记录文件（默认：输出目录下的 {LOG_NAME}）")
    parser.add_argument(
        "--resend-uncertain", action="store_true", help="重发上次中断时状态不明的邮件（请先确认对方没有收到）"
    )
    parser.set_defaults(run=run)


def settings(args: argparse.Namespace) -> tuple[MailSettings, SmtpSettings | None]:
    """The mail settings, and the SMTP settings when sending; config file under options."""
    from generator.distribute.mail_config import load_config, mail_settings, merged, smtp_settings

    config = load_config(args.config)
    mail = mail_settings(
        merged(config, "mail", {"from": args.sender, "reply_to": args.reply_to, "deadline": args.deadline})
    )
    if not args.send:
        return mail, None
    smtp_options = {
        "host": args.smtp_host,
        "port": args.smtp_port,
        "security": args.security,
        "user": args.smtp_user,
        "password_env": args.password_env,
        "per_minute": args.rate,
    }
    smtp = smtp_settings(merged(config, "smtp", smtp_options))
    smtp.password()  # fail before any work when the password variable is missing
    return mail, smtp


def run(args: argparse.Namespace) -> int:
    from generator.distribute.mail import build_message
    from generator.distribute.personalize import Personalizer
    from generator.distribute.roster import read_roster
    from generator.filenames import inside
    from generator.model.loader import load

    mail, smtp = settings(args)
    roster = read_roster(args.roster, load(args.rubrics), require_email=True)
    report_problems(roster.problems)
    if not roster.applicants:
        return _finish(args, roster, None, 0)
    personalizer = Personalizer(roster.applicants, font_settings(args))

    def make_message(applicant: Applicant) -> EmailMessage:
        message = build_message(applicant, mail, personalizer.file_name(applicant), personalizer.pdf(applicant))
        _write_eml(inside(args.out, f"{personalizer.stem(applicant)}.eml"), message)
        return message

    if smtp is None:
        for applicant in progress(roster.applicants, "生成邮件", len(roster.applicants)):
            make_message(applicant)
        return _finish(args, roster, None, len(roster.applicants))
    from generator.distribute.send_log import SendLog
    from generator.distribute.smtp_send import send_all

    with SendLog(args.log or args.out / LOG_NAME) as log:
        summary = send_all(
            progress(roster.applicants, "发送邮件", len(roster.applicants)),
            make_message,
            smtp,
            log,
            resend_uncertain=args.resend_uncertain,
            progress=_report_outcome,
        )
    return _finish(args, roster, summary, len(summary.sent))


def _write_eml(path: Path, message: EmailMessage) -> None:
    from generator.atomic import write_bytes_atomic

    write_bytes_atomic(path, message.as_bytes())


def _report_outcome(applicant: Applicant, outcome: str, reason: str) -> None:
    if outcome in ("failed", "uncertain"):
        print(f"第 {applicant.row} 行 {applicant.name} <{applicant.email}>：{reason}", file=sys.stderr)


def _finish(args: argparse.Namespace, roster: Roster, summary: SendSummary | None, built: int) -> int:
    from generator.textrender import render

    log = args.log or args.out / LOG_NAME
    print(render("mail_summary.txt.j2", roster=roster, summary=summary, built=built, out=args.out, log=log), end="")
    trouble = summary is not None and (summary.failed or summary.uncertain or summary.stopped)
    return 1 if roster.problems or trouble else 0
