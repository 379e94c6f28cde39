"""The keying workbook 录入表.xlsx: written with the scans' crops, keyed as an office clerk would, read back.

The clerk's part is played twice: openpyxl typing into the cells, and
LibreOffice saving the workbook again (as any spreadsheet program rewrites
every part of it).  Either way the keyed values come back checked and
totalled like a PDF form's, marked 纸质录入.  Then the files a clerk might
hand in by mistake, or edit out of shape, each give one Chinese sentence.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import msoffcrypto.format.ooxml  # type: ignore[import-untyped]  # msoffcrypto-tool ships no type information
import pymupdf
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw, ImageFont

from generator.model.fields import score_field, seal_field
from generator.model.rubric import Rubric, RubricSet
from generator.readers import keyed as keyed_module
from generator.readers.keyed import (
    BOMB,
    ENCRYPTED,
    MARKER_SHEET,
    NOT_A_WORKBOOK,
    NOT_OURS,
    KeyedWorkbook,
    image_key,
    is_keying_workbook,
    keyed_fields,
    read_keying_workbook,
)
from generator.readers.results import SEAL_TEXT, Crop, FormResult, ScanEvidence, SealState
from generator.reports.keying import NOT_SCANNED, keying_workbook
from generator.writers.pdf.fonts import bundled_font
from tests.hostile_rosters import zeros_xlsx
from tests.libreoffice_support import SOFFICE, print_with_libreoffice

EMU_PER_PX = 9525
SOURCE = "录入表.xlsx"
STAR = ("star-0001", "star-0002")
MANAGER = "manager-0001"


def jpeg(text: str, width: int, height: int) -> Crop:
    """A grey scan of a box with ``text`` written in it, as the scan reader crops it (no name yet)."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((1, 1, width - 2, height - 2), outline=40, width=2)
    font = ImageFont.truetype(str(bundled_font()), max(10, min(32, height - 16)))
    draw.text((12, height // 2), text, fill=30, font=font, anchor="lm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return Crop("", text, out.getvalue(), width, height)


CROP_SIZES = {"score": (90, 48), "review": (700, 200)}
"""Box sizes at 100 dpi: a score cell, the review area; other boxes 320 × 44."""


def scanned(rubric: Rubric, application_id: str, seal: SealState = "unclear", first_page: int = 1) -> FormResult:
    """A paper application as the scan reader gives it: where its two pages were, a crop per box (each score
    box with an 8 in it), the seal's crop."""
    crops = []
    for form_field in keyed_fields(rubric):
        width, height = CROP_SIZES.get(form_field.kind, (320, 44))
        text = "8" if form_field.kind == "score" else form_field.label[:8]
        crops.append(replace(jpeg(text, width, height), name=form_field.name))
    seal_crop = replace(jpeg("公章", 260, 260), name="seal")
    pages = (f"扫描件.pdf 第 {first_page} 页", f"扫描件.pdf 第 {first_page + 1} 页")
    evidence = ScanEvidence(application_id, pages, tuple(crops), seal, seal_crop)
    return FormResult(source="；".join(pages), read=True, format="scan", rubric_id=rubric.id, seal=seal, scan=evidence)


def batch(rubrics: RubricSet) -> list[FormResult]:
    """Two scanned 服务明星 applications, one 服务杰出管理者, and results the workbook has no row for."""
    star, manager = rubric_named(rubrics, "star"), rubric_named(rubrics, "manager")
    not_scanned = FormResult(source="张三.pdf", read=True, format="pdf", rubric_id="star")
    page_problem = FormResult(
        source="扫描件.pdf 第 9 页", format="scan", scan=ScanEvidence("", ("扫描件.pdf 第 9 页",))
    )
    return [
        scanned(star, STAR[0]),
        not_scanned,
        scanned(manager, MANAGER, seal="sealed", first_page=3),
        scanned(star, STAR[1], seal="absent", first_page=5),
        page_problem,
    ]


def rubric_named(rubrics: RubricSet, rubric_id: str) -> Rubric:
    rubric = rubrics.get(rubric_id)
    assert rubric is not None
    return rubric


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, rubric_set: RubricSet) -> Path:
    data = keying_workbook(batch(rubric_set), rubric_set)
    assert data is not None
    path = tmp_path_factory.mktemp("keying") / SOURCE
    path.write_bytes(data)
    return path


def worksheet(path: Path, title: str) -> Worksheet:
    sheet = load_workbook(path)[title]
    assert isinstance(sheet, Worksheet)
    return sheet


def pictures(sheet: Worksheet) -> list[Any]:
    """The sheet's images, each with its anchor."""
    return list(sheet._images)  # type: ignore[attr-defined]  # openpyxl keeps them there; its stubs leave it out


def keys(sheet: Worksheet) -> dict[str, int]:
    """Column number by the key in the hidden row 2."""
    return {str(cell.value): cell.column for cell in sheet[2] if cell.value}


def rows_by_id(sheet: Worksheet) -> dict[str, int]:
    column = keys(sheet)["application_id"]
    return {str(sheet.cell(row, column).value): row for row in range(3, sheet.max_row + 1)}


# The workbook as written


def test_a_sheet_per_rubric_and_a_row_per_scanned_application(written: Path, rubric_set: RubricSet) -> None:
    book = load_workbook(written)
    assert book.sheetnames == ["服务明星", "服务杰出管理者", MARKER_SHEET]
    assert book[MARKER_SHEET].sheet_state == "veryHidden"
    assert book.security is not None and book.security.lockStructure
    star, manager = book["服务明星"], book["服务杰出管理者"]
    assert list(rows_by_id(star)) == list(STAR)
    assert list(rows_by_id(manager)) == [MANAGER]
    titles = [cell.value for cell in star[1]]
    assert titles[:5] == ["编号", "来源", "印章（识别结果）", "印章（图）", "印章"]
    assert titles[5:7] == ["姓名（图）", "姓名"]
    assert "评分：道德情操高尚，社会责任感强（0-10分）" in titles
    assert "道德情操高尚，社会责任感强（图）" in titles
    assert titles[-6:] == [
        "审核意见（图）",
        "所在组织（或推荐机构）审核意见",
        "组织名称（图）",
        "所在组织名称",
        "审核日期（图）",
        "审核日期",
    ]
    assert star.row_dimensions[2].hidden
    assert star.freeze_panes == "C3"
    assert star.page_setup.orientation == "landscape"
    assert star.cell(4, 2).value == "扫描件.pdf 第 5 页\n扫描件.pdf 第 6 页"


def test_only_the_cells_to_key_are_unlocked(written: Path) -> None:
    sheet = worksheet(written, "服务明星")
    assert sheet.protection.sheet
    column = keys(sheet)
    id_cell = sheet.cell(3, column["application_id"])
    assert id_cell.protection.locked and id_cell.fill.fgColor.rgb.endswith("EDEDED")
    assert sheet.cell(3, column[image_key("star-score-moral_character")]).protection.locked
    for key in ("star-seal", "star-applicant-name", "star-score-moral_character", "star-review", "star-review_date"):
        assert not sheet.cell(3, column[key]).protection.locked, key
    assert sheet.cell(3, column["star-applicant-name"]).number_format == "@"
    # the scan's call is shown, locked; the 印章 cell is the clerk's, empty until the clerk chooses
    assert [sheet.cell(row, column["scan:star-seal"]).value for row in (3, 4)] == ["无法判断", "未见印章"]
    assert sheet.cell(3, column["scan:star-seal"]).protection.locked
    assert [sheet.cell(row, column["star-seal"]).value for row in (3, 4)] == [None, None]


def test_each_crop_sits_in_its_cell_beside_the_cell_to_key(written: Path, rubric_set: RubricSet) -> None:
    sheet = worksheet(written, "服务明星")
    star = rubric_named(rubric_set, "star")
    column = keys(sheet)
    by_cell = {(image.anchor._from.row + 1, image.anchor._from.col + 1): image for image in pictures(sheet)}
    assert len(by_cell) == len(pictures(sheet)) == 2 * (len(keyed_fields(star)) + 1)
    for row in (3, 4):
        for name in [f.name for f in keyed_fields(star)] + [seal_field(star).name]:
            image = by_cell[(row, column[image_key(name)])]
            height_px = image.anchor.ext.height / EMU_PER_PX
            assert height_px <= (150 if name.endswith(("review", "seal")) else 60), name
            assert height_px <= sheet.row_dimensions[row].height / 0.75
            assert column[name] == column[image_key(name)] + 1, name  # the input cell is just right of its crop
    score_crop = by_cell[(3, column[image_key("star-score-moral_character")])]
    assert (score_crop.anchor.ext.width, score_crop.anchor.ext.height) == (90 * EMU_PER_PX, 48 * EMU_PER_PX)
    review_crop = by_cell[(3, column[image_key("star-review")])]
    assert (review_crop.anchor.ext.width, review_crop.anchor.ext.height) == (525 * EMU_PER_PX, 150 * EMU_PER_PX)


def test_score_cells_accept_only_the_scores_their_sub_item_allows(written: Path, rubric_set: RubricSet) -> None:
    book = load_workbook(written)
    rules = {}
    for title, rubric_id in (("服务明星", "star"), ("服务杰出管理者", "manager")):
        sheet = book[title]
        column = keys(sheet)
        for validation in sheet.data_validations.dataValidation:
            (cells,) = validation.sqref.ranges
            rules[(rubric_id, cells.min_col, cells.min_row)] = validation
        for sub in rubric_named(rubric_set, rubric_id).subitems:
            rule = rules[(rubric_id, column[score_field(rubric_named(rubric_set, rubric_id), sub).name], 3)]
            assert rule.errorTitle == "评分有误" and "只能是" in rule.error and rule.showErrorMessage
            assert rule.prompt and rule.showInputMessage
            if rubric_id == "star":
                assert (rule.type, rule.operator, rule.formula1, rule.formula2) == (
                    "whole",
                    "between",
                    "0",
                    str(sub.points),
                )
    manager = book["服务杰出管理者"]
    column = keys(manager)
    veto = rules[("manager", column["manager-score-satisfaction_program"], 3)]
    assert (veto.type, veto.formula1) == ("list", '"' + ",".join(map(str, [0, *range(5, 16)])) + '"')
    gap = rules[("manager", column["manager-score-organization_performance"], 3)]
    assert (gap.type, gap.formula1) == ("list", '"0,3,4,5,6,7,8,9,10"')
    seal = rules[("manager", column["manager-seal"], 3)]
    assert (seal.type, seal.formula1) == ("list", '"已盖章,未见印章,无法判断"')


def test_no_scan_no_workbook(rubric_set: RubricSet) -> None:
    assert keying_workbook([FormResult(source="a.pdf", read=True, rubric_id="star")], rubric_set) is None


# Keyed and read back


def key(path: Path, out: Path, keyed: dict[str, dict[str, dict[str, Any]]]) -> Path:
    """Type values into the workbook as a clerk would: sheet → 编号 → field key → value."""
    book = load_workbook(path)
    for title, rows in keyed.items():
        sheet = book[title]
        column, row_of = keys(sheet), rows_by_id(sheet)
        for application_id, values in rows.items():
            for name, value in values.items():
                sheet.cell(row_of[application_id], column[name]).value = value
    book.save(out)
    return out


STAR_KEYED: dict[str, Any] = {
    "star-applicant-name": "张三",
    "star-applicant-unit": "第一营业厅",
    "star-applicant-post": "客户经理",
    "star-total": 80,
    "star-score-moral_character": 9,
    "star-score-professionalism": 13,
    "star-score-service_standards": 12,
    "star-score-innovation_ability": 8.0,  # a number Excel stores as a float
    "star-score-satisfaction_program": 9,
    "star-score-customer_praise": 15,
    "star-score-service_model": 14,
    "star-review": "同意推荐。",
    "star-organization": "某某公司",
    "star-review_date": "2024年5月6日",
    "star-seal": "已盖章",
}


@pytest.fixture(scope="module")
def keyed_path(written: Path) -> Path:
    second = {"star-applicant-name": "李四", "star-score-moral_character": "十", "star-score-professionalism": 7}
    manager = {"manager-applicant-name": "王五", "manager-score-satisfaction_program": 0}
    keyed = {"服务明星": {STAR[0]: STAR_KEYED, STAR[1]: second}, "服务杰出管理者": {MANAGER: manager}}
    return key(written, written.with_name("已录入.xlsx"), keyed)


@pytest.fixture(scope="module")
def resaved(keyed_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The keyed workbook as LibreOffice Calc saves it again."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out, profile = tmp_path_factory.mktemp("resaved"), tmp_path_factory.mktemp("lo-profile")
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx"]
    subprocess.run([*command, "--outdir", str(out), str(keyed_path)], check=True, capture_output=True, timeout=300)
    return out / keyed_path.name


def read(path: Path, rubrics: RubricSet) -> KeyedWorkbook:
    return read_keying_workbook(path.read_bytes(), SOURCE, rubrics)


@pytest.mark.parametrize("saved_by", ["openpyxl", "LibreOffice"])
def test_keyed_values_are_checked_and_totalled(
    saved_by: str, keyed_path: Path, request: pytest.FixtureRequest, rubric_set: RubricSet
) -> None:
    path = keyed_path if saved_by == "openpyxl" else request.getfixturevalue("resaved")
    assert is_keying_workbook(path.read_bytes())
    workbook = read(path, rubric_set)
    assert workbook.problems == ()
    assert workbook.source == SOURCE
    entries = {entry.application_id: entry for entry in workbook.entries}
    assert list(entries) == [*STAR, MANAGER]

    first = entries[STAR[0]]
    assert (first.rubric_id, first.sheet, first.row) == ("star", "服务明星", 3)
    assert first.values == {
        name: str(int(v) if isinstance(v, float) else v) for name, v in STAR_KEYED.items() if name != "star-seal"
    }
    assert first.seal == "sealed" and first.complete
    assert first.keyed_values == tuple(sorted({**first.values, "star-seal": "已盖章"}.items()))
    result = first.result
    assert (result.format, result.format_text, result.source) == ("keyed", "纸质录入", f"{SOURCE} 服务明星 第 3 行")
    assert (result.total, result.problems, result.seal, result.eligibility) == (80, (), "sealed", "eligible")
    assert result.applicant == {"name": "张三", "unit": "第一营业厅", "post": "客户经理"}
    assert (result.review, result.organization, result.review_date) == ("同意推荐。", "某某公司", "2024年5月6日")

    second = entries[STAR[1]]
    assert second.values == {
        "star-applicant-name": "李四",
        "star-score-moral_character": "十",
        "star-score-professionalism": "7",
    }
    assert second.seal is None and not second.complete
    assert second.result.total == 7
    assert "“道德情操高尚，社会责任感强”的评分“十”不是有效的分数（应填写 0-10 的整数）。" in second.result.problems

    manager = entries[MANAGER]
    assert manager.seal is None and manager.result.eligibility == "ineligible"
    assert manager.values == {"manager-applicant-name": "王五", "manager-score-satisfaction_program": "0"}


def test_a_row_nothing_was_keyed_for_is_an_incomplete_entry(written: Path, rubric_set: RubricSet) -> None:
    workbook = read(written, rubric_set)
    assert workbook.problems == ()
    assert [(e.application_id, e.values, e.complete) for e in workbook.entries] == [
        (STAR[0], {}, False),
        (STAR[1], {}, False),
        (MANAGER, {}, False),
    ]
    assert [(e.seal, e.keyed_values) for e in workbook.entries] == [(None, ())] * 3  # the scan's call is not read
    assert workbook.entries[0].result.problems[0] == "表头未填写：姓名、单位、岗位。"


def test_rewriting_keeps_what_was_keyed(keyed_path: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    """The next ``read`` writes the workbook again: keyed values stay, for a scan read again or not."""
    before = read(keyed_path, rubric_set)
    earlier: dict[str, dict[str, str]] = {}
    for entry in before.entries:
        seal = {seal_field(rubric_named(rubric_set, entry.rubric_id)).name: SEAL_TEXT[entry.seal]} if entry.seal else {}
        earlier[entry.application_id] = entry.values | seal
    star = rubric_named(rubric_set, "star")
    again = [scanned(star, STAR[0])]  # this run: one of the three scans again
    data = keying_workbook(again, rubric_set, earlier)
    assert data is not None
    path = tmp_path / SOURCE
    path.write_bytes(data)
    sheet = worksheet(path, "服务明星")
    assert list(rows_by_id(sheet)) == [STAR[0], STAR[1]]
    assert sheet.cell(4, 2).value == NOT_SCANNED
    assert len(pictures(sheet)) == len(keyed_fields(star)) + 1  # only the scanned row has crops
    assert sheet.cell(3, keys(sheet)["star-score-moral_character"]).value == 9  # a number, as typed
    after = read(path, rubric_set)
    assert after.problems == ()
    assert [(e.application_id, e.values, e.seal) for e in after.entries] == [
        (e.application_id, e.values, e.seal) for e in before.entries
    ]
    assert [e.result.total for e in after.entries] == [80, 7, 0]


def test_keyed_values_of_the_scan_evidence_are_written(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric_named(rubric_set, "star")
    result = scanned(star, STAR[0])
    assert result.scan is not None
    keyed = (("star-applicant-name", "=张三"), ("star-seal", "已盖章"), ("star-total", "7"))
    evidence = replace(result.scan, keyed_values=keyed)  # the scan said 无法判断, the clerk 已盖章
    data = keying_workbook([replace(result, seal="sealed", scan=evidence)], rubric_set)  # as the batch keys it
    assert data is not None
    path = tmp_path / SOURCE
    path.write_bytes(data)
    sheet = worksheet(path, "服务明星")
    cell = sheet.cell(3, keys(sheet)["star-applicant-name"])
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=张三", "s", True)  # text, never a formula
    column = keys(sheet)
    assert (sheet.cell(3, column["scan:star-seal"]).value, sheet.cell(3, column["star-seal"]).value) == (
        "无法判断",
        "已盖章",
    )
    entry = read(path, rubric_set).entries[0]
    assert entry.values == {"star-applicant-name": "=张三", "star-total": "7"}
    assert entry.seal == "sealed" and entry.keyed_values == keyed


# Looked at as a clerk sees it


def test_printed_each_crop_beside_its_cell(written: Path, tmp_path: Path) -> None:
    """LibreOffice's print: the titles and 编号 on every page, no page break between a crop and its cell
    (on this machine Calibri is drawn as the wider DejaVu Sans)."""
    profile = tmp_path / "profile"
    profile.mkdir()
    pdf = print_with_libreoffice([written], tmp_path, profile)[written]
    with pymupdf.open(pdf) as document:
        pages = ["".join(page.get_text().split()) for page in document]
    assert all(page.startswith("编号") and STAR[0] in page for page in pages[:3])  # on every page of the sheet
    assert sum("评分：道德情操高尚，社会责任感强（0-10分）" in page for page in pages) == 1
    for crop, label in (
        ("姓名（图）", "姓名"),
        ("道德情操高尚，社会责任感强（图）", "评分：道德情操高尚，社会责任感强（0-10分）"),
        ("审核意见（图）", "所在组织（或推荐机构）审核意见"),
        ("审核日期（图）", "审核日期"),
    ):
        assert any(crop in page for page in pages), crop
        assert [crop in page for page in pages] == [label in page.replace(crop, "") for page in pages], label


# What a clerk might hand in instead


def edited(path: Path, tmp_path: Path, edit: Callable[[Any], None]) -> bytes:
    book = load_workbook(path)
    edit(book)
    out = tmp_path / "edited.xlsx"
    book.save(out)
    return out.read_bytes()


def test_a_deleted_id_column_skips_the_sheet(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    data = edited(keyed_path, tmp_path, lambda book: book["服务明星"].delete_cols(1))
    workbook = read_keying_workbook(data, SOURCE, rubric_set)
    assert workbook.problems == ("工作表“服务明星”找不到“编号”一列（可能被删除），无法对应扫描件，未读取。",)
    assert [e.application_id for e in workbook.entries] == [MANAGER]


def test_a_deleted_score_column_is_said(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    def delete(book: Any) -> None:
        sheet = book["服务明星"]
        sheet.delete_cols(keys(sheet)["star-score-moral_character"])

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, delete), SOURCE, rubric_set)
    assert workbook.problems == (
        "工作表“服务明星”缺少 1 列（可能被删除）：“评分：道德情操高尚，社会责任感强（0-10分）”；相应内容按未录入处理。",
    )
    first = workbook.entries[0]
    assert not first.complete and first.result.total == 71
    assert "“道德情操高尚，社会责任感强”未填写评分。" in first.result.problems


def test_a_repeated_id_takes_the_last_row(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    """Within a workbook or across two, a repeated 编号 is said once, in one place, naming every row."""
    from generator.readers.paper import TWICE_KEYED, combine

    def repeat(book: Any) -> None:
        book["服务明星"].cell(4, 1).value = STAR[0]

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, repeat), SOURCE, rubric_set)
    assert workbook.problems == ()
    assert [(e.application_id, e.row) for e in workbook.entries] == [(STAR[0], 3), (STAR[0], 4), (MANAGER, 3)]
    again = read_keying_workbook(keyed_path.read_bytes(), "副本.xlsx", rubric_set)
    results = combine([workbook, again], rubric_set)
    problems = [r for r in results if not r.read]
    places = f"{SOURCE} 服务明星 第 3 行、{SOURCE} 服务明星 第 4 行、副本.xlsx 服务明星 第 3 行"
    assert [(r.source, r.problems) for r in problems] == [
        ("副本.xlsx", (TWICE_KEYED.format(id=STAR[0], places=places),)),
        # the manager's row is the same in both: nothing to choose between, nothing said
    ]
    assert "请删除多余的一行" in problems[0].problems[0]
    (first,) = [r for r in results if r.read and r.source.endswith("服务明星 第 3 行") and r.scan]
    assert first.source.startswith("副本.xlsx") and first.total == 80  # the last row of the 编号 counts


def test_cells_that_are_not_plain_values(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    def spoil(book: Any) -> None:
        sheet = book["服务明星"]
        column = keys(sheet)
        sheet.cell(3, column["star-score-moral_character"]).value = "=4+5"
        sheet.cell(3, column["star-seal"]).value = "有"
        sheet.cell(5, column["star-applicant-name"]).value = "赵六"  # a row of its own, without 编号

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, spoil), SOURCE, rubric_set)
    assert workbook.problems == ("工作表“服务明星”第 5 行没有编号，无法对应扫描件，录入的内容未采用。",)
    first = workbook.entries[0]
    assert "star-score-moral_character" not in first.values
    assert first.seal is None and first.result.seal == ""
    assert first.result.problems[:2] == (
        "“评分：道德情操高尚，社会责任感强（0-10分）”一栏是公式，录入表只采用直接填写的内容，未采用；请直接填写。",
        "“印章”一栏填写的“有”不是可选的值（已盖章、未见印章、无法判断），未采用。",
    )


def test_sheets_the_marker_does_not_know(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    def rename(book: Any) -> None:
        book["服务杰出管理者"].title = "管理者"
        book.create_sheet("草稿")

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, rename), SOURCE, rubric_set)
    assert workbook.problems == (
        "工作表“管理者”不是录入表生成的评分表，其中的内容未读取。",
        "工作表“草稿”不是录入表生成的评分表，其中的内容未读取。",
        "录入表中的工作表“服务杰出管理者”不见了（可能被删除或改名），其中的内容未读取。",
    )
    assert [e.application_id for e in workbook.entries] == list(STAR)


def test_rubrics_that_changed_or_went(keyed_path: Path, rubric_set: RubricSet) -> None:
    star = rubric_named(rubric_set, "star")
    changed = RubricSet(rubric_set.source, (replace(star, fingerprint="000000000000"),))
    workbook = read(keyed_path, changed)
    assert workbook.problems == (  # a failure of the workbook: a part of it not read
        "工作表“服务杰出管理者”对应的评分表 “manager” 不在当前的评分细则中，其中的内容未读取。",
    )
    assert [e.application_id for e in workbook.entries] == list(STAR)
    older = "录入表的工作表“服务明星”是按旧版“服务明星”评分细则生成的；已按当前版本核对，请留意改动过的细项。"
    assert all(e.result.problems[0] == older for e in workbook.entries)  # read: a note of each row, not a failure
    from generator.readers.paper import combine

    results = combine([workbook], changed)
    assert [r.problems for r in results if not r.read] == [workbook.problems]
    assert all(older in r.problems for r in results if r.read)


def test_another_format_version(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    def bump(book: Any) -> None:
        book[MARKER_SHEET].cell(2, 2).value = "3"

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, bump), SOURCE, rubric_set)
    assert workbook.problems == ("录入表的格式版本为 “3”，本程序只能读取版本 2；请使用生成该录入表的程序版本读取。",)
    assert workbook.entries == ()


