"""The ``rubric-forms`` command line: a Chinese argparse front end over the subcommands.

Each module in :mod:`generator.commands` adds one subcommand through its
``register`` function; heavy libraries are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import sys
from collections.abc import Sequence

from generator import commands
from generator.errors import UserError
from generator.terminal import say
from generator.version import __version__

COMMANDS = ("init", "check", "build", "read", "archive", "personalize", "mail", "collect", "serve")
"""The subcommand modules in `generator.commands`, in the order `--help` lists them."""

ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的值 \2 无效（可选：\3）"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"参数 \1 的值 \3 无效"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 至少需要一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),
)


def translate(message: str) -> str:
    """argparse's own error messages, in Chinese."""
    for pattern, replacement in ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


class ChineseFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are in Chinese; usage errors exit 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示此帮助并退出")

    def error(self, message: str) -> None:  # type: ignore[override]  # exits like argparse's, typed NoReturn there
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：用法错误：{translate(message)}\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="rubric-forms",
        description="根据 rubrics.toml 生成可打印的 Word 自评表和可填写的 PDF 表单，并读取回收的 PDF 统计得分。",
    )
    parser.add_argument("--version", action="version", version=f"rubric-forms {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(title="子命令", dest="command", metavar="子命令", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{commands.__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return the process exit code."""
    for stream in (sys.stdout, sys.stderr):  # a console or file whose encoding lacks a character shows "?"
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as exc:
        say(f"错误：{exc}", sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        say("已中断。", sys.stderr)
        return 130
