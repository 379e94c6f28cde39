"""The web app admits only this machine's browser with this run's token, and keeps uploads inside the workspace."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.web import app as web_app
from generator.web.app import create_app
from generator.web.security import csrf_token
from generator.web.workspace import Workspace

TOKEN = "the-run-token"
BASE = "http://127.0.0.1:8765"
CSRF = csrf_token(TOKEN)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "工作区"


@pytest.fixture
def app(workspace: Path, rubric_set: RubricSet) -> Starlette:
    return create_app(workspace, TOKEN, rubric_set)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    """A browser that opened the tokenised link: it holds the cookie."""
    with TestClient(app, base_url=BASE) as client:
        assert client.get(f"/?token={TOKEN}").status_code == 200
        yield client


def wait_for_jobs(workspace: Path, kind: str) -> None:
    state = Workspace(workspace)
    deadline = time.monotonic() + 30
    while (job := state.latest_job(kind)) is not None and job.active and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_token_in_the_link_becomes_a_strict_http_only_cookie(app: Starlette) -> None:
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        first = client.get(f"/returns?rubric=star&token={TOKEN}")
        assert first.status_code == 303 and first.headers["location"] == "/returns?rubric=star"
        cookie = first.headers["set-cookie"]
        assert TOKEN in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/returns").status_code == 200


@pytest.mark.parametrize("path", ["/forms", "/returns", "/jobs/x", "/static/app.css", "/forms/blank.zip"])
def test_no_token_is_403(app: Starlette, path: str) -> None:
    with TestClient(app, base_url=BASE) as client:
        refused = client.get(path)
        assert refused.status_code == 403 and "访问令牌" in refused.text
        assert client.get(f"{path}?token=wrong").status_code == 403
        client.cookies.set("rubric-forms-8765", "wrong")
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("host", ["evil.example:8765", "evil.example", "127.0.0.1:9999", "localhost", "10.0.0.1:8765"])
def test_a_host_that_is_not_this_server_is_403(client: TestClient, host: str) -> None:
    refused = client.get("/forms", headers={"host": host})
    assert refused.status_code == 403 and "主机名" in refused.text
    assert client.get("/forms", headers={"host": "localhost:8765"}).status_code == 200


@pytest.mark.parametrize("csrf", [None, "", "wrong"])
def test_a_post_without_the_csrf_token_is_403(client: TestClient, workspace: Path, csrf: str | None) -> None:
    refused = client.post("/forms/build", params={} if csrf is None else {"csrf": csrf})
    assert refused.status_code == 403 and "校验码" in refused.text
    assert client.post("/forms/build", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert Workspace(workspace).latest_job("build") is None


def test_the_csrf_token_in_the_header_or_the_form_action_is_accepted(client: TestClient, workspace: Path) -> None:
    assert client.post("/forms/build", headers={"X-CSRF-Token": CSRF}, follow_redirects=False).status_code == 303
    assert client.post(f"/forms/build?csrf={CSRF}", follow_redirects=False).status_code == 303
    wait_for_jobs(workspace, "build")


PART = b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'
MULTIPART = (b"content-type", b"multipart/form-data; boundary=x")


def asgi_request(app: Starlette, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """POST a file of ``chunks`` MiB straight to the ASGI app: (status, how many body chunks the server asked for)."""
    asked = 0
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": PART if asked == 1 else b"0" * 2**20, "more_body": asked < chunks}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(str(message["status"])))

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/returns/upload",
        "raw_path": b"/returns/upload",
        "query_string": f"csrf={CSRF}".encode(),
        "headers": [(b"host", b"127.0.0.1:8765"), (b"cookie", f"rubric-forms-8765={TOKEN}".encode()), *headers],
        "server": ("127.0.0.1", 8765),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return statuses[0], asked


def test_a_2_gb_upload_is_413_without_reading_it(app: Starlette) -> None:
    status, asked = asgi_request(app, [(b"content-length", str(2 * 1024**3).encode()), MULTIPART], 2048)
    assert (status, asked) == (413, 0)


def test_a_body_growing_past_the_limit_without_a_length_is_cut_off_with_413(
    monkeypatch: pytest.MonkeyPatch, workspace: Path, rubric_set: RubricSet
) -> None:
    monkeypatch.setattr(web_app, "MAX_BODY", 4 * 2**20)
    app = create_app(workspace, TOKEN, rubric_set)
    status, asked = asgi_request(app, [MULTIPART], 10_000)
    assert status == 413 and asked <= 6
    assert Workspace(workspace).count_uploads("returns") == 0


def test_more_files_than_allowed_is_413(
    monkeypatch: pytest.MonkeyPatch, workspace: Path, rubric_set: RubricSet
) -> None:
    monkeypatch.setattr(web_app, "MAX_FILES", 2)
    with TestClient(create_app(workspace, TOKEN, rubric_set), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        files = [("files", (f"{n}.pdf", b"%PDF-1.7", "application/pdf")) for n in range(3)]
        refused = client.post(f"/returns/upload?csrf={CSRF}", files=files)
        assert refused.status_code == 413 and "最多上传 2 个文件" in refused.text
    assert Workspace(workspace).count_uploads("returns") == 0


HOSTILE_NAMES = ["../../逃出.pdf", "/etc/passwd.pdf", "..\\..\\逃出2.pdf", "C:\\Windows\\win.pdf", "a/../../../b.pdf"]


def test_uploaded_names_never_become_paths(client: TestClient, workspace: Path, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(workspace)}
    files = [("files", (name, b"%PDF-1.7 not really", "application/pdf")) for name in HOSTILE_NAMES]
    assert client.post(f"/returns/upload?csrf={CSRF}", files=files).status_code == 200
    wait_for_jobs(workspace, "read")
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(workspace)} == before
    uploads = Workspace(workspace).uploads("returns")
    assert sorted(u.name for u in uploads) == ["b.pdf", "passwd.pdf", "win.pdf", "逃出.pdf", "逃出2.pdf"]
    for upload in uploads:
        assert upload.path.parent == workspace.resolve() / "uploads" and upload.path.name == f"{upload.id}.pdf"
    page = client.get("/returns").text
    assert "逃出.pdf" in page and "../" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/returns/download/..%2F..%2Fstate.sqlite3",
        "/returns/download/%2E%2E%2Fstate.sqlite3",
        "/returns/download/..%5Cstate.sqlite3",
        "/static/../state.sqlite3",
        "/static/..%2F..%2F..%2Frubrics.toml",
    ],
)
def test_downloads_come_only_from_the_workspace_outputs(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and b"SQLite" not in response.content
