"""``rubric-forms personalize``: one pre-filled fillable PDF per roster row."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands.options import (
    add_font_options,
    add_out_option,
    add_rubrics_option,
    font_settings,
    load_rubrics,
    progress_bar,
    report_problems,
)
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say

DEFAULT_FOLDER = DEFAULT_OUTPUT / "个人表格"
ROSTER_HELP = (
    "花名册（.xlsx 或 .csv；CSV 可为 UTF-8、带 BOM 的 UTF-8 或 GB18030），列：表格、姓名或班组名称、单位、岗位、邮箱"
)


def add_common_arguments(parser: argparse.ArgumentParser, default_out: Path) -> None:
    """Arguments ``personalize`` and ``mail`` share: the roster, rubrics, output folder and fonts."""
    parser.add_argument("roster", type=Path, metavar="ROSTER", help=ROSTER_HELP)
    add_rubrics_option(parser)
    add_out_option(parser, default_out)
    add_font_options(parser)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "personalize",
        help="按花名册为每位申报人生成预填姓名、单位等信息的可填写 PDF",
        description=(
            "按花名册为每一行生成一份对应评分表的可填写 PDF（加 --format pdf,docx 同时生成 Word 文档），\n"
            "表头的姓名（或班组名称）、单位、岗位已预先填好，仍可修改，表格中记有名单编号，交回时据此核对名单；\n"
            "文件名为“表格名称-姓名.pdf”。有问题的行会逐行说明并跳过，其余照常生成；\n"
            "只要有任何一行有问题，命令结束时返回非零退出码。"
        ),
    )
    add_common_arguments(parser, DEFAULT_FOLDER)
    add_format_option(parser)
    parser.set_defaults(run=run)


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        type=formats,
        default=("pdf",),
        metavar="格式",
        help="生成哪些格式，用逗号分隔：pdf、docx（默认：pdf；如 --format pdf,docx 同时生成 Word 文档）",
    )


def formats(text: str) -> tuple[str, ...]:
    """``pdf,docx`` as a tuple of formats; anything else is a usage error (argparse reports it)."""
    from generator.distribute.personalize import FORMATS

    chosen = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [part for part in chosen if part not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"无法识别的格式：{'、'.join(unknown) or text}（可选：pdf、docx）")
    return chosen


def run(args: argparse.Namespace) -> int:
    from generator.distribute.personalize import personalize
    from generator.distribute.roster import read_roster
    from generator.textrender import render

    rubrics = load_rubrics(args)
    roster = read_roster(args.roster, rubrics, require_email=False)
    report_problems(roster.problems)
    with progress_bar("生成个人表格") as bar:
        done = personalize(roster.applicants, args.out, font_settings(args), on_progress=bar, formats=args.format)
    report_problems(done.warnings)
    context = {
        "roster": roster,
        "written": len(done.written),
        "formats": args.format,
        "missing": done.warnings,
        "out": args.out,
    }
    say(render("personalize_summary.txt.j2", rubrics.source, **context), end="")
    return 1 if roster.problems or done.warnings else 0
