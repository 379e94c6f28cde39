"""The whole round in a real browser (Playwright driving the system Chromium against a real uvicorn server), as an
office runs it: upload the roster, personalise and download the forms (one opened in pdf.js), send them to a real
SMTP server (aiosmtpd), take the returns back as a folder of PDFs, a Word file and a scanned stack, check the
roster and remind the one missing; then stop the server, start another on the same workspace and find it all kept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.model.rubric import RubricSet
from tests.read_fillers import form_values
from tests.readme_screenshots import FILLED, ROSTER, build_demo
from tests.roster_support import Recorder
from tests.test_web_app import TOKEN, running_server
from tests.test_web_distribute import PASSWORD, smtp
from tests.viewer_support import CHROMIUM, CHROMIUM_ARGS, loopback_server, open_form, viewer_available
from tests.word_fillers import fill_controls

__all__ = ["smtp"]  # a fixture used by name
JOB = 120_000
"""Milliseconds a background job may take on a loaded machine."""
ADDRESSES = sorted(row[-1] for row in ROSTER)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def rows(page: Any, table: str) -> list[list[str]]:
    """The cells of a table's body as the page shows them."""
    return [row.split("\t") for row in page.locator(f"table.{table} tbody tr").all_inner_texts()]


def settled(page: Any) -> None:
    """Wait until no background job of the page is running (the page reloads itself when one ends)."""
    from playwright.sync_api import expect

    expect(page.locator("[data-job][data-active=true]")).to_have_count(0, timeout=JOB)
    page.wait_for_load_state("load")


def personalise(page: Any, roster: Path, work: Path) -> Path:
    """发放: upload the roster, make the personal forms and download their zip; returns the folder it unpacks to."""
    page.get_by_role("link", name="发放", exact=True).click()
    page.set_input_files("input[name=roster]", str(roster))
    page.get_by_role("button", name="上传花名册").click()
    assert f"可用 {len(ROSTER)} 行，有问题 0 行" in page.inner_text("main")
    page.get_by_role("button", name="生成个人表格").click()
    link = page.get_by_role("link", name="下载个人表格（zip）")
    link.wait_for(timeout=JOB)
    with page.expect_download() as download:
        link.click()
    folder = work / "下载的 个人表格"
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    assert sorted(Path(name).suffix for name in names) == [".docx"] * len(ROSTER) + [".pdf"] * len(ROSTER)
    return folder


def send(page: Any, port: int, recorder: Recorder) -> None:
    """发放: type the SMTP settings, send, and watch each recipient's status turn 已发送 without reloading."""
    for field, value in {
        "#host": "127.0.0.1",
        "#port": str(port),
        "#user": "hr",
        "#password": PASSWORD,
        "#sender": "人力资源部 <hr@example.com>",
        "#deadline": "2025年7月31日",
        "#per_minute": "600",
    }.items():
        page.fill(field, value)
    page.select_option("#security", "none")
    page.get_by_role("button", name="发送", exact=True).click()
    statuses = page.locator("table.recipients td.send-status")
    from playwright.sync_api import expect

    expect(statuses).to_have_text(["已发送"] * len(ROSTER), timeout=JOB)
    assert sorted(recorder.recipients()) == ADDRESSES
    assert PASSWORD not in page.content()


def word_return(personal: Path, rubric_set: RubricSet, work: Path) -> Path:
    """李娜 fills in her personalised Word form (content controls) instead of the PDF."""
    star = rubric_set.get("star")
    assert star is not None
    (docx,) = personal.rglob("*李娜*.docx")
    row = next(r for r in ROSTER if r[1] == "李娜")
    values = form_values(star, (row[1], row[3], row[4]), FILLED["李娜"], sum(FILLED["李娜"]))
    return fill_controls(docx, work / "李娜 自评表.docx", values)


def returns_folder(rubric_set: RubricSet, personal: Path, work: Path) -> Path:
    """The folder the office saves the e-mailed returns in: two PDFs, a Word file, a scanned stack, a hidden file."""
    demo = build_demo(rubric_set, work / "示例")
    folder = demo.returns[0].parent
    (folder / "李娜 自评表.pdf").unlink()
    word_return(personal, rubric_set, folder)
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def view_personal_pdf(browser: Any, personal: Path) -> None:
    """A downloaded personal form opens in pdf.js (Firefox's viewer) with its applicant filled in."""
    (downloaded,) = personal.rglob("*张伟*.pdf")
    pdf = downloaded.with_name("personal.pdf")  # the harness serves forms by plain names
    pdf.write_bytes(downloaded.read_bytes())
    with loopback_server() as (base_url, forms), open_form(browser, base_url, forms, pdf) as form:
        shown = form.values()
        assert "张伟" in shown.values() and "中国电信北京分公司" in shown.values(), shown
        assert form.page.locator("div.page").count() == 2, "both pages render"


