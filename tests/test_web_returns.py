"""The 回收 page: incremental reading, zip uploads, filters, the detail view and the archive download."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.readers import batch
from generator.web.app import create_app
from generator.web.security import csrf_token
from generator.web.workspace import Workspace
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.test_collect import windows_zip

TOKEN = "the-run-token"
BASE = "http://127.0.0.1:8765"
CSRF = csrf_token(TOKEN)
PEOPLE = [("张三", "华北中心", "客服"), ("李四", "华东中心", "客户经理"), ("王五", "华南中心", "班组长")]
SCORES = [[10, 15, 15, 10, 10, 20, 20], [8, 12, 13, 9, 10, 18, 15], [9, 14, 15, 10, 8, 20, 18]]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "工作区"


@pytest.fixture
def client(workspace: Path, rubric_set: RubricSet) -> Iterator[TestClient]:
    with TestClient(create_app(workspace, TOKEN, rubric_set), base_url=BASE) as client:
        assert client.get(f"/?token={TOKEN}").status_code == 200
        yield client


@pytest.fixture
def returns(tmp_path: Path, rubric_set: RubricSet) -> list[Path]:
    """Three filled PDFs of the star rubric; 王五's total as typed is wrong (a problem)."""
    star = rubric_set.get("star")
    assert star is not None
    blank = write_form(star, tmp_path / "blank.pdf")
    typed = [sum(SCORES[0]), sum(SCORES[1]), sum(SCORES[2]) + 1]
    return [
        fill_pypdf(blank, tmp_path / f"{person[0]} 自评表.pdf", form_values(star, person, scores, total))
        for person, scores, total in zip(PEOPLE, SCORES, typed, strict=True)
    ]


def upload(client: TestClient, workspace: Path, files: list[tuple[str, bytes]]) -> None:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    assert client.post(f"/returns/upload?csrf={CSRF}", files=parts).status_code == 200
    wait_for(workspace, "read")


def wait_for(workspace: Path, kind: str) -> None:
    state = Workspace(workspace)
    deadline = time.monotonic() + 60
    while (job := state.latest_job(kind)) is None or job.active:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    assert job.state == "done", job.message


def applicants(page: str) -> list[str]:
    return re.findall(r'<a href="/returns/results/\d+">([^<，]+)', page)


