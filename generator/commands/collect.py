"""``rubric-forms collect``: save every returned form out of the office's mailbox (IMAP) or exported mail files."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.collect.settings import DEFAULT_FOLDER, DEFAULT_PASSWORD_ENV, SECURITY_CHOICES
from generator.commands.options import add_out_option, progress_bar, report_problems
from generator.errors import UsageError
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say

if TYPE_CHECKING:
    from generator.collect.results import CollectRun

DEFAULT_FOLDER_OUT = DEFAULT_OUTPUT / "回收"
TEST_DELAY_ENV = "RUBRIC_FORMS_TEST_COLLECT_DELAY"
"""Seconds to wait after each message; set only by the tests, to interrupt a run mid-way."""
IMAP_OPTIONS = ("imap_port", "security", "imap_user", "password_env", "ca_file")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "collect",
        allow_abbrev=False,  # "--password …" must be an error, not an abbreviation of --password-env
        help="从单位邮箱（IMAP）或导出的邮件文件中保存交回的表格附件",
        description=(
            "把交回的表格从邮件中取出，保存为 <收件日期>-<发件人>-<原文件名>：PDF、Word（.doc .docx .docm\n"
            ".wps .rtf .odt）、图片（.jpg .png .tif .heic .bmp 等），以及 zip 压缩包中的这些文件。\n"
            "内容相同的文件只保存一份；每封邮件的结果逐条写入输出目录中的 回收记录.jsonl，\n"
            "重新运行时只读取新邮件，中断后可接着收取，不会重复保存。\n"
            "来源二选一：--imap-host 指定的 IMAP 邮箱（只读取，不删除、不移动、不改标记，除非加 --mark-seen），\n"
            "或命令行给出的 .eml 文件、存放 .eml 的文件夹、.mbox 文件（Foxmail、Thunderbird 等导出）。\n"
            f"IMAP 密码只从环境变量读取（默认 {DEFAULT_PASSWORD_ENV}），不能写在命令行中。"
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="邮件文件", help=".eml 文件、文件夹或 .mbox 文件")
    add_out_option(parser, DEFAULT_FOLDER_OUT)
    parser.add_argument("--imap-host", metavar="主机", help="IMAP 服务器，如 imap.exmail.qq.com")
    parser.add_argument("--imap-port", type=int, metavar="端口", help="端口（默认：ssl 993，starttls 和 none 143）")
    parser.add_argument("--security", choices=SECURITY_CHOICES, help="加密方式（默认：ssl）")
    parser.add_argument("--imap-user", metavar="用户名", help="登录用户名（通常是邮箱地址）")
    parser.add_argument(
        "--password-env", metavar="变量名", help=f"存放密码的环境变量名（默认：{DEFAULT_PASSWORD_ENV}）"
    )
    parser.add_argument("--folder", default=DEFAULT_FOLDER, metavar="文件夹", help="邮箱文件夹（默认：INBOX 收件箱）")
    parser.add_argument("--ca-file", type=Path, metavar="文件", help="额外信任的证书（单位自建、自签名的邮件服务器）")
    parser.add_argument("--since", metavar="日期", help="只读取此日期（含）之后收到的邮件，格式 YYYY-MM-DD")
    parser.add_argument(
        "--mark-seen", action="store_true", help="把收取过的邮件标记为已读（唯一会改动邮箱的选项；默认不改动）"
    )
    parser.set_defaults(run=run)


def _since(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise UsageError(f"--since 的日期“{text}”无效，格式应为 YYYY-MM-DD，如 2025-07-01") from None


def _check(args: argparse.Namespace) -> None:
    given = [f"--{name.replace('_', '-')}" for name in IMAP_OPTIONS if getattr(args, name) is not None]
    if args.imap_host and args.paths:
        raise UsageError("邮件来源只能选一种：--imap-host，或邮件文件，不能同时指定")
    if not args.imap_host and not args.paths:
        raise UsageError("请指定邮件来源：--imap-host（IMAP 邮箱），或 .eml 文件、文件夹、.mbox 文件")
    if args.paths and (given or args.mark_seen or args.folder != DEFAULT_FOLDER):
        options = [
            *given,
            *(["--mark-seen"] if args.mark_seen else []),
            *(["--folder"] if args.folder != DEFAULT_FOLDER else []),
        ]
        raise UsageError(f"{'、'.join(dict.fromkeys(options))} 只用于 IMAP 邮箱（--imap-host）")
    if args.imap_host and not args.imap_user:
        raise UsageError("使用 IMAP 邮箱时需要 --imap-user（登录用户名）")


def run(args: argparse.Namespace) -> int:
    _check(args)
    since = _since(args.since)
    delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
    with progress_bar("收取邮件") as bar:

        def progress(done: int, total: int) -> None:
            bar(done, total)
            if delay:
                time.sleep(delay)

        if args.imap_host:
            from generator.collect import ImapSettings, collect_mailbox

            settings = ImapSettings(
                host=args.imap_host,
                user=args.imap_user,
                port=args.imap_port or 0,
                security=args.security or "ssl",
                password_env=args.password_env or DEFAULT_PASSWORD_ENV,
                folder=args.folder,
                ca_file=args.ca_file,
            )
            done = collect_mailbox(settings, args.out, since, args.mark_seen, on_progress=progress)
        else:
            from generator.collect import collect_files

            done = collect_files(args.paths, args.out, since, on_progress=progress)
    _summary(done, since)
    return 0 if done.ok else 1


def _summary(done: CollectRun, since: date | None) -> None:
    problems = done.problems
    if problems:
        say("问题：", sys.stderr)
        report_problems(f"  {line}" for line in problems)
    say(
        f"读取邮件 {len(done.messages)} 封，保存文件 {len(done.saved)} 个，"
        f"内容重复未再保存 {len(done.duplicates)} 个，问题 {len(problems)} 项。"
    )
    if done.already:
        say(f"此前已收取、本次跳过 {done.already} 封。")
    if done.before_since and since:
        say(f"早于 {since.isoformat()}、未读取 {done.before_since} 封。")
    if done.stopped:
        say(f"未能全部完成：{done.stopped}")
    say(f"文件保存在：{done.out}")
    say(f"回收记录：{done.ledger}")
