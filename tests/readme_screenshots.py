"""The README's pictures of the web app, made by using it the way an office does.

Run ``.venv/bin/python -m tests.readme_screenshots [--out DIR]`` (default ``tests/readme/``).  A demo
workspace is made in a temporary folder and a real server (uvicorn, loopback only) runs on it; the
system Chromium, driven by Playwright, then builds the blank forms, uploads a roster of six
applicants and personalises their forms, uploads the returns (three filled PDFs and a stack of two
scanned paper forms), opens a result, starts keying a scan and checks the roster.  After every
step it waits for the page's background jobs to finish, then photographs the page at 1280 pixels
wide.  The pictures are reduced to a palette and replace the old ones file by file.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from generator import load
from generator.distribute.personalize import Personalizer
from generator.distribute.roster import Applicant, read_roster
from generator.model.rubric import RubricSet
from tests import scan_factory as sf
from tests.read_fillers import fill_pypdf, form_values
from tests.roster_support import write_xlsx
from tests.scan_batch import Paper, printed
from tests.test_web_app import TOKEN, running_server
from tests.viewer_support import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Page

OUT = Path(__file__).resolve().parent / "readme"
WIDTH = 1280
PAGES = ("1-表格.png", "2-发放.png", "3-回收.png", "4-详情.png", "5-录入.png", "6-名单核对.png")
"""The pictures, in the order the README shows them."""
JOB_TIMEOUT = 180_000
"""Milliseconds a background job (reading the scans, above all) may take on a slow machine."""
MAX_HEIGHT = 2400
"""Pixels: a longer page is cut off there (the keying station's boxes go on for a while)."""

ROSTER = [
    ["服务明星", "张伟", "", "中国电信北京分公司", "客服代表", "zhangwei@example.com"],
    ["服务明星", "李娜", "", "国网江苏省电力有限公司", "客户经理", "lina@example.com"],
    ["服务明星班组", "", "巾帼文明岗", "国网上海市电力公司", "", "jinguo@example.com"],
    ["服务明星班组", "", "营业一班", "中国移动广州分公司", "", "yingye1@example.com"],
    ["服务杰出管理者", "欧阳娜娜", "", "招商银行深圳分行", "行长", "ouyang@example.com"],
    ["服务杰出管理者", "陈建国", "", "中国银行上海分行", "副行长", "chenjianguo@example.com"],
]
"""The roster: two applicants per rubric.  巾帼文明岗 never sends its form back."""
FILLED = {
    "张伟": (10, 15, 14, 10, 9, 19, 18),
    "李娜": (8, 12, 13, 9, 10, 18, 15),
    "欧阳娜娜": (9, 9, 13, 12, 9, 20, 14),
}
"""Who sends the filled PDF back, with their self-assessed scores."""
SCANNED = {"营业一班": (9, 13, 12, 10, 8, 16, 14), "陈建国": (8, 8, 12, 9, 8, 21, 13)}
"""Who fills the form in by hand: printed, stamped and scanned into one stack."""
STACK = "扫描 批次1.pdf"
DPI = 200
"""The scanner's resolution."""
KEYED = 4
"""How many boxes of the first scan the keyer has typed when the picture is taken."""
ROUND = "第一轮"
"""The reminder round the roster check shows."""
DETAIL = "张伟"
"""Whose result the detail picture shows."""


@dataclass(frozen=True)
class Demo:
    """The files an office has at hand: the roster and the returned forms."""

    roster: Path
    returns: list[Path]
    written: dict[str, dict[str, str]]
    """What is written on each scanned application (by its id on the 录入 page), box by box."""


def applicant_name(applicant: Applicant) -> str:
    return applicant.values[0][1]


def build_demo(rubrics: RubricSet, folder: Path) -> Demo:
    """Write the roster, and the returns made from each applicant's personalised form (so they match the roster)."""
    folder.mkdir(parents=True, exist_ok=True)
    roster = write_xlsx(folder / "2025年度申报花名册.xlsx", [list(row) for row in ROSTER])
    applicants = read_roster(roster, rubrics, require_email=True).applicants
    assert len(applicants) == len(ROSTER), "the demo roster has no problems"
    personal_dir, returned = folder / "个人表格", folder / "交回"
    personal_dir.mkdir()
    returned.mkdir()
    chosen = [a for a in applicants if applicant_name(a) in FILLED | SCANNED]
    personal = {applicant_name(a): path for a, path in Personalizer(chosen).write_all(chosen, personal_dir)}
    returns, pages, written = [], [], {}
    for applicant in chosen:
        name, header = applicant_name(applicant), tuple(value for _, value in applicant.values)
        scores = FILLED.get(name) or SCANNED[name]
        values = form_values(applicant.rubric, header, scores, sum(scores))
        filled = fill_pypdf(personal[name], returned / f"{name} 自评表.pdf", values)
        if name in FILLED:
            returns.append(filled)
        else:
            paper = Paper(applicant.rubric.id, header, scores, DPI, "full", {"rotate_deg": 1.0, "noise": 3.0})
            pages.extend(printed(filled, paper))
            written[f"{applicant.rubric.id}-{applicant.roster_key}"] = values
            filled.unlink()
    returns.append(sf.save_image_pdf(pages, returned / STACK, DPI))
    return Demo(roster, returns, written)


def settle(page: Page, ready: str) -> None:
    """Wait until ``ready`` shows and no background job on the page is still running (the page reloads itself)."""
    from playwright.sync_api import expect

    page.locator(ready).first.wait_for(timeout=JOB_TIMEOUT)
    expect(page.locator("[data-job][data-active=true]")).to_have_count(0, timeout=JOB_TIMEOUT)
    page.wait_for_load_state("load")
    page.locator(ready).first.wait_for(timeout=JOB_TIMEOUT)
    page.evaluate("document.fonts.ready")
    page.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")


def shoot(page: Page, shots: Path, name: str, until: str = "", margin: int = 16) -> Path:
    """Photograph the page from the top: all of it, or down to the element ``until`` and ``margin`` pixels more."""
    script = "s => s ? document.querySelector(s).getBoundingClientRect().bottom + window.scrollY : 1e9"
    bottom = page.evaluate(script, until) + margin
    height = min(page.evaluate("document.documentElement.scrollHeight"), bottom, MAX_HEIGHT)
    path = shots / name
    page.screenshot(path=path, full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
    return path


def drive(address: str, demo: Demo, shots: Path) -> list[Path]:
    """Use every page in the browser as an office would, photographing each one when its work is done."""
    from playwright.sync_api import expect, sync_playwright

    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
            page.goto(f"{address}/?token={TOKEN}")

            page.get_by_role("button", name="生成空白表格").click()
            settle(page, "a:has-text('下载空白表格')")
            taken.append(shoot(page, shots, PAGES[0]))

            page.get_by_role("link", name="发放", exact=True).click()
            page.set_input_files("input[name=roster]", str(demo.roster))
            page.get_by_role("button", name="上传花名册").click()
            page.get_by_role("button", name="生成个人表格").click()
            settle(page, "a:has-text('下载个人表格')")
            taken.append(shoot(page, shots, PAGES[1]))

            page.get_by_role("link", name="回收", exact=True).click()
            page.set_input_files("#pick-files", [str(path) for path in demo.returns])
            page.get_by_role("button", name="上传并读取").click()
            settle(page, "ul.downloads a")
            stars = sum(row[0] == "服务明星" and row[1] in FILLED for row in ROSTER)  # the first rubric's results
            expect(page.locator("table.results").first.locator("tbody tr")).to_have_count(stars)
            taken.append(shoot(page, shots, PAGES[2]))

            page.get_by_role("link", name=DETAIL).first.click()
            settle(page, "table.scores")
            taken.append(shoot(page, shots, PAGES[3], until="section:has(table.scores)"))

            page.get_by_role("link", name="录入", exact=True).click()
            settle(page, "form#keying-form[data-ready]")
            written = demo.written[page.locator("input[name=application_id]").input_value()]
            boxes = page.locator("input.key:not(.seal)").all()
            for box in boxes[:KEYED]:
                box.fill(written.get(box.get_attribute("name") or "", ""))
            boxes[KEYED].focus()
            taken.append(shoot(page, shots, PAGES[4], until=f"table.keying tbody tr:nth-child({KEYED + 3})", margin=1))

            page.get_by_role("link", name="名单核对", exact=True).click()
            settle(page, "table.roster-check")
            page.goto(f"{address}/roster?round={ROUND}")  # a named round, not today's date: the same picture every day
            settle(page, "table.roster-check")
            taken.append(shoot(page, shots, PAGES[5]))
        finally:
            browser.close()
    return taken


def optimise(source: Path) -> bytes:
    """The screenshot as a palette PNG: office pages have few colours, so 256 keep the text crisp."""
    with Image.open(source) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def make_screenshots(out: Path = OUT) -> list[Path]:
    """Photograph every page of a demo workspace into ``out``; returns the pictures written, in :data:`PAGES` order."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rubric-forms-readme-") as temp:
        work = Path(temp)
        rubrics = load()
        demo = build_demo(rubrics, work / "材料")
        shots = work / "shots"
        shots.mkdir()
        with running_server(work / "工作区", rubrics) as address:
            taken = drive(address, demo, shots)
        written = []
        for shot in taken:
            target = out / shot.name
            partial = target.with_name(f".{target.name}.tmp")
            partial.write_bytes(optimise(shot))
            os.replace(partial, target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="网页界面截图（README 用）")
    parser.add_argument("--out", type=Path, default=OUT, help=f"图片保存的文件夹（默认 {OUT}）")
    args = parser.parse_args(argv)
    for path in make_screenshots(args.out):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
