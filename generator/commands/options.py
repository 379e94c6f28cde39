"""Arguments and helpers several subcommands share, so each is worded and defaulted once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from generator.resources import DEFAULT_RUBRICS

if TYPE_CHECKING:
    from generator.writers.pdf.fonts import FontSettings

T = TypeVar("T")
RUBRICS_HELP = "评分标准文件（默认：项目自带的 rubrics.toml）"


def add_rubrics_positional(parser: argparse.ArgumentParser) -> None:
    """The rubric file as an optional positional argument (``check``, ``build``)."""
    parser.add_argument("rubrics", nargs="?", type=Path, default=DEFAULT_RUBRICS, metavar="RUBRICS", help=RUBRICS_HELP)


def add_rubrics_option(parser: argparse.ArgumentParser) -> None:
    """The rubric file as ``--rubrics`` (commands whose positionals are their inputs)."""
    parser.add_argument("--rubrics", type=Path, default=DEFAULT_RUBRICS, metavar="文件", help=RUBRICS_HELP)


def add_out_option(parser: argparse.ArgumentParser, default: Path) -> None:
    parser.add_argument("--out", type=Path, default=default, metavar="目录", help=f"输出目录（默认：{default}）")


def add_font_options(parser: argparse.ArgumentParser) -> None:
    """``--font`` and ``--title-font``: the user's own font files for the PDFs."""
    parser.add_argument(
        "--font",
        type=Path,
        metavar="字体文件",
        help="PDF 正文字体（.ttf/.otf/.ttc，如 simsun.ttc；集合取第一个字体；默认：思源宋体）",
    )
    parser.add_argument("--title-font", type=Path, metavar="字体文件", help="PDF 标题字体（默认：思源黑体）")


def font_settings(args: argparse.Namespace) -> FontSettings:
    """The fonts chosen by ``--font``/``--title-font``, else by the environment, else the bundled ones."""
    from generator.writers.pdf.fonts import FontSettings

    env = FontSettings.from_env()
    return FontSettings(body=args.font or env.body, title=args.title_font or env.title)


def progress(items: Iterable[T], description: str, total: int) -> Iterable[T]:
    """A progress bar on an interactive terminal; the plain items otherwise."""
    from tqdm import tqdm

    return tqdm(items, desc=description, total=total, unit="份", disable=not sys.stderr.isatty(), leave=False)


def report_problems(problems: Iterable[object]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
