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
    from generator.readers.limits import BatchLimits
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


RETURNS_HELP = "交回的表格、扫描件、录入表.xlsx，或包含它们的文件夹"


def add_reading_options(parser: argparse.ArgumentParser, jobs_help: str = "同时读取的进程数（默认：CPU 核数）") -> None:
    """What every command that reads returns takes: the returns, ``--trust-roots``, ``--jobs``, ``--timeout``."""
    from generator.readers.limits import DEFAULT_TIMEOUT_S

    parser.add_argument("paths", nargs="+", type=Path, metavar="路径", help=RETURNS_HELP)
    parser.add_argument(
        "--trust-roots",
        type=Path,
        metavar="文件夹",
        help="存放信任的根证书（PEM 或 DER）的文件夹：据此核验电子签章的证书链；不给出时注明“证书未验证信任链”",
    )
    parser.add_argument("--jobs", type=int, default=0, metavar="N", help=jobs_help)
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="秒",
        help=f"每个文件的读取时限（默认：{DEFAULT_TIMEOUT_S:g} 秒）",
    )


def reading_settings(args: argparse.Namespace) -> tuple[BatchLimits, tuple[bytes, ...]]:
    """The batch limits and trust roots :func:`add_reading_options` asked for; raises :class:`UsageError`."""
    from generator.readers.limits import BatchLimits
    from generator.readers.trust import load_trust_roots

    if args.jobs < 0:
        raise UsageError(f"--jobs 须为正整数（0 表示按 CPU 核数），收到：{args.jobs}")
    if not args.timeout > 0:
        raise UsageError(f"--timeout 须为大于 0 的秒数，收到：{args.timeout:g}")
    roots = load_trust_roots(args.trust_roots) if args.trust_roots is not None else ()
    return BatchLimits(jobs=args.jobs, timeout_s=args.timeout), roots
