"""Benchmark: reading electronic seals — signed forms per second, and what it costs an unsigned form.

    python tests/benchmarks/bench_esign.py [--forms 150] [--runs 5] [--jobs N]

Makes ``--forms`` filled forms (all three rubrics, different names and scores,
filled with pypdf) and signs each into its seal field with pyHanko (a test CA
made for the run, as ``tests/esign_support.py`` does), then prints:

- signed forms, in this process: :func:`read_e_seal` alone, without and with
  trust roots; the whole read of a return (``read_pdf_form`` + ``read_e_seal``);
  and the whole read in ``--jobs`` worker processes, as a batch reads;
- unsigned forms: ``read_pdf_form`` alone against ``read_pdf_form`` +
  ``read_e_seal``, the two alternated run by run in the same process (median
  of ``--runs`` each), and their ratio.

Targets: at least 50 signed forms/s for the whole read; a ratio of about 1.0
for unsigned forms (they must not be slowed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.model.fields import seal_field  # noqa: E402
from generator.model.loader import load  # noqa: E402
from generator.model.rubric import Rubric, RubricSet  # noqa: E402
from generator.readers.limits import default_jobs  # noqa: E402
from generator.readers.pdf.esign import read_e_seal  # noqa: E402
from generator.readers.pdf.reader import read_pdf_form  # noqa: E402
from tests.esign_support import make_pki, sign_form  # noqa: E402
from tests.read_fillers import ORGANIZATION, fill_pypdf, form_values, write_form  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志"

Form = tuple[bytes, Rubric]


def make_forms(rubrics: RubricSet, folder: Path, count: int) -> list[tuple[bytes, Rubric]]:
    """``count`` filled, unsigned forms (a third per rubric)."""
    rng = random.Random(7)
    blanks = {r.id: write_form(r, folder / f"blank-{r.id}.pdf") for r in rubrics}
    forms = []
    for n in range(count):
        rubric = rubrics.rubrics[n % len(rubrics)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        applicant = [name, f"第{n}供电公司", "客户经理"][: len(rubric.applicant_fields)]
        scores = [rng.choice([b.max for b in sub.bands]) for sub in rubric.subitems]
        target = fill_pypdf(blanks[rubric.id], folder / f"{n:04d}.pdf", form_values(rubric, applicant, scores))
        forms.append((target.read_bytes(), rubric))
    return forms


def sign_all(forms: list[Form]) -> list[Form]:
    pki = make_pki(ORGANIZATION)
    return [(sign_form(data, seal_field(rubric).name, pki.seal), rubric) for data, rubric in forms]


def rate(forms: Sequence[Form], read: Callable[[bytes, Rubric], object], runs: int) -> float:
    """Forms per second: the median of ``runs`` passes over all forms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for data, rubric in forms:
            read(data, rubric)
        times.append(time.perf_counter() - start)
    return len(forms) / statistics.median(times)


_RUBRICS: RubricSet | None = None


def _whole_read(data: bytes, rubric: Rubric, rubrics: RubricSet) -> None:
    """What the reader does for one returned PDF: its fields, then its seal (the organisation typed on it)."""
    result = read_pdf_form(data, "bench.pdf", rubrics).result
    read_e_seal(data, rubric, result.organization)


def _init_worker(path: str) -> None:
    global _RUBRICS
    _RUBRICS = load(Path(path))


def _worker(form: Form) -> None:
    assert _RUBRICS is not None
    _whole_read(form[0], form[1], _RUBRICS)


def batch_rate(forms: list[Form], jobs: int) -> float:
    """The whole read in ``jobs`` worker processes (started before the clock, as a batch's pool is)."""
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(str(ROOT / "rubrics.toml"),)) as pool:
        list(pool.map(_worker, forms[: jobs * 2]))  # warm the workers up (imports)
        start = time.perf_counter()
        list(pool.map(_worker, forms, chunksize=4))
        return len(forms) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    rubrics = load(ROOT / "rubrics.toml")
    with tempfile.TemporaryDirectory() as temp:
        unsigned = make_forms(rubrics, Path(temp), args.forms)
    start = time.perf_counter()
    signed = sign_all(unsigned)
    print(f"{len(signed)} filled forms (all three rubrics), signed with pyHanko in {time.perf_counter() - start:.1f} s")
    roots = make_pki(ORGANIZATION).root_ders()

    for data, rubric in signed[:3]:  # warm up: imports, caches
        assert read_e_seal(data, rubric, ORGANIZATION, roots).trusted is True
        _whole_read(data, rubric, rubrics)
    alone = rate(signed, lambda d, r: read_e_seal(d, r, ORGANIZATION), args.runs)
    trusted = rate(signed, lambda d, r: read_e_seal(d, r, ORGANIZATION, roots), args.runs)
    whole = rate(signed, lambda d, r: _whole_read(d, r, rubrics), args.runs)
    fields = rate(signed, lambda d, r: read_pdf_form(d, "bench.pdf", rubrics), args.runs)
    print("signed forms, one process:")
    print(f"  read_e_seal alone:                      {alone:6.0f} forms/s")
    print(f"  read_e_seal with --trust-roots:         {trusted:6.0f} forms/s")
    print(f"  read_pdf_form alone (fields only):      {fields:6.0f} forms/s")
    print(f"  read_pdf_form + read_e_seal (whole):    {whole:6.0f} forms/s  (target >= 50: {whole >= 50})")
    parallel = batch_rate(signed, args.jobs)
    print(f"  whole read, {args.jobs} worker processes:        {parallel:6.0f} forms/s")

    for data, rubric in unsigned[:3]:
        assert read_e_seal(data, rubric, ORGANIZATION).state == "unsigned"
    plain: list[float] = []
    with_seal: list[float] = []
    for _ in range(args.runs):  # alternated, so that drifts in machine speed hit both alike
        plain.append(rate(unsigned, lambda d, r: read_pdf_form(d, "bench.pdf", rubrics), 1))
        with_seal.append(rate(unsigned, lambda d, r: _whole_read(d, r, rubrics), 1))
    a, b = statistics.median(plain), statistics.median(with_seal)
    print("unsigned forms, one process (median of alternated runs):")
    print(f"  read_pdf_form alone:                    {a:6.0f} forms/s")
    print(f"  read_pdf_form + read_e_seal:            {b:6.0f} forms/s")
    print(f"  ratio (with / without):                 {b / a:6.3f}  (target ~1.0)")
    probe = unsigned[0][0]
    start = time.perf_counter()
    for _ in range(10_000):
        read_e_seal(probe, unsigned[0][1], ORGANIZATION)
    print(f"  read_e_seal on an unsigned form:        {(time.perf_counter() - start) / 10_000 * 1e6:6.1f} µs")


if __name__ == "__main__":
    main()
