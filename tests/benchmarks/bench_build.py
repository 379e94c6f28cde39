"""Benchmark: ``rubric-forms build`` writing all six forms (3 .docx + 3 .pdf) in one fresh process.

Cold start included: each run is a new ``python -m generator build`` process.
Prints the median of 5 runs with the font cache warm (the normal case), one
run with an empty font cache (first build on a machine: the CJK subsets are
converted then), the bare interpreter start as a baseline, and each PDF's size.
Targets (issue 4): all six files < 1.5 s; each PDF < 200 KB.

    /tmp/venv/bin/python tests/benchmarks/bench_build.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
TARGET_SECONDS = 1.5
TARGET_PDF_BYTES = 200 * 1024


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "output"
        build = [sys.executable, "-m", "generator", "build", str(ROOT / "rubrics.toml"), "--out", str(out)]
        cold_cache = timed(build, env | {"RUBRIC_FORMS_CACHE": str(Path(tmp) / "font-cache")})
        timed(build, env)  # make sure the user's font cache holds these subsets
        warm = [timed(build, env) for _ in range(RUNS)]
        baseline = statistics.median(timed([sys.executable, "-c", "pass"], env) for _ in range(RUNS))
        files = sorted(out.iterdir())
        median = statistics.median(warm)
        print(f"build, 6 files, fresh process, warm font cache: median {median:.3f} s of {RUNS} "
              f"({', '.join(f'{t:.3f}' for t in warm)}); target < {TARGET_SECONDS} s: "
              f"{'OK' if median < TARGET_SECONDS else 'MISSED'}")  # fmt: skip
        print(f"build, 6 files, empty font cache (first run on a machine): {cold_cache:.3f} s")
        print(f"baseline: bare interpreter start {baseline:.3f} s; build / baseline = {median / baseline:.1f}x")
        print(f"files written: {len(files)}")
        for path in files:
            if path.suffix == ".pdf":
                size = path.stat().st_size
                verdict = "OK" if size < TARGET_PDF_BYTES else "MISSED"
                print(f"  {path.name}: {size / 1024:.1f} KB (target < 200 KB: {verdict})")


if __name__ == "__main__":
    main()
