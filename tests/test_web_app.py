"""The web app end to end: state that outlives the server, and the 表格 and 回收 pages in a real browser."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.web.app import create_app
from generator.web.workspace import Workspace
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.viewer_support import CHROMIUM, CHROMIUM_ARGS

TOKEN = "the-run-token"
BASE = "http://127.0.0.1:8765"
PEOPLE = [("张三", "华北中心", "客服"), ("李四", "华东中心", "客户经理"), ("王五", "华南中心", "班组长")]
SCORES = [[10, 15, 15, 10, 10, 20, 20], [8, 12, 13, 9, 10, 18, 15], [9, 14, 15, 10, 8, 20, 18]]


def test_the_workspace_outlives_the_server(tmp_path: Path, rubric_set: RubricSet) -> None:
    workspace = tmp_path / "工作区"
    with TestClient(create_app(workspace, TOKEN, rubric_set), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        client.post("/forms/build", headers={"X-CSRF-Token": client_csrf()})
        wait_until(lambda: "下载空白表格" in client.get("/forms").text)
    unfinished = Workspace(workspace).create_job("read")
    Workspace(workspace).update_job(unfinished, state="running", done=3, total=10)
    with TestClient(create_app(workspace, "a new token", rubric_set), base_url=BASE) as client:
        assert client.get(f"/forms?token={TOKEN}").status_code == 403, "each run has its own token"
        page = client.get("/forms?token=a new token").text
        assert "已完成" in page and "下载空白表格" in page
        assert len(zipfile.ZipFile(io.BytesIO(client.get("/forms/blank.zip").content)).namelist()) == 6
        job = client.get(f"/jobs/{unfinished}").json()
        assert job["state"] == "interrupted" and "中断" in job["message"] and not job["active"]
        assert "已中断" in client.get("/returns").text


def client_csrf() -> str:
    from generator.web.security import csrf_token

    return csrf_token(TOKEN)


def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def filled_returns(rubric_set: RubricSet, folder: Path) -> list[Path]:
    star = rubric_set.get("star")
    assert star is not None
    blank = write_form(star, folder / "blank.pdf")
    returns = []
    for person, scores in zip(PEOPLE, SCORES, strict=True):
        values = form_values(star, person, scores, sum(scores))
        returns.append(fill_pypdf(blank, folder / f"{person[0]} 自评表.pdf", values))
    return returns


@contextmanager
def running_server(workspace: Path, rubric_set: RubricSet) -> Iterator[str]:
    """A real uvicorn server on a free port, in a thread; yields its address."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(create_app(workspace, TOKEN, rubric_set), log_level="warning"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: instance.started, 10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def server(tmp_path: Path, rubric_set: RubricSet) -> Iterator[str]:
    """The tokenised link the command prints, to a real server."""
    with running_server(tmp_path / "工作区", rubric_set) as address:
        yield f"{address}/?token={TOKEN}"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")
def test_build_upload_and_read_in_the_browser(server: str, tmp_path: Path, rubric_set: RubricSet) -> None:
    from playwright.sync_api import sync_playwright

    screens = Path(os.environ.get("RUBRIC_FORMS_SCREENSHOTS", tmp_path / "screens"))
    screens.mkdir(parents=True, exist_ok=True)
    returns = filled_returns(rubric_set, tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(server)
        assert "token" not in page.url and page.url.endswith("/forms")
        page.get_by_role("button", name="生成空白表格").click()
        link = page.get_by_role("link", name="下载空白表格（zip）")
        link.wait_for(timeout=30_000)
        page.screenshot(path=screens / "1-表格.png", full_page=True)
        with page.expect_download() as download:
            link.click()
        names = zipfile.ZipFile(download.value.path()).namelist()
        assert sorted(Path(n).suffix for n in names) == [".docx"] * 3 + [".pdf"] * 3

        page.get_by_role("link", name="回收", exact=True).click()
        page.set_input_files("#pick-files", [str(p) for p in returns])
        page.get_by_role("button", name="上传并读取").click()
        page.locator("table.results tbody tr").nth(2).wait_for(timeout=30_000)
        rows = page.locator("table.results tbody tr").all_inner_texts()
        shown = [(row.split("\t")[1].split("，")[0], row.split("\t")[2]) for row in rows]
        assert shown == [("张三", "100"), ("王五", "94"), ("李四", "85")]
        page.screenshot(path=screens / "2-回收.png", full_page=True)
        page.get_by_label("排序：").select_option("applicant")  # a filter menu submits itself
        page.wait_for_url("**order=applicant**")
        page.get_by_role("link", name="张三").click()
        assert "张三 自评表.pdf" in page.locator("table.detail").last.inner_text()
        assert "评分标准" in page.locator("table.scores").inner_text()
        page.screenshot(path=screens / "3-详情.png", full_page=True)
        page.get_by_role("link", name="发放").click()
        assert "发放" in page.inner_text("main h1")  # the page another part of the app serves
        page.screenshot(path=screens / "4-发放.png", full_page=True)
        browser.close()
