"""The 录入 page: scanned applications keyed in the browser feed the results like the keying workbook."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from generator.model.rubric import Rubric, RubricSet
from generator.readers.keyed import keyed_fields
from generator.web.app import create_app
from generator.web.workspace import ResultRow, Workspace
from tests.scan_batch import PAPERS, Batch, Paper, build_batch, total
from tests.test_web_app import BASE, TOKEN, client_csrf, running_server, wait_until
from tests.viewer_support import CHROMIUM, CHROMIUM_ARGS

STACK = "扫描 批次1.pdf"
"""B (team) and C (manager), shuffled into one scanned stack."""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, rubric_set: RubricSet) -> Batch:
    return build_batch(rubric_set, tmp_path_factory.mktemp("paper"), ("B", "C"))


def application_id(batch: Batch, name: str) -> str:
    return f"{PAPERS[name].rubric_id}-{batch.keys[name]}"


def typed_values(rubric: Rubric, paper: Paper) -> dict[str, str]:
    """What a keyer types for ``paper``, box by box, in the page's order."""
    headers = iter(paper.header)
    scores = iter(paper.scores)
    values = {}
    for form_field in keyed_fields(rubric):
        match form_field.kind:
            case "applicant":
                values[form_field.name] = next(headers)
            case "total":
                values[form_field.name] = str(total(paper))
            case "score":
                values[form_field.name] = str(next(scores))
            case "review":
                values[form_field.name] = "同意推荐"
            case "organization":
                values[form_field.name] = paper.header[1]
            case "review_date":
                values[form_field.name] = "2024-05-06"
    return values


def rubric_of(rubric_set: RubricSet, name: str) -> Rubric:
    rubric = rubric_set.get(PAPERS[name].rubric_id)
    assert rubric is not None
    return rubric


def read_done(workspace: Workspace) -> bool:
    job = workspace.latest_job("read")
    return job is not None and job.state in ("done", "failed")


def the_row(workspace: Workspace, rubric_id: str) -> ResultRow:
    (row,) = [r for r in workspace.results(rubric_id) if r.format in ("纸质扫描件", "纸质录入")]
    return row


@pytest.fixture
def keyed(tmp_path: Path, rubric_set: RubricSet, batch: Batch) -> Iterator[tuple[TestClient, Workspace]]:
    """A server whose returns are the scanned stack, read."""
    with TestClient(create_app(tmp_path / "工作区", TOKEN, rubric_set), base_url=BASE) as client:
        client.get(f"/?token={TOKEN}")
        stack = batch.folder / STACK
        files = [("files", (STACK, stack.read_bytes(), "application/pdf"))]
        client.post("/returns/upload", files=files, headers={"X-CSRF-Token": client_csrf()})
        workspace = Workspace(tmp_path / "工作区")
        wait_until(lambda: read_done(workspace), 120)
        yield client, workspace


def save(client: TestClient, workspace: Workspace, app_id: str, values: dict[str, str], keyer: int = 1) -> int:
    before = workspace.latest_job("read")
    data = {"application_id": app_id, "keyer": str(keyer), **values}
    response = client.post("/keying/save", data=data, headers={"X-CSRF-Token": client_csrf()}, follow_redirects=False)
    if response.status_code == 303:
        wait_until(lambda: workspace.latest_job("read") != before and read_done(workspace), 60)
    return response.status_code


def test_keyed_values_make_the_result_paper_keyed_with_its_total(
    keyed: tuple[TestClient, Workspace], rubric_set: RubricSet, batch: Batch
) -> None:
    client, workspace = keyed
    c_id, rubric = application_id(batch, "C"), rubric_of(rubric_set, "C")
    page = client.get("/keying").text
    assert c_id in page and application_id(batch, "B") in page and "未录入" in page
    assert 'name="manager-score-political_stance"' in page and "/keying/crop?app=" in page
    crop = re.search(r'src="(/keying/crop\?[^"]+)"', page)
    assert crop is not None
    image = client.get(crop.group(1).replace("&amp;", "&"))
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")
    assert the_row(workspace, "manager").format == "纸质扫描件"

    values = typed_values(rubric, PAPERS["C"]) | {"manager-seal": "已盖章"}
    assert save(client, workspace, c_id, values) == 303
    row = the_row(workspace, "manager")
    assert (row.format, row.total, row.seal) == ("纸质录入", total(PAPERS["C"]), "印章已盖章")
    returns = client.get("/returns?rubric=manager").text
    assert "纸质录入" in returns and f">{total(PAPERS['C'])}<" in returns
    assert "李四" in returns
    listing = client.get("/keying").text
    assert "已录入" in listing and f'value="{application_id(batch, "B")}"' in listing, "the next one is opened"


