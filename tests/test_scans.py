"""Paper returns: a mixed folder of scans, photos, a TIFF, a shuffled stack and an e-mailed PDF, read in one run.

The scans are made from our own forms the way scanners and phones make them
(:mod:`tests.scan_batch`): 150, 200 and 300 dpi; ±3° and ±3 %; upside down
and sideways; JPEG 60; greyscale with noise; a real-looking red seal on some,
faint on one, half off the box on one, none on one; a damaged code, an image
of something else, a truncated JPEG and a decompression bomb.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import main
from generator.model.pagecode import parse_page_code
from generator.model.rubric import RubricSet
from generator.readers.batch import read_returns
from generator.readers.limits import BatchLimits
from generator.readers.results import FormResult
from generator.readers.scan.assemble import NO_SEAL, TO_KEY
from generator.readers.scan.pages import read_scan
from generator.reports.outputs import KEYING_NAME, REPORT_NAME
from tests import scan_factory as sf
from tests.scan_batch import PAPERS, Batch, build_batch, total, truncated_tiff

LIMITS = BatchLimits(jobs=2, timeout_s=60)


@pytest.fixture(scope="module")
def batch(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return build_batch(rubric_set, tmp_path_factory.mktemp("paper"))


@pytest.fixture(scope="module")
def results(batch: Batch, rubric_set: RubricSet) -> list[FormResult]:
    return read_returns([batch.folder], rubric_set, LIMITS)


def by_key(results: list[FormResult], key: str) -> FormResult:
    (found,) = [r for r in results if r.read and r.roster_key == key]
    return found


def test_every_personalised_application_is_found_with_its_seal(results: list[FormResult], batch: Batch) -> None:
    for name, key in batch.keys.items():
        result = by_key(results, key)
        paper = PAPERS[name]
        assert result.rubric_id == paper.rubric_id, name
        assert result.seal == paper.expected_seal(), name
        assert result.scan is not None and len(result.scan.pages) == 2, name
        assert result.scan.seal_crop is not None and result.scan.seal_crop.jpeg.startswith(b"\xff\xd8"), name
        assert result.scan.seal_crop.kind == "seal" and {c.kind for c in result.scan.crops} == {"field"}, name
        assert (NO_SEAL in result.problems) == (paper.seal == "none"), name
        assert result.eligibility == ("ineligible" if paper.seal == "none" else result.eligibility)


def test_the_stack_and_the_split_application_are_grouped_by_page(results: list[FormResult], batch: Batch) -> None:
    stacked = [by_key(results, batch.keys[name]) for name in "BCD"]  # A is joined with its PDF
    for result in stacked:
        assert result.scan is not None
        assert all(place.startswith(str(batch.folder / "扫描 批次1.pdf")) for place in result.scan.pages)
        assert not result.scan.notes  # no page missing or repeated
    split = by_key(results, batch.keys["F"])
    assert split.scan is not None
    assert [Path(place.split(" 第 ")[0]).name for place in split.scan.pages] == ["IMG_0001.jpg", "IMG_0002.jpg"]


def test_a_blank_forms_pages_group_in_reading_order(results: list[FormResult], batch: Batch) -> None:
    (blank,) = [r for r in results if r.read and r.format == "scan" and not r.roster_key]
    assert blank.rubric_id == "star" and blank.seal == "sealed"
    assert blank.scan is not None and [Path(p.split(" 第 ")[0]).name for p in blank.scan.pages] == [
        "钱七-1.png",
        "钱七-2.png",
    ]
    assert TO_KEY in blank.problems


def test_paper_and_electronic_returns_of_one_application_are_one_row(results: list[FormResult], batch: Batch) -> None:
    joined = by_key(results, batch.keys["A"])
    assert joined.format_text == "PDF + 纸质扫描件"
    assert joined.source.endswith("张三（电子版）.pdf")
    assert joined.total == total(PAPERS["A"]) and joined.seal == "sealed"
    assert joined.eligibility == "eligible" and not joined.problems


def test_nothing_is_lost_and_bad_pages_are_named(results: list[FormResult], batch: Batch) -> None:
    named = " ".join(r.source + " " + " ".join(r.scan.pages if r.scan else ()) for r in results)
    for path in batch.folder.iterdir():
        assert str(path) in named, path.name
    problems = {Path(r.source.split(" 第 ")[0]).name: r for r in results if not r.read}
    assert set(problems) == {"看不清.jpg", "通知.png", "半截.jpg", "超大.png"}
    assert "二维码" in problems["看不清.jpg"].problems[0] and problems["看不清.jpg"].source.endswith("第 1 页")
    assert "二维码" in problems["通知.png"].problems[0]
    assert "不完整" in problems["半截.jpg"].problems[0]
    assert "过大" in problems["超大.png"].problems[0]
    for name in ("看不清.jpg", "通知.png"):
        scan = problems[name].scan
        assert scan is not None and scan.crops[0].name == "page-1"  # a thumbnail for the report
        assert scan.crops[0].kind == "page"


def test_each_page_tells_its_form_page_applicant_rotation_and_skew(rubric_set: RubricSet, batch: Batch) -> None:
    scanned = read_scan((batch.folder / "扫描 批次1.pdf").read_bytes(), "stack", rubric_set, pdf=True)
    assert len(scanned.pages) == 8 and all(page.code is not None for page in scanned.pages)
    keys = {key: name for name, key in batch.keys.items()}
    for page in scanned.pages:
        assert page.code is not None
        paper = PAPERS[keys[page.code.roster_key]]
        upside_down = bool(paper.distort.get("upside_down"))
        assert page.rotation == (180 if upside_down else 0)
        turned = float(paper.distort.get("rotate_deg", 0.0))  # type: ignore[arg-type]  # counter-clockwise
        assert abs(page.skew + turned) < 0.6
        assert abs(page.dpi - paper.dpi * float(paper.distort.get("scale", 1.0))) < paper.dpi * 0.02  # type: ignore[arg-type]


def test_a_damaged_code_is_unreadable(batch: Batch) -> None:
    import zxingcpp
    from PIL import Image

    image = Image.open(batch.folder / "看不清.jpg")
    assert not [s for s in zxingcpp.read_barcodes(image) if parse_page_code(s.text)]


def test_read_command_writes_the_report_with_crops_and_the_keying_workbook(batch: Batch, tmp_path: Path) -> None:
    out = tmp_path / "结果 输出"
    stdout = io.StringIO()
    saved, sys.stdout = sys.stdout, stdout
    try:
        code = main(["read", str(batch.folder), "--out", str(out), "--jobs", "2"])
    finally:
        sys.stdout = saved
    assert code == 1  # problems: unsealed, to key, bad files
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "纸质扫描件" in html and html.count('src="data:image/jpeg;base64,') >= len(PAPERS) + 2
    assert len(re.findall(r"未见印章", html)) >= 1
    assert (out / KEYING_NAME).stat().st_size > 10_000


def test_an_image_pdf_page_render_is_bounded(tmp_path: Path) -> None:
    """A page whose paper is 5 m square is rendered within the pixel cap, not at 200 dpi."""
    from generator.readers.scan.raster import RENDER_MAX_PIXELS, pdf_pages

    huge = sf.foreign_image((400, 400), seed=3)
    path = tmp_path / "huge.pdf"
    huge.save(path, "PDF", resolution=2.0)  # 400 px at 2 dpi: 200 inches
    (page,) = list(pdf_pages(path.read_bytes()))
    assert page.image is not None and page.image.width * page.image.height <= RENDER_MAX_PIXELS


def key_workbook(path: Path, batch: Batch, rubric_set: RubricSet, changes: dict[str, dict[str, str]]) -> None:
    """Key every application of the keying workbook from what its paper says, as a clerk does in Excel,
    with ``changes`` (by paper name: field name → text) typed instead."""
    from openpyxl import load_workbook

    from generator.readers.keyed import FIRST_ROW, KEY_ROW, MARKER_SHEET
    from tests.read_fillers import form_values

    ids = {f"{PAPERS[name].rubric_id}-{key}": name for name, key in batch.keys.items()}
    book = load_workbook(path)
    for sheet in (s for s in book.worksheets if s.title != MARKER_SHEET):
        columns = {cell.value: cell.column for cell in sheet[KEY_ROW] if cell.value}
        for row in range(FIRST_ROW, sheet.max_row + 1):
            application = sheet.cell(row, columns["application_id"]).value
            name = ids.get(str(application), "G")
            paper = PAPERS[name]
            rubric = rubric_set.get(paper.rubric_id)
            assert rubric is not None
            values = form_values(rubric, paper.header, paper.scores) | changes.get(name, {})
            for field_name, text in values.items():
                if field_name in columns:
                    sheet.cell(row, columns[field_name]).value = int(text) if text.isdigit() else text
    book.save(path)


def test_keyed_workbook_read_back_gives_totals_seal_calls_and_paper_electronic_differences(
    batch: Batch, rubric_set: RubricSet, tmp_path: Path
) -> None:
    from generator.model.fields import score_field, seal_field

    out = tmp_path / "out"
    assert main(["read", str(batch.folder), "--out", str(out), "--jobs", "2"]) == 1
    star = rubric_set.get("star")
    assert star is not None
    first_score = score_field(star, star.subitems[0]).name
    changes = {"A": {first_score: "2"}, "D": {seal_field(star).name: "已盖章"}}
    key_workbook(out / KEYING_NAME, batch, rubric_set, changes)
    keyed = read_returns([batch.folder, out / KEYING_NAME], rubric_set, LIMITS)
    for name, key in batch.keys.items():
        result = by_key(keyed, key)
        if name == "A":  # joined with its PDF: the file's data, the paper's difference named
            assert result.format_text == "PDF + 纸质扫描件" and result.total == total(PAPERS["A"])
            assert any("纸质表格与电子版不一致" in p and "电子版 8 分，纸质 2 分" in p for p in result.problems)
            continue
        assert result.format_text == "纸质录入" and result.total == total(PAPERS[name]), name
        assert result.applicant and next(iter(result.applicant.values())) == PAPERS[name].header[0]
        expected = "sealed" if name == "D" else PAPERS[name].expected_seal()  # the clerk confirmed D's seal
        assert result.seal == expected, name
        assert result.eligibility == ("ineligible" if expected == "absent" else "eligible"), name
        assert (NO_SEAL in result.problems) == (expected == "absent"), name
    (blank,) = [r for r in keyed if r.read and r.format == "keyed" and not r.roster_key]
    assert blank.total == total(PAPERS["G"]) and blank.seal == "sealed"
    # Re-reading into the same folder keeps what was keyed (the previous 录入表.xlsx is read again).
    assert main(["read", str(batch.folder), "--out", str(out), "--jobs", "2"]) in (0, 1)
    again = read_returns([out / KEYING_NAME], rubric_set, LIMITS)
    keyed_totals = [total(PAPERS[n]) - (PAPERS[n].scores[0] - 2 if n == "A" else 0) for n in "ABCDEFG"]
    assert sorted(r.total for r in again if r.read) == sorted(keyed_totals)


def test_a_scan_appended_to_a_filled_pdf_gives_the_form_its_seal(
    batch: Batch, rubric_set: RubricSet, tmp_path: Path
) -> None:
    """A filled form with the stamped paper page scanned and appended: one result, data and seal;
    an appended page that is none of ours is a problem naming the file and page."""
    from pypdf import PdfReader, PdfWriter

    from tests.scan_batch import printed

    pdf = batch.electronic["E"]
    stamped = printed(pdf, PAPERS["E"])[-1]
    scan = tmp_path / "scan.pdf"
    sf.save_image_pdf([stamped, sf.foreign_image((1240, 1754), seed=5, kind="text")], scan, 150)
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.append(PdfReader(scan))
    mixed = tmp_path / "营业二组 合并.pdf"
    with mixed.open("wb") as out:
        writer.write(out)
    results = read_returns([mixed], rubric_set, LIMITS)
    form = by_key(results, batch.keys["E"])
    assert form.format_text == "PDF + 纸质扫描件" and form.seal == "sealed"
    assert form.total == total(PAPERS["E"]) and not form.problems
    (other,) = [r for r in results if not r.read]
    assert other.source == f"{mixed} 第 4 页" and "二维码" in other.problems[0]


def test_a_scan_of_a_printed_word_form_is_read_with_its_seal(rubric_set: RubricSet, tmp_path: Path) -> None:
    """A personalised Word form printed (LibreOffice prints it as Word does), stamped and scanned."""
    from generator.distribute.personalize import Personalizer
    from tests.libreoffice_support import print_with_libreoffice
    from tests.scan_batch import applicants

    person = applicants(rubric_set)["F"]
    (docx,) = (path for _, path in Personalizer([person], formats=("docx",)).write_all([person], tmp_path))
    profile = tmp_path / "profile"
    profile.mkdir()
    printed_pdf = print_with_libreoffice([docx], tmp_path / "printed", profile)[docx]
    pages = sf.render_pages(printed_pdf, 200)
    box = sf.seal_box_px(sf.write_form(person.rubric, tmp_path / "form.pdf"), 1, 200)  # where the PDF form has it
    pages[-1] = sf.stamp_seal(pages[-1], sf.box_center(box), sf.mm_to_px(40, 200), seed=4)
    scans = tmp_path / "扫描"
    scans.mkdir()
    sf.save_image_pdf([sf.distort(page, rotate_deg=1.5, seed=n) for n, page in enumerate(pages)], scans / "w.pdf", 200)
    (result,) = read_returns([scans], rubric_set, LIMITS)
    assert result.roster_key == person.roster_key and result.rubric_id == "manager"
    assert result.seal == "sealed" and result.scan is not None and len(result.scan.pages) == 2
    scanned = read_scan((scans / "w.pdf").read_bytes(), "w", rubric_set, pdf=True)
    assert {page.code.printer for page in scanned.pages if page.code} == {"W"}


def blank_pages_pdf(path: Path, count: int) -> Path:
    """A PDF of ``count`` small grey image pages (no code on any)."""
    from PIL import Image

    pages = [Image.new("L", (100, 140), 230) for _ in range(count)]
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=12.0)
    return path


def test_a_500_page_scan_without_codes_stops_early_with_a_clear_problem(rubric_set: RubricSet, tmp_path: Path) -> None:
    path = blank_pages_pdf(tmp_path / "500 页.pdf", 500)
    (result,) = read_returns([path], rubric_set, LIMITS)
    assert not result.read and result.problems == ("文件不含可填写的表单字段，不是本工具生成的评分表。",)


def test_a_long_scan_stops_at_the_page_cap_and_at_the_clock(
    rubric_set: RubricSet, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.readers import limits
    from generator.readers.scan import raster

    data = (batch.folder / "扫描 批次1.pdf").read_bytes()
    monkeypatch.setattr(raster, "MAX_PAGES", 3)
    capped = read_scan(data, "stack", rubric_set, pdf=True)
    assert [p.number for p in capped.pages if p.code] == [1, 2, 3]
    assert capped.pages[-1].number == 4 and "超过 3 页" in capped.pages[-1].problem
    monkeypatch.setattr(raster, "MAX_PAGES", 300)
    limits.start_clock(0.0)
    try:
        stopped = read_scan(data, "stack", rubric_set, pdf=True)
    finally:
        limits.start_clock(float("inf"))
    assert [(p.number, p.problem[:6]) for p in stopped.pages] == [(1, "读取时限已到")]


def test_missing_and_repeated_pages_are_problems_naming_file_and_page(rubric_set: RubricSet, batch: Batch) -> None:
    from dataclasses import replace

    from generator.readers.paper import combine

    scanned = read_scan((batch.folder / "扫描 批次1.pdf").read_bytes(), "叠.pdf", rubric_set, pdf=True)
    b_pages = [p for p in scanned.pages if p.code and p.code.roster_key == batch.keys["B"]]
    first = next(p for p in b_pages if p.code and p.code.page == 1)
    again = replace(scanned, source="补扫.pdf", digest="another-scan", pages=(first,))
    only_first = replace(scanned, pages=(first,))
    (result,) = [r for r in combine([only_first, again], rubric_set) if r.read]
    assert f"纸质表格缺少第 2 页（共 2 页；找到的是：叠.pdf 第 {first.number} 页）。" in result.problems
    assert (
        f"第 1 页出现两次：叠.pdf 第 {first.number} 页 与 补扫.pdf 第 {first.number} 页；只采用了前者。"
        in result.problems
    )


def test_the_roster_check_counts_paper_returns_by_the_key_in_their_codes(
    results: list[FormResult], rubric_set: RubricSet, batch: Batch
) -> None:
    from generator.reports.tabulate import tabulate
    from tests.scan_batch import applicants

    people = [a for name, a in applicants(rubric_set).items() if name in batch.keys]
    check = tabulate(results, rubric_set, people).roster
    assert check is not None
    assert {line.entry.roster_key: line.status for line in check.lines} == dict.fromkeys(batch.keys.values(), "已交")
    formats = {line.entry.roster_key: line.formats for line in check.lines}
    assert formats[batch.keys["A"]] == "PDF + 纸质扫描件" and formats[batch.keys["B"]] == "纸质扫描件"


def blank_pages(batch: Batch) -> list[Image.Image]:
    """The blank form G's two pages, as scanned."""
    return [Image.open(batch.folder / f"钱七-{n}.png").convert("RGB") for n in (1, 2)]


