"""``rubric-forms mail``: one .eml message per roster row with the personalised PDF; ``--send`` sends them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands.options import font_settings, load_rubrics, progress_bar, report_problems
from generator.commands.personalize import add_common_arguments
from generator.distribute.smtp_settings import DEFAULT_PASSWORD_ENV
from generator.filenames import safe_component
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say

if TYPE_CHECKING:
    from generator.distribute.mail import MailSettings, MessageKind
    from generator.distribute.mailing import MailRun
    from generator.distribute.roster import Applicant, Roster
    from generator.distribute.smtp_send import Outcome
    from generator.distribute.smtp_settings import SmtpSettings
    from generator.model.rubric import RubricSet

DEFAULT_FOLDER = DEFAULT_OUTPUT / "邮件"


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
    parser.add_argument("--log", type=Path, metavar="文件", help="发送记录文件（默认：输出目录下的 发送记录.jsonl）")
    parser.add_argument(
        "--resend-uncertain", action="store_true", help="重发上次中断时状态不明的邮件（请先确认对方没有收到）"
    )
    remind = parser.add_mutually_exclusive_group()
    remind.add_argument(
        "--remind",
        nargs="+",
        type=Path,
        metavar="路径",
        help="催交：先读取这些已交回的表格（文件或文件夹），只给花名册中尚未交回的人发提醒，附一份新的个人表格",
    )
    remind.add_argument(
        "--remind-from",
        type=Path,
        metavar="目录",
        help="催交：按上次 read --roster 的结果目录（其中的 名单核对.json）确定尚未交回的人",
    )
    parser.add_argument(
        "--round",
        metavar="名称",
        help="催交轮次的名称（默认：当天日期）；同一轮次中每人最多提醒一次，邮件和记录在输出目录的“催交-轮次”文件夹",
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
    from generator.distribute.mail import FORM_MESSAGE
    from generator.distribute.mailing import send_messages, write_messages
    from generator.distribute.roster import read_roster

    mail, smtp = settings(args)
    rubrics = load_rubrics(args)
    roster = read_roster(args.roster, rubrics, require_email=True)
    report_problems(roster.problems)
    applicants: Sequence[Applicant] = roster.applicants
    fonts, beside, kind = font_settings(args), rubrics.source, FORM_MESSAGE
    if args.remind or args.remind_from:
        applicants, kind = pending(args, roster, rubrics)
        args.out = args.out / f"催交-{safe_component(kind.round)}"
    if smtp is None:
        with progress_bar("生成邮件") as bar:
            done = write_messages(applicants, mail, args.out, fonts, beside, on_progress=bar, kind=kind)
        report_problems(done.warnings)
        return _finish(args, roster, done, beside)
    with progress_bar("发送邮件") as bar:
        outcomes: list[str] = []

        def report(applicant: Applicant, outcome: Outcome, reason: str) -> None:
            outcomes.append(outcome)
            bar(len(outcomes), len(applicants))
            if outcome in ("failed", "uncertain"):
                say(f"{applicant.where} {applicant.name} <{applicant.email}>：{reason}", sys.stderr)

        done = send_messages(
            applicants,
            mail,
            smtp,
            args.out,
            log_path=args.log,
            fonts=fonts,
            beside=beside,
            resend_uncertain=args.resend_uncertain,
            on_outcome=report,
            kind=kind,
        )
    report_problems(done.warnings)
    return _finish(args, roster, done, beside)


def pending(args: argparse.Namespace, roster: Roster, rubrics: RubricSet) -> tuple[list[Applicant], MessageKind]:
    """The roster rows that have not returned their form, and the reminder of this round."""
    from generator.commands.read import collected_senders
    from generator.distribute.mail import reminder
    from generator.readers.batch import read_returns
    from generator.reports.roster_check import check_roster, returned_keys

    if args.remind_from is not None:
        returned = returned_keys(args.remind_from)
        waiting = [a for a in roster.applicants if a.roster_key not in returned]
    else:
        with progress_bar("读取已交回的表格") as bar:
            results = read_returns(args.remind, rubrics, on_progress=bar, skip=args.out)
        check = check_roster(roster.applicants, results, rubrics, collected_senders(args.remind))
        waiting = [a for a, line in zip(roster.applicants, check.lines, strict=True) if line.status == "未交"]
    round_name = args.round or date.today().isoformat()
    count = len(roster.applicants)
    say(f"催交（{round_name}）：花名册 {count} 人，已交回 {count - len(waiting)} 人，需提醒 {len(waiting)} 人。")
    return waiting, reminder(round_name)


def _finish(args: argparse.Namespace, roster: Roster, done: MailRun, beside: Path) -> int:
    from generator.distribute.mailing import LOG_NAME
    from generator.textrender import render

    summary = done.summary
    context = {"roster": roster, "summary": summary, "built": len(done.written), "out": args.out}
    log = args.log or args.out / LOG_NAME
    say(render("mail_summary.txt.j2", beside, **context, log=log, missing=done.warnings), end="")
    trouble = summary is not None and (summary.failed or summary.uncertain or summary.stopped)
    return 1 if roster.problems or done.warnings or trouble else 0
