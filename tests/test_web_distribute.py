"""The 发放 and 名单核对 pages: roster problems, personalised forms, sending to a real SMTP server on loopback
(aiosmtpd, started here), the password kept out of the workspace, and reminders to the missing only."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.web.app import create_app
from generator.web.workspace import Workspace
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.roster_support import GOOD_ROWS, HOST, Recorder, start_server, write_csv
from tests.test_web_app import BASE, TOKEN, client_csrf, wait_until

PASSWORD = "口令-secret-7f3a"
ADDRESSES = sorted(row[-1] for row in GOOD_ROWS)
BAD_ROW = ["不存在的表格", "赵六", "", "某单位", "", "zhaoliu@example.com"]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    """aiosmtpd on loopback requiring a login with :data:`PASSWORD`."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"hr", PASSWORD.encode())
        return AuthResult(success=ok, handled=False)

    recorder = Recorder()
    controller = start_server(recorder, authenticator=check, auth_required=True, auth_require_tls=False)
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def client(tmp_path: Path, rubric_set: RubricSet) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path / "工作区", TOKEN, rubric_set), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        yield client


def post(client: TestClient, path: str, **kwargs: Any) -> Any:
    return client.post(path, headers={"X-CSRF-Token": client_csrf()}, **kwargs)


def upload_roster(client: TestClient, tmp_path: Path, rows: list[list[str]]) -> None:
    roster = write_csv(tmp_path / "花名册.csv", rows, "utf-8-sig")
    response = post(client, "/distribute/roster", files={"roster": ("花名册.csv", roster.read_bytes(), "text/csv")})
    assert response.status_code == 200  # followed the redirect to the page


def wait_job(workspace: Path, kind: str) -> None:
    def finished() -> bool:
        job = Workspace(workspace).latest_job(kind)
        return job is not None and not job.active

    wait_until(finished, 60)
    job = Workspace(workspace).latest_job(kind)
    assert job is not None and job.state == "done", job


def return_one(client: TestClient, tmp_path: Path, rubric_set: RubricSet) -> None:
    """张伟 of :data:`GOOD_ROWS` returns a filled form, which is read."""
    star = rubric_set.get("star")
    assert star is not None
    scores = [10, 15, 15, 10, 10, 20, 20]
    values = form_values(star, ("张伟", "中国电信北京分公司", "客服代表"), scores, sum(scores))
    returned = fill_pypdf(write_form(star, tmp_path / "blank.pdf"), tmp_path / "张伟 自评表.pdf", values)
    files = [("files", ("张伟 自评表.pdf", returned.read_bytes(), "application/pdf"))]
    assert post(client, "/returns/upload", files=files).status_code == 200
    wait_job(tmp_path / "工作区", "read")


def smtp_form(port: int, password: str = PASSWORD) -> dict[str, str]:
    return {
        "host": HOST,
        "port": str(port),
        "security": "none",
        "user": "hr",
        "password": password,
        "sender": "人力资源部 <hr@example.com>",
        "deadline": "2025年7月31日",
        "per_minute": "60000",
    }


def test_roster_problems_and_personalised_forms(client: TestClient, tmp_path: Path) -> None:
    assert "还没有上传花名册" in client.get("/distribute").text
    upload_roster(client, tmp_path, [*GOOD_ROWS, BAD_ROW])
    page = client.get("/distribute").text
    assert "花名册.csv" in page and "可用 3 行，有问题 1 行" in page
    assert "第 5 行" in page and "不存在的表格" in page
    post(client, "/distribute/personalize")
    wait_job(tmp_path / "工作区", "personalize")
    assert "下载个人表格" in client.get("/distribute").text
    names = zipfile.ZipFile(io.BytesIO(client.get("/distribute/forms.zip").content)).namelist()
    assert sorted(Path(name).suffix for name in names) == [".docx"] * 3 + [".pdf"] * 3
    for person in ("张伟", "巾帼文明岗", "欧阳娜娜"):
        assert sum(person in name for name in names) == 2, names


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sending_shows_each_status_and_keeps_the_password_out_of_the_workspace(
    client: TestClient, tmp_path: Path, rubric_set: RubricSet, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    workspace = tmp_path / "工作区"
    upload_roster(client, tmp_path, GOOD_ROWS)
    assert post(client, "/distribute/send", data=smtp_form(port)).status_code == 200
    wait_job(workspace, "send")
    assert sorted(recorder.recipients()) == ADDRESSES
    page = client.get("/distribute").text
    assert page.count(">已发送</td>") == 3 and PASSWORD not in page
    assert client.get("/distribute/status").json() == {"rows": ["已发送"] * 3}

    # Sending again (the password still in memory, the field left empty) skips everyone already sent.
    assert post(client, "/distribute/send", data=smtp_form(port, password="")).status_code == 200
    wait_job(workspace, "send")
    assert len(recorder.received) == 3
    assert client.get("/distribute/status").json() == {"rows": ["此前已发送"] * 3}

    secret = PASSWORD.encode()
    files = [path for path in workspace.rglob("*") if path.is_file()]
    assert any(path.name == "发送记录.jsonl" for path in files)
    assert [path for path in files if secret in path.read_bytes()] == []
    with sqlite3.connect(workspace / "state.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert PASSWORD not in dump
    assert "hr@example.com" in dump, "the other settings are kept"

    # A new server has forgotten the password, and asks for it again.
    with TestClient(create_app(workspace, "another token", rubric_set), base_url=BASE) as again:
        again.get("/distribute?token=another token")
        from generator.web.security import csrf_token

        refused = again.post(
            "/distribute/send", headers={"X-CSRF-Token": csrf_token("another token")}, data=smtp_form(port, "")
        )
        assert refused.status_code == 400 and "需要 SMTP 密码" in refused.text
        assert 'value="hr"' in again.get("/distribute").text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_roster_check_and_reminders_to_the_missing_only(
    client: TestClient, tmp_path: Path, rubric_set: RubricSet, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    workspace = tmp_path / "工作区"
    assert "还没有上传花名册" in client.get("/roster").text
    upload_roster(client, tmp_path, GOOD_ROWS)
    return_one(client, tmp_path, rubric_set)

    client.get("/roster")  # the page starts the check of the new reading itself
    wait_job(workspace, "roster_check")
    page = client.get("/roster").text
    assert "已交 <strong>1</strong> 人，未交 <strong>2</strong> 人，多次提交 <strong>0</strong> 人" in page
    assert page.count('class="status">已交</td>') == 1 and page.count('class="status">未交</td>') == 2
    assert "张伟 自评表.pdf" in page

    assert post(client, "/distribute/smtp", data=smtp_form(port)).status_code == 200
    assert post(client, "/roster/remind", data={"round": "第一轮"}).status_code == 200
    wait_job(workspace, "remind")
    assert sorted(recorder.recipients()) == ["jinguo@example.com", "ouyang@example.com"]
    page = client.get("/roster?round=第一轮").text
    assert page.count(">已发送</td>") == 2
    assert (workspace / "outputs" / "邮件" / "催交-第一轮" / "发送记录.jsonl").is_file()