def test_an_invalid_score_is_refused(keyed: tuple[TestClient, Workspace], rubric_set: RubricSet, batch: Batch) -> None:
    client, workspace = keyed
    c_id, rubric = application_id(batch, "C"), rubric_of(rubric_set, "C")
    for bad in ("11", "8.5", "八"):
        values = typed_values(rubric, PAPERS["C"]) | {"manager-score-political_stance": bad}
        response = client.post(
            "/keying/save",
            data={"application_id": c_id, "keyer": "1", **values},
            headers={"X-CSRF-Token": client_csrf()},
            follow_redirects=False,
        )
        assert response.status_code == 400 and "未保存" in response.text and "立场坚定" in response.text
    assert "未录入" in client.get("/keying").text
    assert the_row(workspace, "manager").format == "纸质扫描件"


def test_two_keyers_disagreeing_flag_the_field_and_it_is_not_used(
    keyed: tuple[TestClient, Workspace], rubric_set: RubricSet, batch: Batch
) -> None:
    client, workspace = keyed
    c_id, rubric = application_id(batch, "C"), rubric_of(rubric_set, "C")
    first = typed_values(rubric, PAPERS["C"])
    disputed = "manager-score-organization_recognition"  # 20 on the paper
    assert save(client, workspace, c_id, first) == 303
    second_page = client.get(f"/keying?keyer=2&app={c_id}").text
    assert "第二人录入" in second_page and "李四" not in second_page, "the second keyer keys blind"
    assert save(client, workspace, c_id, first | {disputed: "19"}, keyer=2) == 303

    page = client.get(f"/keying?app={c_id}").text
    assert "双人录入不一致" in page and "另一人录入为“19”" in page
    row = the_row(workspace, "manager")
    assert row.total == total(PAPERS["C"]) - 20, "neither 20 nor 19 counts until resolved"
    assert "双人录入不一致" in row.problems

    assert save(client, workspace, c_id, first, keyer=2) == 303  # the second keyer looks again: 20
    row = the_row(workspace, "manager")
    assert row.total == total(PAPERS["C"]) and "双人录入不一致" not in row.problems
    assert "双人录入不一致" not in client.get(f"/keying?app={c_id}").text


@pytest.fixture
def server(tmp_path: Path, rubric_set: RubricSet) -> Iterator[str]:
    """A real server's address (the token given once)."""
    with running_server(tmp_path / "工作区", rubric_set) as address:
        yield address


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")
def test_keying_two_applications_with_the_keyboard_alone(server: str, rubric_set: RubricSet, batch: Batch) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server}/?token={TOKEN}")
        page.goto(f"{server}/returns")
        page.set_input_files("#pick-files", [str(batch.folder / STACK)])
        page.get_by_role("button", name="上传并读取").click()
        page.locator("table.results tbody tr").first.wait_for(timeout=120_000)
        page.get_by_role("link", name="录入", exact=True).click()
        for name in ("C", "B"):  # in the list's order: 服务杰出管理者 (manager), then 服务明星班组 (team)
            rubric = rubric_of(rubric_set, name)
            expect(page.locator("main h2").first).to_contain_text(application_id(batch, name))
            page.locator("form#keying-form[data-ready]").wait_for()  # Enter is the script's, not the form's
            expect(page.locator("input.key").first).to_be_focused()
            for field_name, value in typed_values(rubric, PAPERS[name]).items():
                if name == "C" and field_name == "manager-score-political_stance":  # 0-10: checked as typed
                    page.keyboard.type("99")
                    page.keyboard.press("Enter")
                    expect(page.locator("[data-error-for]:not(:empty)")).to_contain_text("超出范围（应为 0-10 分）")
                    expect(page.locator(f"input[name='{field_name}']")).to_be_focused()
                    page.keyboard.press("Control+A")
                page.keyboard.type(value)
                page.keyboard.press("Enter")
            page.keyboard.press("1")  # 已盖章
            page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("所有扫描件都已录入完毕")

        page.get_by_role("link", name="回收", exact=True).click()
        for name in ("C", "B"):
            rubric_id = PAPERS[name].rubric_id
            page.goto(f"{server}/returns?rubric={rubric_id}")
            row = page.locator("table.results tbody tr").first
            for _ in range(60):  # the re-tabulation runs in the background
                if "纸质录入" in row.inner_text():
                    break
                page.wait_for_timeout(500)
                page.reload()
            assert "纸质录入" in row.inner_text()
            assert row.inner_text().split("\t")[2] == str(total(PAPERS[name]))
        browser.close()
