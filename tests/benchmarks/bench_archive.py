"""Benchmark: the review archive of 1,000 applications (all three rubrics), PDF, Word and paper.

    python tests/benchmarks/bench_archive.py [--forms 1000] [--paper 0.1] [--word 0.1] [--jobs N]

Builds ``--forms`` returns: filled PDF forms (different Chinese names and
scores, a third per rubric), filled Word forms (``--word`` of them) and paper
applications (``--paper`` of them: a filled form printed, stamped and
scanned at 150 dpi into a two-page image PDF, one per rubric, copied), reads
them once, then times

- ``write_archives`` alone (what ``rubric-forms archive`` does after reading);
- the whole command line once (start-up, reading and archiving).

Targets (issue 16): at most 60 s for 1,000 applications on a 2-core machine,
at most 150 KB per application on average (fonts subset once per archive, not
per page).  Then checks the archives with poppler: ``pdffonts`` (every font
embedded, a subset) and ``pdftotext`` (every name, every total).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import ImageDraw

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.archive import write_archives  # noqa: E402
from generator.layout.form import build_layout  # noqa: E402
from generator.model.loader import load  # noqa: E402
from generator.model.rubric import RubricSet  # noqa: E402
from generator.readers.batch import read_returns  # noqa: E402
from generator.readers.limits import BatchLimits, default_jobs  # noqa: E402
from generator.readers.results import FormResult  # noqa: E402
from generator.reports.tabulate import tabulate  # noqa: E402
from generator.writers.docx.writer import write_docx  # noqa: E402
from generator.writers.pdf.fonts import CACHE_ENV  # noqa: E402
from tests import scan_factory as sf  # noqa: E402
from tests.benchmarks.bench_read import fill_copies  # noqa: E402
from tests.read_fillers import fill_pypdf, form_values, write_form  # noqa: E402
from tests.scan_batch import Paper, printed  # noqa: E402
from tests.word_fillers import fill_controls  # noqa: E402

TARGET_S = 60.0
TARGET_KB = 150.0


def make_pdf_forms(rubrics: RubricSet, folder: Path, count: int) -> None:
    folder.mkdir()
    blanks = {r.id: write_form(r, folder / f"blank-{r.id}.pdf") for r in rubrics}
    fill_copies(rubrics, folder, count, blanks, fill_pypdf)


def make_word_forms(rubrics: RubricSet, folder: Path, count: int) -> None:
    folder.mkdir()
    blanks = {r.id: folder / f"blank-{r.id}.docx" for r in rubrics}
    for rubric in rubrics:
        write_docx(build_layout(rubric), blanks[rubric.id])
    fill_copies(rubrics, folder, count, blanks, fill_controls)


def make_paper(rubrics: RubricSet, folder: Path, work: Path, count: int) -> None:
    """``count`` paper applications: per rubric one form filled, printed, stamped and scanned, then copied
    with a serial number scribbled in the margin, so every copy's page images differ (an archive stores
    identical images once) and every copy is an application of its own (blank forms carry no roster key)."""
    folder.mkdir()
    scans = {}
    for rubric in rubrics:
        scores = tuple(sub.bands[-1].max for sub in rubric.subitems)
        header = ("纸质申报", "国网安徽省电力公司", "班长")[: len(rubric.applicant_fields)]
        paper = Paper(rubric.id, header, scores, dpi=150, seal="full", distort={"rotate_deg": 1.5, "noise": 3.0})
        filled = fill_pypdf(
            write_form(rubric, work / f"paper-blank-{rubric.id}.pdf"),
            work / f"paper-{rubric.id}.pdf",
            form_values(rubric, header, scores, sum(scores)),
        )
        scans[rubric.id] = printed(filled, paper)
    for n in range(count):
        rubric = rubrics.rubrics[n % len(rubrics)]
        pages = [page.copy() for page in scans[rubric.id]]
        for page in pages:
            ImageDraw.Draw(page).text((60, page.height - 60), f"No. {n:04d}", fill=(40, 40, 120))
        sf.save_image_pdf(pages, folder / f"扫描-{n:04d}-{rubric.id}.pdf", 150)


def check(paths: list[Path], results: list[FormResult], rubrics: RubricSet) -> None:
    """Every font embedded and subset (pdffonts); every name and every total found as text (pdftotext)."""
    texts = {}
    for path, rubric in zip(paths, [r for r in rubrics if any(x.rubric_id == r.id for x in results)], strict=True):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        for line in fonts.splitlines()[2:]:
            emb, sub = line.split()[-5:-3]
            assert (emb, sub) == ("yes", "yes") and "+" in line.split()[0], f"{path.name}: {line}"
        texts[rubric.id] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        print(f"  {path.name}: {len(fonts.splitlines()) - 2} embedded subset fonts")
    missing = []
    for result in results:
        rubric = rubrics.get(result.rubric_id or "")
        assert rubric is not None
        text = texts[rubric.id]
        name = result.applicant.get(rubric.name_field.id, "")
        if name and name not in text:
            missing.append(name)
        if result.scores and f"核算总分 {result.total} 分" not in text:
            missing.append(f"{name} {result.total}")
    print(f"  pdftotext: every name and total found: {not missing} {missing[:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--paper", type=float, default=0.1, help="share of paper applications")
    parser.add_argument("--word", type=float, default=0.1, help="share of Word returns")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    rubrics = load(ROOT / "rubrics.toml")
    paper, word = round(args.forms * args.paper), round(args.forms * args.word)
    pdf = args.forms - paper - word
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        os.environ[CACHE_ENV] = str(work / "font-cache")  # the timed run cuts its font subsets afresh
        returns = work / "回收"
        returns.mkdir()
        start = time.perf_counter()
        make_pdf_forms(rubrics, returns / "pdf", pdf)
        make_word_forms(rubrics, returns / "word", word)
        make_paper(rubrics, returns / "paper", work, paper)
        print(f"{pdf} PDF + {word} Word + {paper} paper returns made in {time.perf_counter() - start:.0f} s")
        results = read_returns([returns], rubrics, BatchLimits(jobs=args.jobs))
        forms = tabulate(results, rubrics).results
        read = [r for r in forms if r.read]
        assert len(read) == args.forms, f"{len(read)} of {args.forms} returns read as applications"

        start = time.perf_counter()
        paths = write_archives(forms, rubrics, work / "archive", jobs=args.jobs)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in paths)
        per = size / 1000 / len(read)
        print(f"write_archives (font subsets cut afresh): {len(read)} applications in {elapsed:.1f} s", end="")
        print(f" (target <= {TARGET_S:g} s: {elapsed <= TARGET_S})")
        print(f"size: {size / 1e6:.1f} MB in all, {per:.0f} KB per application", end="")
        print(f" (target <= {TARGET_KB:g} KB: {per <= TARGET_KB})")
        electronic = [r for r in forms if r.read and r.scan is None]
        only = write_archives(electronic, rubrics, work / "electronic", jobs=args.jobs)
        per_electronic = sum(p.stat().st_size for p in only) / 1000 / len(electronic)
        paper_kb = (size - sum(p.stat().st_size for p in only)) / 1000 / max(1, len(read) - len(electronic))
        print(f"  of which: {per_electronic:.0f} KB per electronic application, ~{paper_kb:.0f} KB per paper one")
        check(paths, read, rubrics)

        start = time.perf_counter()
        command = [sys.executable, "-m", "generator", "archive", str(returns), "--out", str(work / "cli")]
        done = subprocess.run([*command, "--jobs", str(args.jobs)], capture_output=True, text=True, cwd=ROOT)
        whole = time.perf_counter() - start
        print(f"whole command line (reading {args.forms} returns, archiving; fonts cached): {whole:.1f} s", end="")
        print(f" (exit {done.returncode}; target <= {TARGET_S:g} s: {whole <= TARGET_S})")


if __name__ == "__main__":
    main()
