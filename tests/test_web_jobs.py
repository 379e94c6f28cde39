"""Background jobs of the web app: cancelling, resuming what was cancelled or cut off by a restart (sending
included: the send log skips those already sent), the roster check reusing the 回收 results, the roster read
once, and the results table in pages."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.web.app import PAGE_ROWS, create_app
from generator.web.jobs import JobRunner, Progress
from generator.web.security import csrf_token
from generator.web.workspace import ResultRow, Workspace
from tests.roster_support import GOOD_ROWS, Recorder
from tests.test_web_app import BASE, TOKEN, wait_until
from tests.test_web_distribute import (
    ADDRESSES,
    client,
    post,
    return_one,
    smtp,
    smtp_form,
    upload_roster,
    wait_job,
)

__all__ = ["client", "smtp"]  # fixtures used by name


def finished(workspace: Workspace, job_id: str) -> bool:
    job = workspace.job(job_id)
    return job is not None and not job.active


def test_a_running_job_stops_at_its_next_progress_and_can_go_on(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "工作 区")
    runner = JobRunner(workspace)
    started = threading.Event()
    steps: list[int] = []

    def slow(progress: Progress) -> str:
        for step in range(1000):
            progress(step, 1000)
            steps.append(step)
            started.set()
            threading.Event().wait(0.01)
        return "all"

    runner.resumable("slow", lambda _: slow, "/somewhere")
    job_id = runner.submit("slow", slow)
    assert started.wait(10)
    runner.cancel(job_id)
    wait_until(lambda: finished(workspace, job_id), 10)
    job = workspace.job(job_id)
    assert job is not None and job.state == "cancelled" and job.state_text == "已取消"
    assert "已取消" in job.message and len(steps) < 1000
    with pytest.raises(Exception, match="已经结束"):
        runner.cancel(job_id)

    again = runner.resume(job_id, None)
    wait_until(lambda: finished(workspace, again), 60)
    resumed, done = workspace.job(job_id), workspace.job(again)
    assert resumed is not None and resumed.state == "resumed"
    assert done is not None and done.state == "done" and done.message == ""
    with pytest.raises(Exception, match="不能继续"):
        runner.resume(job_id, None)


def test_a_waiting_job_is_cancelled_before_it_starts(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "工作区")
    runner = JobRunner(workspace)
    gate = threading.Event()
    ran: list[str] = []
    first = runner.submit("first", lambda progress: str(gate.wait(10)))
    second = runner.submit("second", lambda progress: ran.append("second") or "")
    runner.cancel(second)
    assert workspace.job(second).state == "cancelled"  # type: ignore[union-attr]
    gate.set()
    wait_until(lambda: finished(workspace, first), 10)
    third = runner.submit("third", lambda progress: ran.append("third") or "")
    wait_until(lambda: finished(workspace, third), 10)
    assert ran == ["third"], "the cancelled job never ran"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sending_cancelled_then_resumed_sends_each_message_once(
    client: TestClient, tmp_path: Path, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    workspace = Workspace(tmp_path / "工作区")
    upload_roster(client, tmp_path, GOOD_ROWS)
    slowly = {**smtp_form(port), "per_minute": "40"}  # one message every 1.5 s: time to press 取消
    assert post(client, "/distribute/send", data=slowly).status_code == 200
    wait_until(lambda: len(recorder.received) >= 1, 30)
    job = workspace.latest_job("send")
    assert job is not None and job.active
    page = client.get("/distribute").text
    assert f'action="/jobs/{job.id}/cancel' in page and ">取消</button>" in page
    assert post(client, f"/jobs/{job.id}/cancel").status_code == 200
    wait_until(lambda: finished(workspace, job.id), 30)
    stopped = workspace.job(job.id)
    assert stopped is not None and stopped.state == "cancelled"
    statuses = client.get("/distribute/status").json()["rows"]
    assert "未发送（发送已停止）" in statuses and "已发送" in statuses, statuses
    sent_before = len(recorder.received)
    assert sent_before < 3
    page = client.get("/distribute").text
    assert f'action="/jobs/{job.id}/resume' in page and ">继续</button>" in page

    assert post(client, f"/jobs/{job.id}/resume").status_code == 200
    wait_job(workspace.root, "send")
    assert sorted(recorder.recipients()) == ADDRESSES, "each message once, cancelled or not"
    rows = client.get("/distribute/status").json()["rows"]
    assert rows.count("此前已发送") == sent_before and rows.count("已发送") == 3 - sent_before


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sending_cut_off_by_a_restart_resumes_once_the_password_is_typed_again(
    tmp_path: Path, rubric_set: RubricSet, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    root = tmp_path / "工作区"
    with TestClient(create_app(root, TOKEN, rubric_set), base_url=BASE) as first:
        first.get(f"/?token={TOKEN}")
        upload_roster(first, tmp_path, GOOD_ROWS)
        assert post(first, "/distribute/smtp", data=smtp_form(port)).status_code == 200
    cut = Workspace(root).create_job("send")
    Workspace(root).update_job(cut, state="running", done=1, total=3)

    token = "the next run"
    headers = {"X-CSRF-Token": csrf_token(token)}
    with TestClient(create_app(root, token, rubric_set), base_url=BASE) as again:
        page = again.get(f"/distribute?token={token}").text
        assert "已中断" in page and f'action="/jobs/{cut}/resume' in page
        refused = again.post(f"/jobs/{cut}/resume", headers=headers)
        assert refused.status_code == 400 and "需要 SMTP 密码" in refused.text
        assert again.post("/distribute/smtp", headers=headers, data=smtp_form(port)).status_code == 200
        assert again.post(f"/jobs/{cut}/resume", headers=headers).status_code == 200
        wait_job(root, "send")
        assert sorted(recorder.recipients()) == ADDRESSES
        assert again.get("/distribute/status").json() == {"rows": ["已发送"] * 3}


@pytest.fixture
def returned(client: TestClient, tmp_path: Path, rubric_set: RubricSet) -> Iterator[Path]:
    """The roster of three uploaded and one of them (张伟) returned and read."""
    upload_roster(client, tmp_path, GOOD_ROWS)
    return_one(client, tmp_path, rubric_set)
    yield tmp_path / "工作区"


def test_the_roster_check_uses_the_results_already_read(
    client: TestClient, returned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.readers.batch

    def no_reading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the roster check read the returns again")

    monkeypatch.setattr(generator.readers.batch, "read_batch", no_reading)
    client.get("/roster")
    wait_job(returned, "roster_check")
    page = client.get("/roster").text
    assert "已交 <strong>1</strong> 人，未交 <strong>2</strong> 人" in page and "张伟 自评表.pdf" in page


def test_the_roster_is_read_once_for_every_status_poll(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.distribute.roster

    real = generator.distribute.roster.read_roster
    reads: list[Path] = []

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(generator.distribute.roster, "read_roster", counted)
    upload_roster(client, tmp_path, GOOD_ROWS)  # the page it returns to shows the roster
    for _ in range(5):
        assert client.get("/distribute/status").json() == {"rows": ["未发送"] * 3}
    assert len(reads) == 1
    upload_roster(client, tmp_path, GOOD_ROWS[:2])  # a new roster is read anew
    assert client.get("/distribute/status").json() == {"rows": ["未发送"] * 2}
    assert len(reads) == 2


def test_the_results_table_comes_in_pages(client: TestClient, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "工作区")
    found = 2 * PAGE_ROWS + 50
    rows = [
        ResultRow(0, "star", n, f"表{n:04d}.pdf", f"申报人{n:04d}", "PDF", 100 - n % 50, "符合", "", "", ())
        for n in range(1, found + 1)
    ]
    workspace.replace_results(rows, [])
    first = client.get("/returns?rubric=star").text
    assert first.count("/returns/results/") == PAGE_ROWS
    assert f"第 1–{PAGE_ROWS} 份，共 {found} 份" in first and "申报人0001" in first
    assert f"申报人{PAGE_ROWS + 1:04d}" not in first
    last = client.get("/returns?rubric=star&order=rank&page=3").text
    assert last.count("/returns/results/") == 50
    assert f"第 {2 * PAGE_ROWS + 1}–{found} 份" in last and f"申报人{found:04d}" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = client.get("/returns?rubric=star&page=99").text
    assert f"申报人{found:04d}" in beyond, "a page past the end shows the last one"
    filtered = client.get("/returns?rubric=star&format=PDF&problems=1").text
    assert "没有符合条件的表格" in filtered
    kept = client.get("/returns?rubric=star&format=PDF&order=total").text
    assert "order=total&format=PDF&page=2" in html.unescape(kept), "the page links keep the filters"


def test_a_cancelled_reading_keeps_what_it_had_read(tmp_path: Path, rubric_set: RubricSet) -> None:
    from generator.web import pipelines
    from generator.web.jobs import Cancelled
    from tests.test_web_app import filled_returns

    workspace = Workspace(tmp_path / "工作区")
    for path in filled_returns(rubric_set, tmp_path):
        workspace.add_upload("returns", path.name, iter([path.read_bytes()]))
    uploads = workspace.uploads("returns")

    def stop_after_two(done: int, total: int) -> None:
        if done >= 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        pipelines.upload_results(workspace, uploads, rubric_set, stop_after_two)
    kept = workspace.outcomes()
    assert len(kept) >= 2
    seen: list[tuple[int, int]] = []
    results = pipelines.upload_results(workspace, uploads, rubric_set, lambda done, total: seen.append((done, total)))
    assert seen[0] == (len(kept), 3), "only the files not read before are read"
    assert sorted(r.total for r in results) == [85, 94, 100]
