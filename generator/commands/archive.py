"""``rubric-forms archive``: read returned forms and write one review archive PDF per rubric."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands.options import (
    add_font_options,
    add_out_option,
    add_reading_options,
    add_rubrics_option,
    load_rubrics,
    progress_bar,
    reading_settings,
)
from generator.resources import DEFAULT_OUTPUT
from generator.terminal import say

if TYPE_CHECKING:
    from generator.model.rubric import RubricSet
    from generator.readers.results import FormResult

DEFAULT_ARCHIVE_OUT = DEFAULT_OUTPUT / "评审档案"
SHOWN_UNREAD = 20


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "archive",
        help="读取交回的表格，为每份评分表生成一份评审档案 PDF（封面、排名表、每份申报材料）",
        description=(
            "读取交回的 PDF、Word 表格和纸质表格的扫描件（可给出文件或文件夹，文件夹会递归查找），"
            "为每份评分表生成一份供评审组使用的档案 PDF（评审档案-评分表名称.pdf）：\n"
            "封面（评分标准、生成时间、各项份数）、排名表，然后按名次依次收入每份申报材料——"
            "按读取结果重新生成的申报表（不再含可填写的字段，在任何阅读器中显示、打印都一样）、"
            "纸质表格的原件扫描页（印章凭证）和读取时发现的问题。每位申报人一个书签，页码为“序号-页”。\n"
            "纸质表格已在 录入表.xlsx 中录入的，请把录入表与扫描件一起列出。\n"
            "退出码：0 表示全部表格顺利读取；1 表示有文件存在问题（档案照常生成，问题写在档案中）；2 表示用法错误。"
        ),
    )
    add_reading_options(parser, "同时读取、生成的进程数（默认：CPU 核数）")
    add_out_option(parser, DEFAULT_ARCHIVE_OUT)
    add_rubrics_option(parser)
    add_font_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from generator.archive import write_archives
    from generator.commands.options import font_settings
    from generator.readers.batch import read_returns
    from generator.reports.tabulate import tabulate

    limits, trust_roots = reading_settings(args)
    rubrics = load_rubrics(args)
    fonts = font_settings(args)
    with progress_bar("读取") as bar:
        results = read_returns(args.paths, rubrics, limits, on_progress=bar, skip=args.out, trust_roots=trust_roots)
    tabulation = tabulate(results, rubrics)  # duplicate returns flagged, so the archive lists them as problems
    say("正在生成评审档案……")
    written = write_archives(tabulation.results, rubrics, args.out, fonts=fonts, jobs=args.jobs)
    say(archive_summary(tabulation.results, rubrics, written), end="")
    return 0 if tabulation.clean else 1


def archive_summary(results: Sequence[FormResult], rubrics: RubricSet, written: list[Path]) -> str:
    """What was written, per rubric (the paths come in the rubrics' order), and what was left out."""
    lines = [f"已生成评审档案 {len(written)} 份：" if written else "没有读到任何评分表，未生成评审档案。"]
    paths = iter(written)
    for rubric in rubrics:
        count = sum(1 for r in results if r.read and r.rubric_id == rubric.id)
        if count:
            path = next(paths)
            lines.append(f"  {rubric.name}：{count} 份申报材料 → {path}（{path.stat().st_size / 1_000_000:.1f} MB）")
        else:
            lines.append(f"  {rubric.name}：没有申报材料，未生成档案")
    unread = [r for r in results if not r.read]
    if unread:
        lines.append(f"另有 {len(unread)} 个文件或页面无法作为评分表读取，未收入档案：")
        lines += [f"  {r.source}：{r.problems[0] if r.problems else ''}" for r in unread[:SHOWN_UNREAD]]
        if len(unread) > SHOWN_UNREAD:
            lines.append(f"  ……共 {len(unread)} 个，完整清单可用 read 命令生成的报告查看")
    return "\n".join(lines) + "\n"