def test_a_second_upload_reads_only_the_new_file(
    client: TestClient, workspace: Path, returns: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    original = batch.read_batch

    def counting(paths, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(len(paths))
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(batch, "read_batch", counting)
    upload(client, workspace, [(p.name, p.read_bytes()) for p in returns[:2]])
    upload(client, workspace, [(returns[2].name, returns[2].read_bytes())])
    assert read == [2, 1]
    assert sorted(applicants(client.get("/returns").text)) == ["张三", "李四", "王五"]
    client.post(f"/returns/read?csrf={CSRF}")  # reading again reads nothing
    wait_for(workspace, "read")
    assert read == [2, 1]
    assert len(applicants(client.get("/returns").text)) == 3


def test_a_windows_zip_with_gbk_names_is_unpacked(client: TestClient, workspace: Path, returns: list[Path]) -> None:
    data = windows_zip(
        {
            "交回/张三 自评表.pdf": returns[0].read_bytes(),
            "交回/李四 自评表.pdf": returns[1].read_bytes(),
            "../../说明.txt": b"not a return",
        }
    )
    upload(client, workspace, [("回收表格.zip", data)])
    uploads = Workspace(workspace).uploads("returns")
    assert sorted(u.name for u in uploads) == ["回收表格.zip › 张三 自评表.pdf", "回收表格.zip › 李四 自评表.pdf"]
    assert all(u.path.parent == workspace.resolve() / "uploads" and u.id in u.path.name for u in uploads)
    assert not list((workspace / "uploads").glob("*.zip")), "the zip goes once its members are in"
    page = client.get("/returns").text
    assert sorted(applicants(page)) == ["张三", "李四"]
    assert "说明.txt" in page and "不是交回的表格" in page
    assert not (workspace.parent / "说明.txt").exists()


def test_filters_narrow_the_table_and_the_detail_shows_the_bands(
    client: TestClient, workspace: Path, returns: list[Path], rubric_set: RubricSet
) -> None:
    upload(client, workspace, [(p.name, p.read_bytes()) for p in returns])
    everything = client.get("/returns?rubric=star").text
    assert applicants(everything) == ["张三", "王五", "李四"]
    assert applicants(client.get("/returns?rubric=star&problems=1").text) == ["王五"]
    assert applicants(client.get("/returns?rubric=star&format=PDF").text) == ["张三", "王五", "李四"]
    assert applicants(client.get("/returns?rubric=star&format=Word").text) == []
    eligibility = re.search(
        r'<select name="eligibility">\s*<option value="">全部</option>\s*<option value="([^"]+)"', everything
    )
    assert eligibility is not None
    assert len(applicants(client.get(f"/returns?rubric=star&eligibility={eligibility[1]}").text)) == 3
    assert applicants(client.get("/returns?rubric=star&eligibility=不得申报").text) == []
    assert applicants(client.get("/returns?rubric=star&seal=印章已盖章").text) == []
    assert applicants(client.get("/returns?rubric=star&order=applicant").text) == sorted(["张三", "王五", "李四"])
    assert applicants(client.get("/returns?rubric=star&order=problems").text)[0] == "王五"

    link = re.search(r'<a href="(/returns/results/\d+)">王五', everything)
    assert link is not None
    detail = client.get(link[1]).text
    star = rubric_set.get("star")
    assert star is not None
    for sub in star.subitems:
        for band in sub.bands:
            assert band.text in detail
    assert "电子签章" in detail and "总分" in detail
    problem = [line for line in detail.splitlines() if "<li>" in line and "总分" in line]
    assert problem, "the wrong total is among the problems"
    assert client.get(f"{link[1]}/crops/0.jpg").status_code == 404, "no scan, no crops"


def test_the_archive_download_is_a_pdf(client: TestClient, workspace: Path, returns: list[Path]) -> None:
    upload(client, workspace, [(p.name, p.read_bytes()) for p in returns[:2]])
    assert client.post(f"/returns/archive?csrf={CSRF}").status_code == 200
    wait_for(workspace, "archive")
    page = client.get("/returns").text
    links = re.findall(r'href="(/returns/archive/[^"]+)"', page)
    assert len(links) == 1 and "评审档案" in page
    pdf = client.get(links[0])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/returns/archive/..%2Fstate.sqlite3").status_code == 404


def test_the_report_files_follow_the_results(client: TestClient, workspace: Path, returns: list[Path]) -> None:
    upload(client, workspace, [(p.name, p.read_bytes()) for p in returns[:2]])
    assert len(applicants(client.get("/returns").text)) == 2, "the results show once the reading is done"
    wait_for(workspace, "report")
    links = re.findall(r'href="(/returns/download/[^"]+)"', client.get("/returns").text)
    assert any(link.endswith(".xlsx") for link in links) and any(link.endswith(".csv") for link in links)
    assert client.get(links[0]).status_code == 200


def test_an_interrupted_reading_is_resumed_after_a_restart(
    workspace: Path, returns: list[Path], rubric_set: RubricSet
) -> None:
    with TestClient(create_app(workspace, TOKEN, rubric_set), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        upload(client, workspace, [(p.name, p.read_bytes()) for p in returns[:2]])
    state = Workspace(workspace)  # the server stopped while reading a third upload
    state.add_upload("returns", returns[2].name, iter([returns[2].read_bytes()]))
    stopped = state.create_job("read")
    state.update_job(stopped, state="running", done=1, total=3)
    with TestClient(create_app(workspace, "a new token", rubric_set), base_url=BASE) as client:
        client.get("/?token=a new token")
        page = client.get("/returns").text
        assert "已中断" in page and f'action="/jobs/{stopped}/resume?csrf=' in page and "继续" in page
        new_csrf = csrf_token("a new token")
        assert client.post(f"/jobs/{stopped}/resume").status_code == 403, "CSRF checked"
        assert client.post(f"/jobs/{stopped}/resume?csrf={new_csrf}").status_code == 200
        wait_for(workspace, "read")
        assert sorted(applicants(client.get("/returns").text)) == ["张三", "李四", "王五"]
        old = state.job(stopped)
        assert old is not None and old.state == "resumed"
        again = client.post(f"/jobs/{stopped}/resume?csrf={new_csrf}")
        assert again.status_code == 400 and "不能继续" in again.text
        done = state.latest_job("read")
        assert done is not None and done.id != stopped
        assert client.post(f"/jobs/{done.id}/resume?csrf={new_csrf}").status_code == 400, "only interrupted jobs"
