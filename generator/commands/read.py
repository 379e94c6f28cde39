"""``rubric-forms read``: read returned forms, validate and total them, and tabulate the batch."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands.options import (
    add_out_option,
    add_reading_options,
    add_rubrics_option,
    load_rubrics,
    progress_bar,
    reading_settings,
    report_problems,
)
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say

if TYPE_CHECKING:
    from generator.readers.results import FormResult


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "read",
        help="读取回收的 PDF、Word 表格和纸质表格的扫描件，核对、计分并汇总",
        description=(
            "读取申报人填好交回的 PDF 和 Word 表格，以及盖章纸质表格的扫描件或照片（.pdf/.jpg/.png/.tif；"
            "可给出文件或文件夹，文件夹会递归查找），按评分标准核对每项评分、重新计算总分，"
            "并生成汇总工作簿（.xlsx）、每份评分表的 CSV 和 HTML 报告。\n"
            "纸质表格按每页右上角的二维码识别，检查盖章，并把需要人工录入的内容截图写入 录入表.xlsx；"
            "录入后把 录入表.xlsx 与扫描件一起读取（输出文件夹里上次的 录入表.xlsx 会自动一并读取）。\n"
            "退出码：0 表示全部表格顺利读取；1 表示有文件存在问题；2 表示用法错误。"
        ),
    )
    add_reading_options(parser)
    add_out_option(parser, DEFAULT_OUTPUT)
    add_rubrics_option(parser)
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="花名册",
        help="花名册（.xlsx 或 .csv）：逐人核对已交、未交、多次提交，写入“名单核对”工作表和报告",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.readers.batch import read_returns
    from generator.reports.outputs import write_reports
    from generator.reports.summary import read_summary
    from generator.reports.tabulate import tabulate

    limits, trust_roots = reading_settings(args)
    rubrics = load_rubrics(args)
    roster = None
    if args.roster is not None:
        from generator.distribute.roster import read_roster

        roster = read_roster(args.roster, rubrics, require_email=False)
        report_problems(roster.problems)
    paths = with_previous_keying(args.paths, args.out)
    previous = previous_keying(paths, args.out)
    with progress_bar("读取") as bar:
        results = read_returns(paths, rubrics, limits, on_progress=bar, skip=args.out, trust_roots=trust_roots)
    senders = collected_senders(args.paths) if roster is not None else None
    tabulation = tabulate(results, rubrics, roster.applicants if roster else None, senders)
    written = write_reports(tabulation, args.out)
    say(read_summary(tabulation, args.out, written), end="")
    say_previous_keying(previous, results, written, args.out)
    return 0 if tabulation.clean else 1


def with_previous_keying(paths: list[Path], out: Path) -> list[Path]:
    """The paths, plus the keying workbook of the previous run in ``out`` when it was not given:
    rewriting it without its keyed values would lose the office's work."""
    import os

    from generator.reports.outputs import KEYING_NAME

    previous = out / KEYING_NAME
    if not previous.is_file() or any(p.exists() and os.path.samefile(p, previous) for p in paths):
        return paths
    say(f"已一并读取上次的录入表：{previous}")
    return [previous, *paths]  # read first: a keying workbook given by hand is newer, and the last row of a 编号 counts


def previous_keying(paths: list[Path], out: Path) -> Path | None:
    """The previous keying workbook in ``out`` as ``paths`` name it, when they have it (see
    :func:`with_previous_keying`)."""
    import os

    from generator.reports.outputs import KEYING_NAME

    previous = out / KEYING_NAME
    if not previous.is_file():
        return None
    return next((p for p in paths if p.is_file() and os.path.samefile(p, previous)), None)


def say_previous_keying(previous: Path | None, results: list[FormResult], written: list[Path], out: Path) -> None:
    """When the previous keying workbook (``previous``, as read this run; now copied aside) was not all read
    back, or there is no new one, say so naming the copy: what was keyed may be missing from the new one."""
    from generator.readers.files import display_name
    from generator.reports.outputs import KEYING_NAME, PREVIOUS_KEYING_NAME

    if previous is None:
        return
    backup = display_name(out / PREVIOUS_KEYING_NAME)
    if any(not r.read and r.source == display_name(previous) for r in results):
        say(
            f"注意：上次的录入表 {display_name(previous)} 未能完整读取（原因见上方的问题），其中录入的内容可能"
            f"未写入新的录入表；原文件已另存一份：{backup}，请从中核对、找回。"
        )
    elif out / KEYING_NAME not in written:
        say(f"本次没有读到纸质表格的扫描件，未生成新的录入表；上次的录入表已另存一份：{backup}。")


def collected_senders(paths: list[Path]) -> dict[str, str]:
    """Each collected file's sender address, from the ``collect`` ledger of every folder read."""
    from generator.collect import ledger_senders
    from generator.readers.files import display_name

    senders: dict[str, str] = {}
    for folder in (p for p in paths if p.is_dir()):
        senders |= {display_name(folder / name): address for name, address in ledger_senders(folder).items()}
    return senders
