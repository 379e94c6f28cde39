"""``rubric-forms read``: read returned PDF forms, validate and total them, and tabulate the batch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands.options import add_out_option, add_rubrics_option
from generator.readers.limits import DEFAULT_TIMEOUT_S, BatchLimits
from generator.resources import DEFAULT_OUTPUT

if TYPE_CHECKING:
    from generator.reports.tabulate import Tabulation

SUMMARY_FILES = 10


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "read",
        help="读取回收的 PDF 表格，核对、计分并汇总",
        description=(
            "读取申报人填好交回的 PDF 表格（可给出文件或文件夹，文件夹会递归查找），"
            "按评分标准核对每项评分、重新计算总分，并生成汇总工作簿（.xlsx）、每份评分表的 CSV 和 HTML 报告。\n"
            "退出码：0 表示全部表格顺利读取；1 表示有文件存在问题；2 表示用法错误。"
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="路径", help="PDF 文件或包含 PDF 的文件夹")
    add_out_option(parser, DEFAULT_OUTPUT)
    add_rubrics_option(parser)
    parser.add_argument("--jobs", type=int, default=0, metavar="N", help="同时读取的进程数（默认：CPU 核数）")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="秒",
        help=f"每个文件的读取时限（默认：{DEFAULT_TIMEOUT_S:g} 秒）",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.readers.inputs import InputError, collect_inputs

    if args.jobs < 0:
        raise InputError(f"--jobs 须为正整数（0 表示按 CPU 核数），收到：{args.jobs}")
    if not args.timeout > 0:
        raise InputError(f"--timeout 须为大于 0 的秒数，收到：{args.timeout:g}")
    files = collect_inputs(args.paths, skip=args.out)
    return tabulate_files(files, args.rubrics, args.out, BatchLimits(jobs=args.jobs, timeout_s=args.timeout))


def tabulate_files(files: list[tuple[Path, str]], rubrics_path: Path, out_dir: Path, limits: BatchLimits) -> int:
    """Read, check and tabulate the files; write the outputs and print the summary; the exit code."""
    from tqdm import tqdm

    from generator.model.loader import load
    from generator.readers.batch import read_batch
    from generator.reports.duplicates import flag_duplicates
    from generator.reports.outputs import write_reports
    from generator.reports.tabulate import tabulate

    rubrics = load(rubrics_path)
    with tqdm(total=len(files), unit="份", desc="读取", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
        results = read_batch(files, rubrics, limits, on_result=lambda _: bar.update())
    tabulation = tabulate(flag_duplicates(results, rubrics), rubrics)
    written = write_reports(tabulation, out_dir)
    print(summary(tabulation, out_dir, written), end="")
    return 0 if tabulation.clean else 1


def summary(tabulation: Tabulation, out_dir: Path, written: list[Path]) -> str:
    """The one-screen summary: counts per rubric, the first files with problems, the files written."""
    from generator.reports.html import number, problems_by_file
    from generator.reports.outputs import REPORT_NAME, WORKBOOK_NAME
    from generator.textrender import render

    files = problems_by_file(tabulation.problems)
    return render(
        "read_summary.txt.j2",
        tabulation=tabulation,
        shown=files[:SUMMARY_FILES],
        hidden=max(0, len(files) - SUMMARY_FILES),
        workbook=out_dir / WORKBOOK_NAME,
        report=out_dir / REPORT_NAME,
        written=written,
        number=number,
    )
