"""``rubric-forms check``: validate rubrics.toml and print a summary of each rubric."""

from __future__ import annotations

import argparse

from generator.commands.options import add_rubrics_positional, load_rubrics
from generator.terminal import say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="检查 rubrics.toml 并列出每份评分表的摘要",
        description="检查评分标准文件是否正确，并列出每份评分表的评审项目、评审细项、分数区间、总分和指纹。",
    )
    add_rubrics_positional(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.textrender import render

    rubrics = load_rubrics(args)
    say(render("check.txt.j2", rubrics.source, source=rubrics.source, rubrics=list(rubrics)), end="")
    return 0
