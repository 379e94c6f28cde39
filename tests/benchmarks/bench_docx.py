"""Benchmark: build the three Word forms in one process; median time of several runs, file sizes.

Run: python tests/benchmarks/bench_docx.py [RUNS]
Targets (issue 3): under 0.5 s for all three; each file under 60 KB.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from generator.layout.form import build_layout
from generator.model.loader import load
from generator.resources import bundled_rubrics
from generator.writers.docx.writer import write_docx

TARGET_SECONDS = 0.5
TARGET_BYTES = 60_000


def build_all_docx(out: Path) -> list[Path]:
    """Load the rubrics, lay each out and write its .docx: what `build` does for Word."""
    paths = []
    for rubric in load(bundled_rubrics()):
        path = out / f"{rubric.title}.docx"
        write_docx(build_layout(rubric), path)
        paths.append(path)
    return paths


def main(runs: int = 15) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        build_all_docx(out)  # warm-up: imports, the cached starting package
        times, cpu_times = [], []
        for _ in range(runs):
            start, cpu_start = time.perf_counter(), time.process_time()
            paths = build_all_docx(out)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
        median = statistics.median(times)
        print(f"three .docx, {runs} runs: median {median * 1000:.1f} ms, min {min(times) * 1000:.1f} ms, ", end="")
        print(f"max {max(times) * 1000:.1f} ms (target < {TARGET_SECONDS * 1000:.0f} ms); ", end="")
        print(f"CPU time median {statistics.median(cpu_times) * 1000:.1f} ms")
        for path in paths:
            size = path.stat().st_size
            print(f"  {path.name}: {size / 1000:.1f} KB (target < {TARGET_BYTES / 1000:.0f} KB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
