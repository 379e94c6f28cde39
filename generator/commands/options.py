"""Arguments and helpers several subcommands share, so each is worded and defaulted once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import UsageError
from generator.resources import default_rubrics
from generator.terminal import say

if TYPE_CHECKING:
    from generator.model.rubric import RubricSet
    from generator.writers.pdf.fonts import FontSettings

RUBRICS_HELP = "评分标准文件（默认：当前文件夹中的 rubrics.toml，没有则用程序自带的）"


def add_rubrics_positional(parser: argparse.ArgumentParser) -> None:
    """The rubric file as an optional positional argument or as ``--rubrics`` (``check``, ``build``)."""
    parser.add_argument("rubrics_positional", nargs="?", type=Path, metavar="RUBRICS", help=RUBRICS_HELP)
    add_rubrics_option(parser)


def add_rubrics_option(parser: argparse.ArgumentParser) -> None:
    """The rubric file as ``--rubrics`` (every command)."""
    parser.add_argument("--rubrics", dest="rubrics_option", type=Path, metavar="文件", help=RUBRICS_HELP)


def rubrics_file(args: argparse.Namespace) -> Path:
    """The rubric file the user named, else :func:`generator.resources.default_rubrics`."""
    positional = getattr(args, "rubrics_positional", None)
    if positional is not None and args.rubrics_option is not None and positional != args.rubrics_option:
        raise UsageError(f"评分标准文件只能指定一个，收到了 {positional} 和 --rubrics {args.rubrics_option}")
    return positional or args.rubrics_option or default_rubrics()


def load_rubrics(args: argparse.Namespace) -> RubricSet:
    """The rubrics the command works with, loaded and checked."""
    from generator.model.loader import load

    return load(rubrics_file(args))


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
    parser.add_argument("--title-font", type=Path, metavar="字体文件", help="PDF 标题字体（默认：思源宋体，加粗）")


def font_settings(args: argparse.Namespace) -> FontSettings:
    """The fonts chosen by ``--font``/``--title-font``, else by the environment, else the bundled ones."""
    from generator.writers.pdf.fonts import FontSettings

    env = FontSettings.from_env()
    return FontSettings(body=args.font or env.body, title=args.title_font or env.title)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on an interactive terminal, updated by calling it with (done, total)."""
    from tqdm import tqdm

    with tqdm(desc=description, unit="份", disable=not sys.stderr.isatty(), leave=False, file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def report_problems(problems: Iterable[object]) -> None:
    for problem in problems:
        say(str(problem), sys.stderr)
