"""Benchmark: read and tabulate 1,000 filled forms (all three rubrics), PDF and Word, against pdftk's field dump.

    python tests/benchmarks/bench_read.py [--forms 1000] [--jobs N] [--runs 3]

Builds the three generated PDFs, fills ``--forms`` copies with different
Chinese names and scores (a third per rubric), then times

- ours: ``read_batch`` + duplicate check + tabulation + writing the workbook,
  the CSV files and the HTML report (what ``rubric-forms read`` does after
  start-up), median of ``--runs``; and the whole command line once;
- baseline: ``pdftk FILE dump_data_fields_utf8`` over the same files, run
  with the same number of parallel processes.

Then the same for ``--forms`` Word returns (.docx filled in their content
controls): the whole command line once.

Targets: at least 300 PDF forms/s on a 2-core machine, and at least 10 times
the baseline's rate (issue 5); at least 400 .docx forms/s for the whole
command (issue 12).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.layout.form import build_layout  # noqa: E402
from generator.model.loader import load  # noqa: E402
from generator.model.rubric import Rubric, RubricSet  # noqa: E402
from generator.readers.batch import read_batch  # noqa: E402
from generator.readers.limits import BatchLimits, default_jobs  # noqa: E402
from generator.reports.outputs import write_reports  # noqa: E402
from generator.reports.tabulate import tabulate  # noqa: E402
from generator.writers.docx.writer import write_docx  # noqa: E402
from tests.read_fillers import fill_pypdf, form_values, write_form  # noqa: E402
from tests.word_fillers import fill_controls  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志"


def random_scores(rubric: Rubric, rng: random.Random) -> list[int]:
    return [rng.choice([b.max for b in sub.bands]) for sub in rubric.subitems]


Filler = Callable[[Path, Path, dict[str, str]], Path]


def fill_copies(rubrics: RubricSet, folder: Path, count: int, blanks: dict[str, Path], fill: Filler) -> list[Path]:
    """``count`` filled copies of the blank forms (a third per rubric), different names and scores."""
    rng = random.Random(5)
    paths = []
    for n in range(count):
        rubric = rubrics.rubrics[n % len(rubrics)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        applicant = [name, f"第{n}供电公司", "客户经理"][: len(rubric.applicant_fields)]
        scores = random_scores(rubric, rng)
        values = form_values(rubric, applicant, scores, sum(scores))
        blank = blanks[rubric.id]
        paths.append(fill(blank, folder / f"{n:04d}-{rubric.id}{blank.suffix}", values))
    for blank in blanks.values():
        blank.unlink()
    return paths


def make_forms(rubrics: RubricSet, folder: Path, count: int) -> list[Path]:
    blanks = {r.id: write_form(r, folder / f"blank-{r.id}.pdf") for r in rubrics}
    return fill_copies(rubrics, folder, count, blanks, fill_pypdf)


def make_word_forms(rubrics: RubricSet, folder: Path, count: int) -> list[Path]:
    blanks = {r.id: folder / f"blank-{r.id}.docx" for r in rubrics}
    for rubric in rubrics:
        write_docx(build_layout(rubric), blanks[rubric.id])
    return fill_copies(rubrics, folder, count, blanks, fill_controls)


def word(rubrics: RubricSet, temp: Path, count: int, jobs: int) -> None:
    forms, out = temp / "word", temp / "word-out"
    forms.mkdir()
    files = make_word_forms(rubrics, forms, count)
    times = [ours(files, rubrics, out, jobs) for _ in range(3)]
    rate = len(files) / statistics.median(times)
    print(f"Word: {len(files)} filled .docx forms; read + tabulate + write outputs: {rate:.0f} forms/s")
    whole = command_line(forms, out, jobs)
    whole_rate = len(files) / whole
    print(f"Word: whole command line: {whole:.2f} s = {whole_rate:.0f} forms/s (target >= 400: {whole_rate >= 400})")


def ours(files: list[Path], rubrics: RubricSet, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    results = read_batch([(p, p.name) for p in files], rubrics, BatchLimits(jobs=jobs))
    write_reports(tabulate(results, rubrics), out)
    elapsed = time.perf_counter() - start
    assert sum(r.read for r in results) == len(files), "every benchmark form must be read"
    return elapsed


def command_line(folder: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "generator", "read", str(folder), "--out", str(out), "--jobs", str(jobs)]
    subprocess.run(command, check=False, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def pdftk(files: list[Path], jobs: int) -> float:
    def dump(path: Path) -> None:
        subprocess.run(["pdftk", str(path), "dump_data_fields_utf8"], check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(dump, files))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rubrics = load(ROOT / "rubrics.toml")
    with tempfile.TemporaryDirectory() as temp:
        forms, out = Path(temp) / "forms", Path(temp) / "out"
        forms.mkdir()
        files = make_forms(rubrics, forms, args.forms)
        print(f"{len(files)} filled forms (all three rubrics), {args.jobs} worker processes")
        times = [ours(files, rubrics, out, args.jobs) for _ in range(args.runs)]
        rate = len(files) / statistics.median(times)
        print(f"ours (read + tabulate + write outputs): median {statistics.median(times):.2f} s = {rate:.0f} forms/s")
        whole = command_line(forms, out, args.jobs)
        print(f"ours (whole command line, start-up included): {whole:.2f} s = {len(files) / whole:.0f} forms/s")
        word(rubrics, Path(temp), args.forms, args.jobs)
        if shutil.which("pdftk") is None:
            print("baseline: pdftk is not installed")
            return
        baseline = pdftk(files, args.jobs)
        base_rate = len(files) / baseline
        print(f"baseline (pdftk dump_data_fields_utf8, {args.jobs} at a time): {baseline:.1f} s", end="")
        print(f" = {base_rate:.1f} forms/s")
        print(f"ratio: {rate / base_rate:.0f}x the baseline (target >= 10x); target >= 300 forms/s: {rate >= 300}")


if __name__ == "__main__":
    main()