def test_a_version_1_workbook_is_read_without_its_prefilled_seals(
    keyed_path: Path, tmp_path: Path, rubric_set: RubricSet
) -> None:
    """Version 1 prefilled the 印章 cell with the scan's call: its values are read, its seals are not."""
    from generator.readers.keyed import PREFILLED_SEAL

    def version_1(book: Any) -> None:
        book[MARKER_SHEET].cell(2, 2).value = "1"

    workbook = read_keying_workbook(edited(keyed_path, tmp_path, version_1), SOURCE, rubric_set)
    assert workbook.problems == (PREFILLED_SEAL,)
    first = workbook.entries[0]
    assert first.seal is None and first.result.total == 80 and "star-seal" not in dict(first.keyed_values)


def test_a_sheet_grown_past_any_keying_workbook(
    keyed_path: Path, tmp_path: Path, rubric_set: RubricSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyed_module, "MAX_ROWS", 3)
    workbook = read(keyed_path, rubric_set)
    assert workbook.problems == ("工作表“服务明星”超过 3 行，不像是录入表；只读取了前 3 行。",)
    assert [e.application_id for e in workbook.entries] == [STAR[0], MANAGER]


def test_a_zip_bomb_is_refused(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    bomb = zeros_xlsx(tmp_path / "bomb.xlsx", keyed_path, 16 << 20)
    data = bomb.read_bytes()
    assert is_keying_workbook(data)  # the marker is there: the bomb is refused when read
    assert read_keying_workbook(data, SOURCE, rubric_set) == KeyedWorkbook(SOURCE, problems=(BOMB,))


def test_too_many_parts_are_refused(keyed_path: Path, rubric_set: RubricSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyed_module, "MAX_MEMBERS", 10)
    with zipfile.ZipFile(keyed_path) as archive:
        count = len(archive.infolist())
    assert read(keyed_path, rubric_set).problems == (
        f"录入表包含 {count} 个部件（上限 10 个），不像是普通的录入表，已拒绝读取。",
    )


def test_a_large_batch_is_read_back(rubric_set: RubricSet) -> None:
    """Every crop is a part of the package: a hundred applications make some three thousand parts."""
    star = rubric_named(rubric_set, "star")
    one = scanned(star, "star-0000")
    assert one.scan is not None
    results = [replace(one, scan=replace(one.scan, application_id=f"star-{n:04d}")) for n in range(100)]
    data = keying_workbook(results, rubric_set)
    assert data is not None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.infolist()) > 100 * len(keyed_fields(star))
    workbook = read_keying_workbook(data, SOURCE, rubric_set)
    assert workbook.problems == ()
    assert [e.application_id for e in workbook.entries] == [f"star-{n:04d}" for n in range(100)]


