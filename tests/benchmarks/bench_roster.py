"""Benchmark: what checking a roster of 1,000 against 700 returns adds to reading them.

    python tests/benchmarks/bench_roster.py [--people 1000] [--returned 700] [--runs 3]

Personalises the forms of a roster of ``--people`` (all three rubrics), fills
``--returned`` of them (every tenth with the name retyped, so it is found by
its roster key; a tenth of the rest on plain forms, found by name and unit),
then times the whole ``rubric-forms read`` command as an administrator runs
it, without the roster (the baseline) and with ``--roster``, median of
``--runs`` each (alternated), and prints both, the difference, and the 名单核对 counts
(checked once in process).

Target (issue 13): the roster check adds less than 10 % to the read time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.distribute.personalize import personalize  # noqa: E402
from generator.distribute.roster import Applicant, read_roster  # noqa: E402
from generator.model.loader import load  # noqa: E402
from generator.model.rubric import RubricSet  # noqa: E402
from generator.readers.batch import read_batch  # noqa: E402
from generator.readers.limits import BatchLimits, default_jobs  # noqa: E402
from generator.reports.outputs import write_reports  # noqa: E402
from generator.reports.tabulate import tabulate  # noqa: E402
from tests.read_fillers import fill_pypdf, form_values, write_form  # noqa: E402
from tests.roster_support import write_csv  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志"
RUBRIC_NAMES = ("服务明星", "服务明星班组", "服务杰出管理者")


def roster_rows(people: int) -> list[list[str]]:
    rows = []
    for n in range(people):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + str(n)
        kind = RUBRIC_NAMES[n % 3]
        team = kind == "服务明星班组"
        rows.append([kind, "" if team else name, name if team else "", f"第{n}供电公司", "" if team else "客户经理",
                     f"p{n}@example.com"])  # fmt: skip
    return rows


def fill_returns(applicants: list[Applicant], forms: Path, inbox: Path, rubrics: RubricSet, count: int) -> None:
    plain = {r.id: write_form(r, forms / f"blank-{r.id}.pdf") for r in rubrics}
    for n, applicant in enumerate(applicants[:count]):
        rubric = applicant.rubric
        values = [value for _, value in applicant.values]
        scores = [sub.points for sub in rubric.subitems]
        source = forms / f"{applicant.rubric.name}-{applicant.name}.pdf"
        if n % 10 == 0:
            values[0] = values[0] + "（改）"  # retyped: only the roster key finds the row
        elif n % 10 == 1:
            source = plain[rubric.id]  # a plain form: found by name and unit
        fill_pypdf(source, inbox / f"{n:04d}.pdf", form_values(rubric, values, scores))


def timed(files: list[Path], rubrics: RubricSet, out: Path, jobs: int, roster: tuple[Applicant, ...] | None) -> float:
    start = time.perf_counter()
    results = read_batch([(p, p.name) for p in files], rubrics, BatchLimits(jobs=jobs))
    tabulation = tabulate(results, rubrics, roster)
    write_reports(tabulation, out)
    elapsed = time.perf_counter() - start
    if roster is not None:
        check = tabulation.roster
        assert check is not None
        counts = (check.count("已交"), check.count("未交"), len(check.unmatched))
        print(f"  名单核对: 已交 {counts[0]}, 未交 {counts[1]}, 名单外 {counts[2]}", end="; ")
    return elapsed


def command(inbox: Path, out: Path, jobs: int, roster: Path | None) -> float:
    extra = ["--roster", str(roster)] if roster is not None else []
    start = time.perf_counter()
    argv = [sys.executable, "-m", "generator", "read", str(inbox), "--out", str(out), "--jobs", str(jobs), *extra]
    subprocess.run(argv, check=False, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--returned", type=int, default=700)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    rubrics = load(ROOT / "rubrics.toml")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        roster_file = write_csv(folder / "花名册.csv", roster_rows(args.people), "utf-8-sig")
        roster = read_roster(roster_file, rubrics, require_email=False)
        forms, inbox = folder / "forms", folder / "inbox"
        inbox.mkdir()
        personalize(roster.applicants, forms)
        fill_returns(list(roster.applicants), forms, inbox, rubrics, args.returned)
        files = sorted(inbox.iterdir())
        print(f"roster of {len(roster.applicants)}, {len(files)} returns, {args.jobs} worker processes")
        timed(files, rubrics, folder / "check", args.jobs, roster.applicants)
        print("(in process)")
        plain: list[float] = []
        with_roster: list[float] = []
        for _ in range(args.runs):  # alternated, so a slower spell of the machine hits both alike
            plain.append(command(inbox, folder / "a", args.jobs, None))
            with_roster.append(command(inbox, folder / "b", args.jobs, roster_file))
        base, checked = statistics.median(plain), statistics.median(with_roster)
        print(f"rubric-forms read: median {base:.2f} s")
        print(f"rubric-forms read --roster: median {checked:.2f} s")
        added = (checked - base) / base
        print(f"the roster check adds {added:+.1%} (target < 10 %: {added < 0.10})")


if __name__ == "__main__":
    main()
