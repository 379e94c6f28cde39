"""``rubric-forms init``: copy the bundled rubrics.toml and templates into a folder to edit."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.terminal import say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "init",
        help="把程序自带的 rubrics.toml 和模板复制到一个文件夹，供本单位修改",
        description=(
            "把程序自带的评分标准文件 rubrics.toml 和 templates/ 中的模板（命令输出、报告、邮件正文）\n"
            "复制到指定文件夹。"
            "在该文件夹中运行的命令会自动使用其中的 rubrics.toml；模板按“评分标准文件旁的 templates/ 优先，\n"
            "其次程序自带”的顺序查找。已有的文件不会被覆盖，除非加 --force。"
        ),
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, default=Path("."), metavar="目录", help="目标文件夹（默认：当前文件夹）"
    )
    parser.add_argument("--force", action="store_true", help="覆盖已有的文件")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.resources import init_folder

    for path in init_folder(args.folder, overwrite=args.force):
        say(f"已复制：{path}")
    say(f"请修改 {args.folder / 'rubrics.toml'} 后运行 rubric-forms check 检查。")
    return 0
