"""``rubric-forms build``: write each rubric's Word form and fillable PDF form."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.paths import DEFAULT_OUTPUT, DEFAULT_RUBRICS

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "build",
        help="生成全部评分表的 Word 文档和可填写 PDF",
        description="为评分标准文件中的每份评分表生成 Word 文档（.docx）和可填写的 PDF 表单，文件名为表格标题。",
    )
    parser.add_argument(
        "rubrics", nargs="?", type=Path, default=DEFAULT_RUBRICS, metavar="RUBRICS", help="评分标准文件（默认：项目自带的 rubrics.toml）"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT, metavar="目录", help="输出目录（默认：output）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.build import build_all

    for path in build_all(args.rubrics, args.out):
        print(f"已生成：{path}")
    return 0