def read_returns(page: Any, folder: Path) -> None:
    """回收: choose the whole folder, upload it, and find the right rows and totals per rubric."""
    page.get_by_role("link", name="回收", exact=True).click()
    page.set_input_files("#pick-folder", str(folder))
    page.get_by_role("button", name="上传并读取").click()
    page.locator("table.forms").wait_for(timeout=JOB)
    settled(page)
    assert "已上传 4 个文件" in page.inner_text("main"), "the hidden file is left out"
    tabs = page.locator("nav.tabs").inner_text()
    assert "服务明星（2）" in tabs and "服务明星班组（1）" in tabs and "服务杰出管理者（2）" in tabs
    shown = rows(page, "forms")
    assert [(r[1].split("，")[0], r[2], r[5]) for r in shown] == [("张伟", "95", "PDF"), ("李娜", "85", "Word")]
    page.get_by_role("link", name="服务杰出管理者（2）").click()
    manager = {r[6]: r for r in rows(page, "forms")}
    assert manager["欧阳娜娜 自评表.pdf"][2] == "86"
    (scan,) = [r for source, r in manager.items() if "扫描 批次1.pdf" in source]
    assert scan[2] == "" and "人工录入" in scan[7], "a scan waits for keying"


def check_and_remind(page: Any, recorder: Recorder) -> None:
    """名单核对: five returned, 巾帼文明岗 missing and the only one reminded."""
    page.get_by_role("link", name="名单核对").click()
    page.locator("p.counts").wait_for(timeout=JOB)
    settled(page)
    assert "已交 5 人，未交 1 人，多次提交 0 人" in page.inner_text("p.counts")
    missing = [r for r in rows(page, "roster-check") if r[4] == "未交"]
    assert [r[2] for r in missing] == ["巾帼文明岗"]
    page.fill("#round", "第一轮")
    page.get_by_role("button", name="催交").click()
    from playwright.sync_api import expect

    expect(page.locator("tr.status-未交 td.send-status")).to_have_text("已发送", timeout=JOB)
    assert sorted(recorder.recipients()) == sorted([*ADDRESSES, "jinguo@example.com"])


def still_there(browser: Any, address: str) -> None:
    """After a restart: the roster, each send status, the results and the roster check, as they were left."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{address}/?token={TOKEN}")
    page.get_by_role("link", name="发放", exact=True).click()
    assert "2025年度申报花名册.xlsx" in page.inner_text("main")
    assert page.locator("table.recipients td.send-status").all_inner_texts() == ["已发送"] * len(ROSTER)
    page.get_by_role("link", name="下载个人表格（zip）").wait_for()
    page.get_by_role("link", name="回收", exact=True).click()
    assert [(r[1].split("，")[0], r[2]) for r in rows(page, "forms")] == [("张伟", "95"), ("李娜", "85")]
    page.get_by_role("link", name="名单核对").click()
    assert "已交 5 人，未交 1 人" in page.inner_text("p.counts")
    page.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.skipif(not viewer_available(), reason="needs Playwright, the system Chromium and pdfjs-dist")
def test_the_whole_round_in_the_browser_and_after_a_restart(
    tmp_path: Path, rubric_set: RubricSet, smtp: tuple[Recorder, int], browser: Any
) -> None:
    recorder, port = smtp
    workspace = tmp_path / "工作 区"
    roster = build_demo(rubric_set, tmp_path / "花名册").roster
    with running_server(workspace, rubric_set) as address:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{address}/?token={TOKEN}")
        personal = personalise(page, roster, tmp_path)
        view_personal_pdf(browser, personal)
        send(page, port, recorder)
        read_returns(page, returns_folder(rubric_set, personal, tmp_path))
        check_and_remind(page, recorder)
        page.close()
    with running_server(workspace, rubric_set) as address:
        still_there(browser, address)
