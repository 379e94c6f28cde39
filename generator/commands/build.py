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
        description=(
            "为评分标准文件中的每份评分表生成 Word 文档（.docx）和可填写的 PDF 表单，文件名为表格标题。\n"
            "PDF 默认使用随程序安装的思源宋体（正文）和思源黑体（标题），只嵌入用到的字形；\n"
            "可用 --font / --title-font 或环境变量 RUBRIC_FORMS_FONT / RUBRIC_FORMS_TITLE_FONT 换成自己的字体文件。"
        ),
    )
    parser.add_argument(
        "rubrics",
        nargs="?",
        type=Path,
        default=DEFAULT_RUBRICS,
        metavar="RUBRICS",
        help="评分标准文件（默认：项目自带的 rubrics.toml）",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT, metavar="目录", help="输出目录（默认：output）")
    parser.add_argument(
        "--font",
        type=Path,
        metavar="字体文件",
        help="PDF 正文字体（.ttf/.otf/.ttc，如 simsun.ttc；集合取第一个字体；默认：思源宋体）",
    )
    parser.add_argument("--title-font", type=Path, metavar="字体文件", help="PDF 标题字体（默认：思源黑体）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.build import build_all
    from generator.pdf_fonts import FontSettings

    env = FontSettings.from_env()
    fonts = FontSettings(body=args.font or env.body, title=args.title_font or env.title)
    for path in build_all(args.rubrics, args.out, fonts):
        print(f"已生成：{path}")
    return 0
