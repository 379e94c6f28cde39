"""Benchmark: scanned pages read by the whole ``rubric-forms read`` command, at 200 dpi.

    python tests/benchmarks/bench_scans.py [--applications 60] [--jobs N] [--runs 3]

Prints personalised forms of all three rubrics (a third each), stamps half of
them, scans them at 200 dpi (±2° skew, JPEG quality 75) and files them the
ways an office does: stacks of 20 pages in image PDFs, single JPEG pages and
multi-page TIFFs.  Then times the whole command line (start-up, reading,
grouping, seal checks, crops, tabulation, the reports and 录入表.xlsx) over
the folder, median of ``--runs``, and prints pages per second and the size
of the outputs.

Target (issue 14): at least 4 scanned pages/s at 200 dpi on 2 cores, whole command.
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

from generator.distribute.personalize import Personalizer  # noqa: E402
from generator.distribute.roster import Applicant  # noqa: E402
from generator.model.loader import load  # noqa: E402
from tests import scan_factory as sf  # noqa: E402
from tests.read_fillers import fill_pypdf, form_values  # noqa: E402

TARGET_PAGES_PER_S = 4.0
DPI = 200
NAMES = "张王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"


def people(count: int) -> list[Applicant]:
    rubrics = list(load(ROOT / "rubrics.toml"))
    found = []
    for n in range(count):
        rubric = rubrics[n % len(rubrics)]
        values = (f"{NAMES[n % len(NAMES)]}{n}号", f"第{n}供电公司", "客户经理")
        fields = tuple((h.id, v) for h, v in zip(rubric.applicant_fields, values, strict=False))
        found.append(Applicant(n + 2, rubric, fields, ""))
    return found


def scanned_pages(applicants: list[Applicant], work: Path) -> list:
    personal = dict(Personalizer(applicants).write_all(applicants, work / "personal"))
    pages = []
    for n, (person, path) in enumerate(personal.items()):
        scores = [sub.bands[-1].min for sub in person.rubric.subitems]
        values = form_values(person.rubric, [v for _, v in person.values], scores)
        filled = fill_pypdf(path, work / f"filled-{n}.pdf", values)
        rendered = sf.render_pages(filled, DPI)
        if n % 2 == 0:
            box = sf.seal_box_px(filled, len(rendered) - 1, DPI)
            rendered[-1] = sf.stamp_seal(rendered[-1], sf.box_center(box), sf.mm_to_px(40, DPI), seed=n)
        pages += [sf.distort(page, rotate_deg=(n % 5 - 2), seed=n) for page in rendered]
    return pages


def file_them(pages: list, folder: Path) -> None:
    """Stacks of 20 pages as image PDFs, then every tenth page as a JPEG, then TIFFs of 4."""
    folder.mkdir()
    stacks, singles, tiffs = pages[: len(pages) // 2], pages[len(pages) // 2 : -8], pages[-8:]
    for n in range(0, len(stacks), 20):
        sf.save_image_pdf(stacks[n : n + 20], folder / f"扫描 {n // 20 + 1}.pdf", DPI)
    for n, page in enumerate(singles):
        sf.save_jpeg(page, folder / f"IMG_{n:04d}.jpg", quality=75, dpi=DPI)
    for n in range(0, len(tiffs), 4):
        sf.save_tiff(tiffs[n : n + 4], folder / f"传真 {n // 4 + 1}.tif", dpi=DPI, compression="jpeg")


def run_command(folder: Path, out: Path, jobs: int) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "generator", "read", str(folder), "--out", str(out), "--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"read failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scans-") as tmp:
        work = Path(tmp)
        (work / "personal").mkdir()
        made = time.perf_counter()
        pages = scanned_pages(people(args.applications), work)
        file_them(pages, work / "scans")
        print(f"made {len(pages)} scanned pages at {DPI} dpi in {time.perf_counter() - made:.1f} s")
        times = [run_command(work / "scans", work / f"out-{run}", args.jobs) for run in range(args.runs)]
        median = statistics.median(times)
        rate = len(pages) / median
        verdict = "OK" if rate >= TARGET_PAGES_PER_S else "MISSED"
        print(f"rubric-forms read, whole command: {median:.2f} s median of {args.runs} "
              f"({', '.join(f'{t:.2f}' for t in times)})")  # fmt: skip
        print(f"  {rate:.1f} scanned pages/s (target >= {TARGET_PAGES_PER_S:g}: {verdict})")
        for path in sorted((work / "out-0").iterdir()):
            print(f"  {path.name}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
