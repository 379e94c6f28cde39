"""The 回收 page's mailbox: IMAP settings (the password in memory only), collecting from a real Dovecot on
loopback as a background job, each saved attachment an upload that is then read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator.model.rubric import RubricSet
from generator.web.app import create_app
from generator.web.workspace import STATE_NAME, Workspace
from tests.dovecot_support import (
    PASSWORD,
    Dovecot,
    dovecot_fixture,  # noqa: F401  # the fixture "dovecot"
    dovecot_ssl_fixture,  # noqa: F401  # the fixture "dovecot_ssl"
)
from tests.test_collect import NOON, message
from tests.test_web_returns import BASE, CSRF, TOKEN, applicants, returns, wait_for  # noqa: F401  # returns: fixture

FOLDER = "回收"


@pytest.fixture
def client(tmp_path: Path, rubric_set: RubricSet) -> Iterator[TestClient]:
    with TestClient(create_app(tmp_path / "工作区", TOKEN, rubric_set), base_url=BASE) as client:
        assert client.get(f"/?token={TOKEN}").status_code == 200
        yield client


def mailbox_form(dovecot: Dovecot, password: str = PASSWORD) -> dict[str, str]:
    settings = dovecot.settings(FOLDER)
    return {
        "host": settings.host,
        "port": str(settings.port),
        "security": "none",
        "user": settings.user,
        "password": password,
        "folder": FOLDER,
    }


def test_collecting_from_the_mailbox_uploads_and_reads_the_returns(
    dovecot: Dovecot,
    client: TestClient,
    tmp_path: Path,
    returns: list[Path],  # noqa: F811
) -> None:
    workspace = tmp_path / "工作区"
    dovecot.append(
        FOLDER,
        [
            message("张三 <zhang@example.com>", [(returns[0].name, returns[0].read_bytes())]),
            message("李四 <li@example.com>", [(returns[1].name, returns[1].read_bytes()), ("说明.txt", b"hello")]),
        ],
        NOON,
    )
    page = client.get("/returns").text
    assert 'action="/returns/mailbox?csrf=' in page
    response = client.post(f"/returns/mailbox?csrf={CSRF}", data=mailbox_form(dovecot))
    assert response.status_code == 200  # redirected to /returns
    wait_for(workspace, "collect")
    wait_for(workspace, "read")
    uploads = Workspace(workspace).uploads("returns")
    assert len(uploads) == 2 and all(u.name.endswith("自评表.pdf") for u in uploads)
    page = client.get("/returns").text
    assert sorted(applicants(page)) == ["张三", "李四"]
    assert "从邮箱收取" in page and "已完成" in page
    assert PASSWORD.encode() not in (workspace / STATE_NAME).read_bytes(), "the password is never stored"
    assert PASSWORD not in page, "the password is never shown"
    assert f'value="{FOLDER}"' in page, "the settings other than the password are kept"

    # a second run takes only the new message
    dovecot.append(FOLDER, [message("王五 <wang@example.com>", [(returns[2].name, returns[2].read_bytes())])], NOON)
    form = {**mailbox_form(dovecot), "password": ""}  # the password kept in memory is used
    assert client.post(f"/returns/mailbox?csrf={CSRF}", data=form).status_code == 200
    wait_for(workspace, "collect")
    wait_for(workspace, "read")
    assert len(Workspace(workspace).uploads("returns")) == 3
    assert sorted(applicants(client.get("/returns").text)) == ["张三", "李四", "王五"]


def test_the_mailbox_refuses_without_a_password_or_in_the_clear(
    dovecot: Dovecot, client: TestClient, tmp_path: Path
) -> None:
    refused = client.post(f"/returns/mailbox?csrf={CSRF}", data={**mailbox_form(dovecot), "password": ""})
    assert refused.status_code == 400 and "需要 IMAP 密码" in refused.text
    clear = {**mailbox_form(dovecot), "host": "imap.example.com"}
    refused = client.post(f"/returns/mailbox?csrf={CSRF}", data=clear)
    assert refused.status_code == 400 and "未加密" in refused.text
    assert Workspace(tmp_path / "工作区").latest_job("collect") is None
    assert client.post("/returns/mailbox", data=mailbox_form(dovecot)).status_code == 403, "CSRF checked"


def test_a_wrong_password_fails_the_job_in_chinese(dovecot: Dovecot, client: TestClient, tmp_path: Path) -> None:
    dovecot.append(FOLDER, [message()], NOON)
    client.post(f"/returns/mailbox?csrf={CSRF}", data=mailbox_form(dovecot, "wrong"))
    state = Workspace(tmp_path / "工作区")
    with pytest.raises(AssertionError):
        wait_for(tmp_path / "工作区", "collect")
    job = state.latest_job("collect")
    assert job is not None and job.state == "failed" and re.search(r"[\u4e00-\u9fff]", job.message)
    assert "wrong" not in job.message


def test_a_self_signed_server_recent_mail_only_and_marked_read(
    dovecot_ssl: Dovecot,
    client: TestClient,
    tmp_path: Path,
    returns: list[Path],  # noqa: F811
) -> None:
    """The office's own server with its own certificate (uploaded in the form), mail since a date, marked read."""
    workspace = tmp_path / "工作区"
    old = message("张三 <zhang@example.com>", [(returns[0].name, returns[0].read_bytes())])
    later = NOON.replace(year=2026)
    recent = message("李四 <li@example.com>", [(returns[1].name, returns[1].read_bytes())], when=later)
    dovecot_ssl.append(FOLDER, [old], NOON)
    dovecot_ssl.append(FOLDER, [recent], later)
    form = {**mailbox_form(dovecot_ssl), "security": "ssl", "port": str(dovecot_ssl.ssl_port), "since": "2026-01-01"}
    form["mark_seen"] = "1"

    assert client.post(f"/returns/mailbox?csrf={CSRF}", data=form).status_code == 200
    with pytest.raises(AssertionError):
        wait_for(workspace, "collect")
    job = Workspace(workspace).latest_job("collect")
    assert job is not None and job.state == "failed" and "证书" in job.message, job.message

    assert dovecot_ssl.ca_file is not None
    certificate = {"ca_file": ("本单位 CA.pem", dovecot_ssl.ca_file.read_bytes(), "application/x-pem-file")}
    assert client.post(f"/returns/mailbox?csrf={CSRF}", data=form, files=certificate).status_code == 200
    wait_for(workspace, "collect")
    wait_for(workspace, "read")
    page = client.get("/returns").text
    assert applicants(page) == ["李四"], "only the mail received since the date"
    assert "正在使用证书“本单位 CA.pem”" in page and 'value="2026-01-01"' in page
    assert 'name="mark_seen" value="1" checked' in page
    seen = sorted("\\Seen" in flags for flags in dovecot_ssl.flags(FOLDER).values())
    assert seen == [False, True], "the collected message is marked read, the older one left alone"

    not_pem = {"ca_file": ("说明.txt", b"hello", "text/plain")}
    refused = client.post(f"/returns/mailbox?csrf={CSRF}", data=form, files=not_pem)
    assert refused.status_code == 400 and "说明.txt" in refused.text and "证书" in refused.text
    bad_date = client.post(f"/returns/mailbox?csrf={CSRF}", data={**form, "since": "2026-13-01"})
    assert bad_date.status_code == 400 and "2026-13-01" in bad_date.text
