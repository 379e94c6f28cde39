"""Benchmark: 5,000 copies of one applicant's form against 5,000 different applicants (issue 10, class 6).

The audit found duplicate reports growing quadratically: 5,000 copies took
386 s, 3.7 GB and wrote a 553 MB HTML report, where 5,000 distinct forms took
7 s.  This prints, for both batches, the time to tabulate and write every
output, the peak memory of that step and the outputs' size, and the ratio of
copies to distinct (the baseline, run in the same process): about 1 is linear.
Reading the files is left out; it does not depend on duplicates.

    .venv/bin/python tests/benchmarks/bench_duplicates.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator import load  # noqa: E402
from generator.model.rubric import Rubric  # noqa: E402
from generator.readers.evaluate import evaluate  # noqa: E402
from generator.readers.results import FormResult  # noqa: E402
from generator.reports.outputs import write_reports  # noqa: E402
from generator.reports.tabulate import tabulate  # noqa: E402
from tests.read_fillers import form_values  # noqa: E402

COUNT = 5000


def results(rubric: Rubric, same_person: bool) -> list[FormResult]:
    scores = [sub.points for sub in rubric.subitems]
    made = []
    for n in range(COUNT):
        name = "张三" if same_person else f"申报人{n:05d}"
        made.append(evaluate(rubric, form_values(rubric, [name, "华北服务中心", "客服"], scores, 100), f"{n:05d}.pdf"))
    return made


def measure(batch: list[FormResult], out: Path) -> tuple[float, float, float]:
    """Seconds, peak MB (a second, traced run) and output MB of tabulating and writing one batch."""
    rubrics = load(ROOT / "rubrics.toml")
    start = time.perf_counter()
    written = write_reports(tabulate(batch, rubrics), out)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    write_reports(tabulate(batch, rubrics), out)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return elapsed, peak, sum(path.stat().st_size for path in written) / 1e6


def main() -> None:
    star = load(ROOT / "rubrics.toml").get("star")
    assert star is not None
    with tempfile.TemporaryDirectory() as temp:
        distinct = measure(results(star, same_person=False), Path(temp) / "distinct")
        copies = measure(results(star, same_person=True), Path(temp) / "copies")
    for label, (seconds, peak, size) in (("distinct (baseline)", distinct), ("copies of one form", copies)):
        print(f"{COUNT} {label}: {seconds:.2f} s, peak {peak:.0f} MB, outputs {size:.1f} MB")
    print(
        f"copies / distinct: time {copies[0] / distinct[0]:.2f}x, memory {copies[1] / distinct[1]:.2f}x, "
        f"size {copies[2] / distinct[2]:.2f}x (the audit, before the fix: 386 s against 7 s for the whole read)"
    )


if __name__ == "__main__":
    main()
