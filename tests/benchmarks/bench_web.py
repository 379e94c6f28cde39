"""Benchmark: the web app's 回收 page with 1,000 results in the workspace, and dropping 100 returns.

    python tests/benchmarks/bench_web.py [--results 1000] [--drop 100] [--runs 5]

(a) Seeds a workspace with ``--results`` uploads whose read outcomes are in the cache (one filled PDF
read once, its result varied per upload: name, scores), lets the app's reading job tabulate them
(nothing is read again), then times GET /returns (plain, sorted, each filter), a detail page and
/forms through the Starlette test client, median of ``--runs``.  Target: every page < 200 ms.

(b) Uploads ``--drop`` filled PDFs into an empty workspace in one request and times until their
results show: the read job done and /returns rendered with every row.  Target: < 3 s on 2 cores.
The report files (xlsx, csv, html) are written by a follow-up job; the time until they are is printed too.

Prints the figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from generator.model.loader import load  # noqa: E402
from generator.readers.batch import read_batch  # noqa: E402
from generator.readers.results import FormResult  # noqa: E402
from generator.readers.scores import ScoreCheck  # noqa: E402
from generator.web import pipelines  # noqa: E402
from generator.web.app import create_app  # noqa: E402
from generator.web.security import csrf_token  # noqa: E402
from generator.web.workspace import Workspace, file_hash  # noqa: E402
from tests.read_fillers import fill_pypdf, form_values, write_form  # noqa: E402
from tests.roster_support import write_csv  # noqa: E402

TOKEN = "bench"
BASE = "http://127.0.0.1:8765"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def filled(folder: Path, count: int) -> list[Path]:
    rubrics = load(ROOT / "rubrics.toml")
    star = rubrics.get("star")
    assert star is not None
    blank = write_form(star, folder / "blank.pdf")
    rng = random.Random(7)
    paths = []
    for n in range(count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        scores = [rng.choice([b.max for b in sub.bands]) for sub in star.subitems]
        values = form_values(star, (name, "华北中心", "客服"), scores, sum(scores))
        paths.append(fill_pypdf(blank, folder / f"{n:04d} {name}.pdf", values))
    return paths


def seed(root: Path, count: int, sample: Path) -> None:
    """``count`` uploads of ``sample``, each with a cached outcome of its own (names and scores varied)."""
    rubrics = load(ROOT / "rubrics.toml")
    workspace = Workspace(root)
    [outcome] = read_batch([(sample, sample.name)], rubrics)
    assert isinstance(outcome, FormResult)
    rng = random.Random(11)
    data = sample.read_bytes()
    cached = []
    for n in range(count):
        upload = workspace.add_upload(pipelines.RETURNS, f"{n:04d} 自评表.pdf", iter([data]))
        scores = {
            key: ScoreCheck(str(v), v)
            for key, v in ((k, max(0, (c.value or 0) - rng.randint(0, 3))) for k, c in outcome.scores.items())
        }
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        problems = ("表上填写的总分与各细项得分之和不一致。",) if n % 10 == 0 else ()
        varied = dataclasses.replace(
            outcome,
            source=upload.path.name,
            applicant={**outcome.applicant, "name": name},
            scores=scores,
            total=sum(c.value or 0 for c in scores.values()),
            problems=problems,
            eligibility="eligible" if n % 3 else "unknown",
        )
        cached.append((upload.id, file_hash(upload.path), pickle.dumps(varied, pickle.HIGHEST_PROTOCOL)))
    workspace.store_outcomes(cached)


def wait_for(root: Path, kind: str, timeout: float = 600) -> None:
    state = Workspace(root)
    deadline = time.monotonic() + timeout
    while (job := state.latest_job(kind)) is None or job.active:
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.02)
    if job.state != "done":
        raise SystemExit(f"job failed: {job.message}")


def timed(client: TestClient, path: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def pages(count: int, runs: int, folder: Path) -> None:
    rubrics = load(ROOT / "rubrics.toml")
    (folder / "sample").mkdir()
    [sample] = filled(folder / "sample", 1)
    root = folder / "pages"
    seed(root, count, sample)
    with TestClient(create_app(root, TOKEN, rubrics), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        start = time.perf_counter()
        client.post(f"/returns/read?csrf={csrf_token(TOKEN)}")
        wait_for(root, pipelines.READ)
        print(f"re-tabulating {count} cached results (no file read): {time.perf_counter() - start:.2f} s")
        page = client.get("/returns?rubric=star").text
        first = page.index("/returns/results/")
        detail = page[first : page.index('"', first)]
        upload_roster(client, folder, count)
        client.get("/roster")  # starts the roster check of the reading
        wait_for(root, "roster_check")
        print(f"(a) {count} results and a {count}-row roster in the workspace; median of {runs} runs; target < 200 ms")
        for path in [
            "/returns",
            "/returns?rubric=star&order=total",
            "/returns?rubric=star&order=total&page=10",
            "/returns?rubric=star&problems=1",
            "/returns?rubric=star&eligibility=待核实",
            "/returns?rubric=star&format=PDF&seal=电子签章未签章&order=applicant",
            detail,
            "/forms",
            "/distribute",
            "/distribute/status",
            "/roster",
            "/keying",
        ]:
            print(f"  GET {path}: {timed(client, path, runs):.1f} ms")


def upload_roster(client: TestClient, folder: Path, count: int) -> None:
    """A roster of ``count`` applicants of 服务明星, as the 发放 page takes it."""
    rows = [["服务明星", f"申报人{n:04d}", "", "华北中心", "客服", f"a{n:04d}@example.com"] for n in range(count)]
    roster = write_csv(folder / "花名册.csv", rows, "utf-8-sig")
    files = {"roster": ("花名册.csv", roster.read_bytes(), "text/csv")}
    response = client.post(f"/distribute/roster?csrf={csrf_token(TOKEN)}", files=files)
    assert response.status_code == 200, response.text


def drop(count: int, folder: Path) -> None:
    rubrics = load(ROOT / "rubrics.toml")
    (folder / "drop").mkdir()
    paths = filled(folder / "drop", count)
    root = folder / "dropped"
    with TestClient(create_app(root, TOKEN, rubrics), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
        start = time.perf_counter()
        client.post(f"/returns/upload?csrf={csrf_token(TOKEN)}", files=files)
        uploaded = time.perf_counter() - start
        wait_for(root, pipelines.READ)
        page = client.get("/returns").text
        elapsed = time.perf_counter() - start
        shown = page.count('<a href="/returns/results/')
        wait_for(root, pipelines.REPORT)
        reported = time.perf_counter() - start
    print(
        f"(b) dropping {count} filled PDFs ({os.cpu_count()} CPUs): upload {uploaded:.2f} s, results shown "
        f"({shown} rows) after {elapsed:.2f} s; target < 3 s on 2 cores; report files written after {reported:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000)
    parser.add_argument("--drop", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        pages(args.results, args.runs, Path(folder))
        drop(args.drop, Path(folder))


if __name__ == "__main__":
    main()