def test_a_tiff_cut_inside_its_second_page_keeps_the_first(rubric_set: RubricSet, batch: Batch) -> None:
    from PIL import ImageSequence

    from generator.archive.scans import _image_frames

    data = truncated_tiff(blank_pages(batch))
    with pytest.raises(TypeError, match="Missing dimensions"):  # what Pillow does with it, left to itself
        for frame in ImageSequence.Iterator(Image.open(io.BytesIO(data))):
            frame.load()
    scanned = read_scan(data, "截断.tif", rubric_set, pdf=False)
    assert not scanned.problem and [p.number for p in scanned.pages] == [1, 2]
    assert scanned.pages[0].code is not None and scanned.pages[0].code.page == 1
    assert scanned.pages[1].code is None and "不完整或已损坏" in scanned.pages[1].problem
    frames = _image_frames(data, [1, 2])
    assert frames[1].jpeg.startswith(b"\xff\xd8") and frames[2].problem and not frames[2].jpeg


@pytest.mark.parametrize("where", ["map_page", "measure_seal"])
def test_a_page_whose_reading_fails_is_a_problem_not_a_crash(
    rubric_set: RubricSet, batch: Batch, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from generator.readers.scan import pages

    def fail(*args: object) -> None:
        raise TypeError("Invalid input: out of memory")

    monkeypatch.setattr(pages, where, fail)
    data = (batch.folder / "钱七-2.png").read_bytes()  # the last page: its seal is measured
    scanned = read_scan(data, "钱七-2.png", rubric_set, pdf=False)
    assert not scanned.problem
    assert [(p.number, p.problem) for p in scanned.pages] == [(1, pages.PAGE_FAILED)]


def test_a_large_jpeg_photo_is_decoded_reduced(rubric_set: RubricSet, batch: Batch) -> None:
    from generator.readers.scan import raster

    page = blank_pages(batch)[0]
    big = page.resize((page.width * 3, page.height * 3), Image.Resampling.BILINEAR)  # 35 MP
    out = io.BytesIO()
    big.save(out, "JPEG", quality=80)
    (decoded,) = raster.image_pages(out.getvalue())
    assert decoded.image is not None and decoded.image.size == ((big.width + 1) // 2, (big.height + 1) // 2)
    (reading,) = read_scan(out.getvalue(), "大照片.jpg", rubric_set, pdf=False).pages
    assert reading.code is not None and reading.code.page == 1


def blank_results(pages: list[Image.Image], order: str, rubric_set: RubricSet, tmp_path: Path) -> list[FormResult]:
    """The applications found in one PDF of the blank form's pages in ``order`` ("1122": page 1, 1, 2, 2)."""
    from generator.readers.paper import combine

    path = sf.save_image_pdf([pages[int(n) - 1] for n in order], tmp_path / f"{order}.pdf", 200)
    scanned = read_scan(path.read_bytes(), path.name, rubric_set, pdf=True)
    return [r for r in combine([scanned], rubric_set) if r.read]


def test_interleaved_blank_forms_of_one_rubric_are_flagged(rubric_set: RubricSet, batch: Batch, tmp_path: Path) -> None:
    from generator.readers.scan.assemble import INTERLEAVED

    pages = blank_pages(batch)
    interleaved = blank_results(pages, "1122", rubric_set, tmp_path)  # A1, B1, A2, B2
    assert len(interleaved) == 3 and all(INTERLEAVED in r.problems for r in interleaved)
    in_order = blank_results(pages, "1212", rubric_set, tmp_path)  # A1, A2, B1, B2
    assert len(in_order) == 2 and not any(INTERLEAVED in r.problems for r in in_order)
    assert all(r.scan is not None and len(r.scan.pages) == 2 for r in in_order)


def test_the_same_scan_in_two_folders_is_a_repeat_not_a_second_application(
    rubric_set: RubricSet, batch: Batch, tmp_path: Path
) -> None:
    for folder in ("甲", "乙"):
        (tmp_path / folder).mkdir()
        for n in (1, 2):
            (tmp_path / folder / f"钱七-{n}.png").write_bytes((batch.folder / f"钱七-{n}.png").read_bytes())
    results = read_returns([tmp_path / "甲", tmp_path / "乙"], rubric_set, LIMITS)
    (application,) = [r for r in results if r.read]
    assert application.scan is not None and all("甲" in place for place in application.scan.pages)
    repeats = [r for r in results if not r.read]
    assert len(repeats) == 2
    for n, repeat in zip((1, 2), sorted(repeats, key=lambda r: r.source), strict=True):
        first, second = str(tmp_path / "甲" / f"钱七-{n}.png"), str(tmp_path / "乙" / f"钱七-{n}.png")
        assert repeat.source == second and first in repeat.problems[0] and second in repeat.problems[0]


def test_the_archive_renders_pdf_pages_as_the_reader_does_and_names_missing_ones(batch: Batch, tmp_path: Path) -> None:
    from generator.archive.scans import NO_PAGE, load_scans

    data = (batch.folder / "扫描 批次1.pdf").read_bytes()
    shifted = tmp_path / "前有杂字.pdf"
    shifted.write_bytes(b"junk before the header\n" + data)  # %PDF- within the first KB: still a PDF

    class Pages:
        scan_pages = ((str(shifted), 1), (str(shifted), 99))

    images = load_scans([Pages()])  # type: ignore[list-item]
    assert images[(str(shifted), 1)].jpeg.startswith(b"\xff\xd8")
    assert images[(str(shifted), 99)].problem == NO_PAGE
