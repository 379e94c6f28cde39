"""Benchmark: personalise 1,000 roster rows (all three rubrics); forms per second.  Target: ≥ 100 per second.

Run:  python tests/benchmarks/bench_personalize.py [ROWS]

Prints, for one roster of ROWS rows (default 1,000) written as .xlsx:
- the whole ``rubric-forms personalize`` command in a fresh process: with an empty font cache (the page
  fonts and the roster's value font are converted); after ``rubric-forms build`` has cached the page fonts
  (the usual case: only the new roster's glyphs are converted); and again with everything cached; each
  wall-clock and CPU time (the machine may be shared: CPU time shows the cost apart from waiting);
- the parts in one process: reading the roster, preparing the templates and value font, filling and writing;
- the same-run baseline the issue names as slower: laying each form out again (the PDF writer per form,
  then filling its fields with pypdf), on a few rows, and the ratio.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.roster_support import write_xlsx  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红梅玉文辉鹏飞宇浩然思远雨欣子涵一诺梓萱俊晨曦嘉怡"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津", "苏州", "青岛"]
COMPANIES = ["中国电信", "中国移动", "中国联通", "国家电网", "招商银行", "中国邮政", "顺丰速运", "南方航空"]
POSTS = ["客服代表", "营业员", "班组长", "网点主任", "调度员", "值班经理", "客户经理", "总经理", "副总经理"]
TEAMS = ["营业厅", "服务站", "客服中心"]
RUBRICS = ("服务明星", "服务明星班组", "服务杰出管理者")
BASELINE_ROWS = 5


def roster_rows(count: int) -> list[list[str]]:
    rng = random.Random(6)
    rows = []
    for index in range(count):
        rubric = RUBRICS[index % 3]
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        unit = f"{rng.choice(COMPANIES)}{rng.choice(CITIES)}分公司"
        team = (
            f"{rng.choice(CITIES)}{rng.choice(['营业厅', '服务站', '客服中心'])}{index}班"
            if rubric == RUBRICS[1]
            else ""
        )
        post = "" if team else rng.choice(POSTS)
        rows.append([rubric, "" if team else name, team, unit, post, f"user{index}@example.com"])
    return rows


def run_command(cache: Path, *args: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one ``rubric-forms`` run in a new process."""
    env = {**os.environ, "RUBRIC_FORMS_CACHE": str(cache)}
    command = [sys.executable, "-m", "generator", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def in_process(roster: Path, out: Path) -> dict[str, float]:
    from generator.distribute.personalize import Personalizer
    from generator.distribute.roster import read_roster
    from generator.model.loader import load

    times = {"start": time.perf_counter()}
    applicants = read_roster(roster, load(ROOT / "rubrics.toml"), require_email=False).applicants
    times["read"] = time.perf_counter()
    personalizer = Personalizer(applicants)
    times["prepare"] = time.perf_counter()
    for _ in personalizer.write_all(applicants, out):
        pass
    times["write"] = time.perf_counter()
    return times


def relayout_baseline(roster: Path) -> float:
    """Seconds per form when each form is laid out again and its fields filled with pypdf."""
    from pypdf import PdfReader, PdfWriter

    from generator.distribute.roster import read_roster
    from generator.layout.form import build_layout
    from generator.model.fields import applicant_field
    from generator.model.loader import load
    from generator.writers.pdf.writer import render_pdf

    applicants = read_roster(roster, load(ROOT / "rubrics.toml"), require_email=False).applicants[:BASELINE_ROWS]
    start = time.perf_counter()
    for applicant in applicants:
        writer = PdfWriter(clone_from=PdfReader(BytesIO(render_pdf(build_layout(applicant.rubric)))))
        headers = applicant.rubric.applicant_fields
        values = {applicant_field(applicant.rubric, headers[i]).name: v for i, (_, v) in enumerate(applicant.values)}
        writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
        writer.write(BytesIO())
    return (time.perf_counter() - start) / len(applicants)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        roster = write_xlsx(work / "名单.xlsx", roster_rows(count))
        cache, after_build = work / "font-cache", work / "font-cache-after-build"
        cold = run_command(cache, "personalize", str(roster), "--out", str(work / "cold"))
        run_command(after_build, "build", "--out", str(work / "build"))
        new_roster = run_command(after_build, "personalize", str(roster), "--out", str(work / "new"))
        warm = run_command(cache, "personalize", str(roster), "--out", str(work / "warm"))
        os.environ["RUBRIC_FORMS_CACHE"] = str(cache)
        times = in_process(roster, work / "parts")
        sizes = [p.stat().st_size for p in (work / "parts").iterdir()]
        per_form = relayout_baseline(roster)
    fill = times["write"] - times["prepare"]
    print(f"名单 {count} 行（三种表格轮流），CPU {os.cpu_count()} 核")
    scenarios = (
        ("字体缓存全空：页面字体和值字体都要转换", cold),
        ("已运行过 build，新花名册：只转换值字体", new_roster),
        ("同一花名册再次运行：字体缓存已有", warm),
    )
    for label, (wall, cpu) in scenarios:
        print(f"整个命令（新进程，{label}）：{wall:.2f} 秒，{count / wall:.0f} 份/秒（CPU 时间 {cpu:.2f} 秒）")
    print(f"  读取花名册：{times['read'] - times['start']:.2f} 秒")
    print(f"  准备模板和值字体：{times['prepare'] - times['read']:.2f} 秒")
    print(f"  填写并写出 {count} 份：{fill:.2f} 秒，{count / fill:.0f} 份/秒")
    print(f"  每份大小：平均 {sum(sizes) / len(sizes) / 1024:.0f} KB，最大 {max(sizes) / 1024:.0f} KB")
    print(f"基线：每份重新排版再用 pypdf 填写（{BASELINE_ROWS} 份）：{per_form:.3f} 秒/份，{1 / per_form:.1f} 份/秒")
    print(f"填写预制模板比重新排版快 {per_form / (fill / count):.0f} 倍（目标：整个命令 ≥ 100 份/秒）")


if __name__ == "__main__":
    main()
