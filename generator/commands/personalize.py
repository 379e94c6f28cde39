"""``rubric-forms personalize``: one pre-filled fillable PDF per roster row."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands.options import (
    add_font_options,
    add_out_option,
    add_rubrics_option,
    font_settings,
    progress,
    report_problems,
)
from generator.resources import DEFAULT_OUTPUT

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
            "按花名册为每一行生成一份对应评分表的可填写 PDF，表头的姓名（或班组名称）、单位、岗位已预先填好，\n"
            "仍可修改；文件名为“表格名称-姓名.pdf”。有问题的行会逐行说明并跳过，其余照常生成；\n"
            "只要有任何一行有问题，命令结束时返回非零退出码。"
        ),
    )
    add_common_arguments(parser, DEFAULT_FOLDER)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.distribute.personalize import Personalizer, missing_glyphs
    from generator.distribute.roster import read_roster
    from generator.model.loader import load
    from generator.textrender import render

    roster = read_roster(args.roster, load(args.rubrics), require_email=False)
    report_problems(roster.problems)
    written, missing = 0, []
    if roster.applicants:
        personalizer = Personalizer(roster.applicants, font_settings(args))
        total = len(roster.applicants)
        for applicant, _ in progress(personalizer.write_all(roster.applicants, args.out), "生成个人表格", total):
            written += 1
            lacking = missing_glyphs(applicant, personalizer.glyphs)
            if lacking:
                missing.append(f"第 {applicant.row} 行：字体中没有“{lacking}”，PDF 中这些字显示为方框，请核对")
    report_problems(missing)
    print(render("personalize_summary.txt.j2", roster=roster, written=written, missing=missing, out=args.out), end="")
    return 1 if roster.problems or missing else 0
