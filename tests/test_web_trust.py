"""The 回收 page's root certificates: electronic seals checked against the ones uploaded, and only the sealed
forms read again when they change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator.model.fields import seal_field
from generator.model.rubric import RubricSet
from generator.web.workspace import Workspace
from tests import esign_support as es
from tests.read_fillers import ORGANIZATION, fill_pypdf, form_values, write_form
from tests.test_web_distribute import client, post, wait_job

__all__ = ["client"]  # a fixture used by name
SCORES = [10, 15, 15, 10, 10, 20, 20]


@pytest.fixture
def uploaded(client: TestClient, tmp_path: Path, rubric_set: RubricSet) -> Workspace:
    """A sealed return (张三) and an unsealed one (李四), read with no root certificate."""
    star = rubric_set.get("star")
    assert star is not None
    blank = write_form(star, tmp_path / "blank.pdf")
    files = []
    for name in ("张三", "李四"):
        values = form_values(star, (name, ORGANIZATION, "客户经理"), SCORES, sum(SCORES))
        data = fill_pypdf(blank, tmp_path / f"{name}.pdf", values).read_bytes()
        if name == "张三":
            appearance = es.seal_image(tmp_path, ORGANIZATION)
            data = es.sign_form(data, seal_field(star).name, es.make_pki(ORGANIZATION).seal, appearance=appearance)
        files.append(("files", (f"{name} 自评表.pdf", data, "application/pdf")))
    assert post(client, "/returns/upload", files=files).status_code == 200
    wait_job(tmp_path / "工作区", "read")
    return Workspace(tmp_path / "工作区")


def detail_of(client: TestClient, name: str) -> str:
    page = client.get("/returns?rubric=star").text
    found = re.search(rf'<a href="(/returns/results/\d+)">{name}', page)
    assert found, page
    return client.get(found.group(1)).text


def reads(workspace: Workspace) -> int:
    job = workspace.latest_job("read")
    return 0 if job is None else job.total


def test_seals_are_checked_against_the_uploaded_roots(client: TestClient, uploaded: Workspace) -> None:
    pki = es.make_pki(ORGANIZATION)
    assert "证书未验证信任链" in detail_of(client, "张三")
    cached = uploaded.outcomes()

    certificate = [("roots", ("根证书.pem", pki.root.pem, "application/x-pem-file"))]
    assert post(client, "/returns/trust", files=certificate).status_code == 200
    wait_job(uploaded.root, "read")
    page = client.get("/returns").text
    assert "根证书.pem" in page and "电子印章测试根证书（电子印章测试认证中心）" in page
    detail = detail_of(client, "张三")
    assert "证书未验证信任链" not in detail and "不受信任" not in detail
    now = uploaded.outcomes()
    changed = {key for key in now if now[key][0] != cached[key][0]}
    unsealed = {key for key, (digest, _) in now.items() if "|" not in digest}
    assert len(changed) == 1 and len(unsealed) == 1 and not changed & unsealed, "only the sealed form read again"
    assert now[next(iter(unsealed))] == cached[next(iter(unsealed))]

    (root_id,) = {row.split("/")[0] for row in re.findall(r'action="/returns/trust/([^"]+)/remove', page)}
    other = [("roots", ("别的根证书.cer", pki.other_root.der, "application/pkix-cert"))]
    assert post(client, "/returns/trust", files=other).status_code == 200
    assert post(client, f"/returns/trust/{root_id}/remove").status_code == 200
    wait_job(uploaded.root, "read")
    page = client.get("/returns").text
    assert "别的根证书.cer" in page and "根证书.pem" not in page
    assert "签章证书不受信任" in detail_of(client, "张三")


def test_a_file_that_is_no_certificate_is_refused_and_nothing_kept(client: TestClient, uploaded: Workspace) -> None:
    pki = es.make_pki(ORGANIZATION)
    files = [
        ("roots", ("根证书.pem", pki.root.pem, "application/x-pem-file")),
        ("roots", ("说明.docx", b"PK\x03\x04 not a certificate", "application/octet-stream")),
    ]
    refused = post(client, "/returns/trust", files=files)
    assert refused.status_code == 400 and "说明.docx" in refused.text and "不是 PEM 或 DER 格式的证书" in refused.text
    assert uploaded.uploads("trust_root") == []
    assert "选择根证书" in client.get("/returns").text