def test_a_password_protected_workbook(keyed_path: Path, rubric_set: RubricSet) -> None:
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(keyed_path.read_bytes())).encrypt("secret", out)
    data = out.getvalue()
    assert not is_keying_workbook(data)
    assert read_keying_workbook(data, SOURCE, rubric_set).problems == (ENCRYPTED,)


def other_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["编号", "姓名"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (other_workbook, NOT_OURS),
        (lambda: b"%PDF-1.7\n", NOT_A_WORKBOOK),
        (lambda: b"", NOT_A_WORKBOOK),
        (lambda: b"PK\x03\x04" + b"\0" * 200, NOT_A_WORKBOOK),
    ],
    ids=["another workbook", "a PDF", "empty", "a broken zip"],
)
def test_files_that_are_not_a_keying_workbook(make: Callable[[], bytes], problem: str, rubric_set: RubricSet) -> None:
    data = make()
    assert not is_keying_workbook(data)
    assert read_keying_workbook(data, SOURCE, rubric_set) == KeyedWorkbook(SOURCE, problems=(problem,))


def test_a_truncated_keying_workbook(keyed_path: Path, rubric_set: RubricSet) -> None:
    data = keyed_path.read_bytes()
    assert read_keying_workbook(data[: len(data) // 2], SOURCE, rubric_set).problems == (NOT_A_WORKBOOK,)


def test_a_damaged_sheet_inside_a_sound_archive(keyed_path: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    out = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(keyed_path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            target.writestr(info, part[:100] if info.filename == "xl/worksheets/sheet1.xml" else part)
    assert read_keying_workbook(out.read_bytes(), SOURCE, rubric_set).problems == (NOT_A_WORKBOOK,)


def test_hostile_text_in_ids_and_sources_stays_text(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric_named(rubric_set, "star")
    result = scanned(star, '=HYPERLINK("x")')
    assert result.scan is not None
    evidence = replace(result.scan, pages=("@坏\x07文件.pdf 第 1 页",))
    data = keying_workbook([replace(result, scan=evidence)], rubric_set)
    assert data is not None
    path = tmp_path / SOURCE
    path.write_bytes(data)
    sheet = worksheet(path, "服务明星")
    assert [(c.value, c.data_type, c.quotePrefix) for c in sheet[3][:2]] == [
        ('=HYPERLINK("x")', "s", True),
        ("@坏\ufffd文件.pdf 第 1 页", "s", True),
    ]
    assert read(path, rubric_set).entries[0].application_id == '=HYPERLINK("x")'
