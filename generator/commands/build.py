"""``rubric-forms build``: write each rubric's Word form and fillable PDF form."""

from __future__ import annotations

import argparse

from generator.commands.options import (
    add_font_options,
    add_out_option,
    add_rubrics_positional,
    font_settings,
    load_rubrics,
)
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "build",
        help="生成全部评分表的 Word 文档和可填写 PDF",
        description=(
            "为评分标准文件中的每份评分表生成 Word 文档（.docx）和可填写的 PDF 表单，文件名为表格标题。\n"
            "PDF 默认使用随程序安装的思源宋体（标题加粗），只嵌入用到的字形；\n"
            "可用 --font / --title-font 或环境变量 RUBRIC_FORMS_FONT / RUBRIC_FORMS_TITLE_FONT 换成自己的字体文件。"
        ),
    )
    add_rubrics_positional(parser)
    add_out_option(parser, DEFAULT_OUTPUT)
    add_font_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.writers.forms import build_forms

    for path in build_forms(load_rubrics(args), args.out, font_settings(args)):
        say(f"已生成：{path}")
    return 0
