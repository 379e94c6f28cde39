"""The review archive: ``rubric-forms archive`` over a mixed batch (filled PDFs, Word forms, scans and photos of
paper forms, a paper form also e-mailed as a PDF) gives one ranked, bookmarked, fully embedded PDF per rubric.

Checked with real programs: poppler's ``pdftotext`` (every name and total) and ``pdffonts`` (every font
embedded, a subset), pypdf (no form fields, no widgets, the outline, the page labels, the metadata, the
scanned pages after their application), and rendered by poppler, PDFium and pdf.js (in headless Chromium).
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from generator.archive import archive_name, write_archives
from generator.archive.entries import archive_entries
from generator.cli import main
from generator.layout.form import build_layout
from generator.model.rubric import Rubric, RubricSet
from generator.readers.batch import read_returns
from generator.readers.limits import BatchLimits
from generator.readers.results import FormResult
from generator.reports.tabulate import Tabulation, tabulate
from generator.writers.docx.writer import render_docx
from tests.pdf_support import has_tool
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.scan_batch import Batch, build_batch
from tests.viewer_support import loopback_server, pdfjs_browser, viewer_available
from tests.word_fillers import fill_controls

LIMITS = BatchLimits(jobs=2, timeout_s=60)
PAPERS = ("A", "B", "F", "G")
"""From tests.scan_batch: A (star) scanned and also e-mailed as a PDF, B (team) upside down and unsealed,
F (manager) a phone photo and a sideways JPEG, G (star) a blank form in two PNGs; none of B, F, G keyed."""

ELECTRONIC = {
    # file name: (rubric id, header values, scores; "八" is not a valid score)
    "李明.pdf": ("star", ("李明", "国网河北省电力公司", "客户经理"), (9, 13, 13, 9, 10, 18, 15)),
    "周芳.pdf": ("star", ("周芳", "国网山西省电力公司", "营业员"), (9, 13, 13, 9, 10, 18, 15)),
    "吴刚.pdf": ("star", ("吴刚", "中国联通河北分公司", "装维工程师"), ("八", 12, 12, 8, 9, 16, 14)),
    "抢修一班.pdf": ("team", ("抢修一班", "国网江苏省电力公司"), (9, 13, 12, 10, 8, 16, 14)),
    "陈静.pdf": ("manager", ("陈静", "中国工商银行江苏分行", "行长"), (9, 9, 13, 12, 9, 20, 14)),
    "郑强.docx": ("star", ("郑强", "中国电信江苏分公司", "客服代表"), (7, 11, 12, 8, 9, 15, 13)),
    "营业三组.docx": ("team", ("营业三组", "国网浙江省电力公司"), (8, 12, 11, 9, 9, 15, 12)),
}


@dataclass
class Archived:
    """The archive command's run: its exit code, the archives by rubric id, what the batch reads as."""

    code: int
    out: Path
    pdfs: dict[str, Path]
    tabulation: Tabulation
    batch: Batch


def write_returns(rubric_set: RubricSet, folder: Path, work: Path) -> None:
    folder.mkdir()
    for name, (rubric_id, header, scores) in ELECTRONIC.items():
        rubric = rubric_set.get(rubric_id)
        assert rubric is not None
        values = form_values(rubric, header, scores, sum(s for s in scores if isinstance(s, int)))
        if name.endswith(".pdf"):
            blank = work / f"{rubric_id}.pdf"
            if not blank.exists():
                write_form(rubric, blank)
            fill_pypdf(blank, folder / name, values)
        else:
            blank = work / f"{rubric_id}.docx"
            blank.write_bytes(render_docx(build_layout(rubric)))
            fill_controls(blank, folder / name, values)


@pytest.fixture(scope="module")
def archived(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Archived:
    work = tmp_path_factory.mktemp("archive")
    batch = build_batch(rubric_set, work, PAPERS)
    electronic = work / "电子版 回收"
    write_returns(rubric_set, electronic, work)
    out = work / "评审 档案"
    code = main(["archive", str(electronic), str(batch.folder), "--out", str(out), "--jobs", "2"])
    tabulation = tabulate(read_returns([electronic, batch.folder], rubric_set, LIMITS), rubric_set)
    pdfs = {r.id: out / archive_name(r) for r in rubric_set}
    return Archived(code, out, pdfs, tabulation, batch)


def rows(archived: Archived, rubric: Rubric) -> list[FormResult]:
    """The rubric's applications in the order of the tabulation (the report's ranking)."""
    (table,) = [t for t in archived.tabulation.tables if t.rubric.id == rubric.id]
    return [row.result for row in table.rows]


def applicant_name(result: FormResult, rubric: Rubric) -> str:
    label = rubric.name_field.label
    blank = f"（{label}待录入）" if not result.scores and result.scan is not None else f"（未填写{label}）"
    return result.applicant.get(rubric.name_field.id, "").strip() or blank


def page_text(pdf: Path, page: int | None = None) -> str:
    """pdftotext's text of the whole file, or of one 1-based page."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def first_page(labels: list[str], label: str) -> int:
    """The 1-based page labelled ``label``."""
    return labels.index(label) + 1


def image_count(page: DictionaryObject) -> int:
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return 0
    return sum(1 for ref in xobjects.get_object().values() if ref.get_object().get("/Subtype") == "/Image")


def dark_share(image: Image.Image) -> float:
    grey = image.convert("L")
    return sum(grey.histogram()[:128]) / (grey.width * grey.height)


# -- the command ---------------------------------------------------------------------------------------


def test_one_archive_per_rubric_and_nothing_else(archived: Archived, rubric_set: RubricSet) -> None:
    assert archived.code == 1  # the batch has problems (an invalid score, unkeyed paper, damaged files)
    assert sorted(p.name for p in archived.out.glob("*.pdf")) == sorted(p.name for p in archived.pdfs.values())
    assert all(p.name.startswith("评审档案-") for p in archived.pdfs.values())
    for rubric in rubric_set:
        assert rows(archived, rubric), rubric.id  # every rubric has applications, so every archive exists


def test_equal_totals_share_a_rank_in_the_archive(archived: Archived, rubric_set: RubricSet) -> None:
    results = archived.tabulation.results
    star = [
        e for e in archive_entries(rubric_set.rubrics[0], results) if e.result.applicant.get("name") in ("李明", "周芳")
    ]
    assert len(star) == 2 and star[0].rank == star[1].rank  # equal totals share a rank


def test_every_name_and_total_is_extractable_text(archived: Archived, rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        pdf = archived.pdfs[rubric.id]
        labels = PdfReader(pdf).page_labels
        whole = page_text(pdf)
        for number, result in enumerate(rows(archived, rubric), start=1):
            name = applicant_name(result, rubric)
            assert name in whole, name
            first = page_text(pdf, first_page(labels, f"{number}-1"))
            assert name in first, (rubric.id, number, name)
            if result.scores:
                assert f"核算总分 {result.total} 分" in first, name
    star_text = page_text(archived.pdfs["star"])
    for name in ("李明", "周芳", "吴刚", "郑强", "张三"):
        assert name in star_text, name


def test_every_font_is_embedded_and_subset_once(archived: Archived) -> None:
    for pdf in archived.pdfs.values():
        listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        fonts = listing.splitlines()[2:]
        assert fonts, pdf.name
        names = []
        for line in fonts:
            columns = line.split()
            emb, sub, uni = columns[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), line
            assert re.fullmatch(r"[A-Z]{6}\+.+", columns[0]), line
            names.append(columns[0])
        assert len(names) == len(set(names)), "a font embedded twice"
        assert len({n.split("+", 1)[1] for n in names}) == 1, "one face, one subset family per archive"


def test_no_form_fields_and_no_widgets_are_left(archived: Archived) -> None:
    for pdf in archived.pdfs.values():
        reader = PdfReader(pdf)
        assert "/AcroForm" not in reader.trailer["/Root"], pdf.name
        for page in reader.pages:
            for annotation in page.get("/Annots", []):
                assert annotation.get_object()["/Subtype"] == "/Link"  # the ranking table's rows, nothing else


def test_bookmarks_are_the_rubric_then_each_applicant_in_ranking_order(
    archived: Archived, rubric_set: RubricSet
) -> None:
    for rubric in rubric_set:
        reader = PdfReader(archived.pdfs[rubric.id])
        outline = reader.outline
        assert len(outline) == 2  # the rubric's entry, then its children
        top, children = outline
        expected = rows(archived, rubric)
        assert top.title == f"{rubric.name}评审档案（{len(expected)} 份）"
        assert reader.get_destination_page_number(top) == 0
        applicants = [item for item in children if not isinstance(item, list)]
        assert applicants[0].title == "排名表"
        assert reader.get_destination_page_number(applicants[0]) == 1
        labels = reader.page_labels
        titles = applicants[1:]
        assert len(titles) == len(expected)
        for number, (item, result) in enumerate(zip(titles, expected, strict=True), start=1):
            assert applicant_name(result, rubric) in item.title
            assert labels[reader.get_destination_page_number(item)] == f"{number}-1"


def test_page_labels_and_metadata(archived: Archived, rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        reader = PdfReader(archived.pdfs[rubric.id])
        labels = reader.page_labels
        assert labels[:2] == ["i", "ii"]
        assert labels[2] == "1-1"
        assert all(re.fullmatch(r"[ivx]+|\d+-\d+", label) for label in labels)
        info = reader.metadata
        assert info is not None
        assert info.title == f"{rubric.name}评审档案"
        assert info.author == "rubric-forms"
        assert rubric.id in (info.get("/Keywords") or "")
        assert rubric.title in (info.subject or "")
        assert info.creation_date is not None
        assert abs(datetime.now(UTC) - info.creation_date.astimezone(UTC)) < timedelta(minutes=10)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert f"{rubric.name}评审档案" in xmp and "rubric-forms" in xmp


def test_scanned_pages_follow_their_application(archived: Archived, rubric_set: RubricSet) -> None:
    form_pages = {r.id: len(build_layout(r).pages) for r in rubric_set}
    seen_scans = 0
    for rubric in rubric_set:
        reader = PdfReader(archived.pdfs[rubric.id])
        labels = reader.page_labels
        for number, result in enumerate(rows(archived, rubric), start=1):
            pages = [i for i, label in enumerate(labels) if label.startswith(f"{number}-")]
            assert pages == list(range(pages[0], pages[0] + len(pages)))  # together, in order
            refs = result.scan.page_refs if result.scan is not None else ()
            problems = 1 if result.problems else 0
            assert len(pages) == form_pages[rubric.id] + len(refs) + problems, (rubric.id, number)
            images = [image_count(reader.pages[i]) for i in pages]
            assert images == [0] * form_pages[rubric.id] + [1] * len(refs) + [0] * problems, (rubric.id, number)
            if problems:
                last = page_text(archived.pdfs[rubric.id], pages[-1] + 1)
                assert "读取时发现的问题" in last
                assert result.problems[0][:12] in "".join(last.split())
            seen_scans += len(refs)
    assert seen_scans == 2 * len(PAPERS)  # every page of every paper application, the e-mailed one's too


def test_ranking_table_rows_are_in_rank_order(archived: Archived, rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        text = page_text(archived.pdfs[rubric.id], 2)
        assert "排名表" in text
        names = [applicant_name(r, rubric) for r in rows(archived, rubric)]
        flat = "".join(text.split())
        positions = [flat.index("".join(n.split())[:4]) for n in names if not n.startswith("（")]
        assert positions == sorted(positions), rubric.id
        links = [a.get_object() for a in PdfReader(archived.pdfs[rubric.id]).pages[1].get("/Annots", [])]
        assert len(links) == len(names)


def test_the_archive_is_never_read_back_as_a_return(archived: Archived, rubric_set: RubricSet) -> None:
    """No fields, no page codes: an archive dropped among the returns is not taken for an application."""
    import zxingcpp

    results = read_returns([archived.out], rubric_set, LIMITS)
    assert results and not any(r.read for r in results)
    pdf = pdfium.PdfDocument(archived.pdfs["star"])
    try:
        cover_and_form = [pdf[i].render(scale=150 / 72).to_pil() for i in (0, 1, 2, 3)]
    finally:
        pdf.close()
    assert all(not zxingcpp.read_barcodes(image) for image in cover_and_form)


# -- viewers --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not has_tool("pdftoppm"), reason="poppler-utils (pdftoppm) is not installed")
def test_poppler_and_pdfium_render_every_kind_of_page(archived: Archived, tmp_path: Path) -> None:
    pdf = archived.pdfs["star"]
    labels = PdfReader(pdf).page_labels
    document = pdfium.PdfDocument(pdf)
    try:
        for page in (1, 2, 3, first_page(labels, "1-1") + 2):  # cover, ranking, a form, the next one's start
            subprocess.run(
                ["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), str(pdf), str(tmp_path / "p")],
                check=True,
            )
            (png,) = tmp_path.glob("p-*.png")
            assert dark_share(Image.open(png)) > 0.005, page
            png.unlink()
            assert dark_share(document[page - 1].render(scale=50 / 72).to_pil()) > 0.005, page
    finally:
        document.close()


PDFJS_RENDER = """async (number) => {
  const doc = window.harness.pdfDocument;
  const page = await doc.getPage(number);
  const viewport = page.getViewport({ scale: 1 });
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(viewport.width);
  canvas.height = Math.ceil(viewport.height);
  const context = canvas.getContext("2d");
  await page.render({ canvas, canvasContext: context, viewport }).promise;
  const text = (await page.getTextContent()).items.map((item) => item.str).join("");
  return { pages: doc.numPages, text, png: canvas.toDataURL("image/png") };
}"""


@pytest.mark.skipif(not viewer_available(), reason="Playwright, /usr/bin/chromium or pdfjs-dist is missing")
def test_pdfjs_opens_every_archive(archived: Archived, rubric_set: RubricSet, tmp_path: Path) -> None:
    with loopback_server() as (base_url, forms), pdfjs_browser() as browser:
        for rubric in rubric_set:
            pdf = archived.pdfs[rubric.id]
            reader = PdfReader(pdf)
            forms[f"{rubric.id}.pdf"] = pdf.read_bytes()  # an ASCII name: the server does not unquote paths
            page = browser.new_page()
            try:
                page.goto(f"{base_url}/viewer.html?file=/form/{rubric.id}.pdf")
                page.wait_for_function("window.harness && window.harness.pdfDocument", timeout=30_000)
                first = first_page(reader.page_labels, "1-1")
                shown = page.evaluate(PDFJS_RENDER, first)
            finally:
                page.close()
            assert shown["pages"] == len(reader.pages)
            name = applicant_name(rows(archived, rubric)[0], rubric)
            assert name in shown["text"] and rubric.title in shown["text"]
            image = Image.open(io.BytesIO(base64.b64decode(shown["png"].split(",", 1)[1])))
            image.save(tmp_path / f"pdfjs-{rubric.id}.png")
            assert dark_share(image) > 0.01


# -- the library function -------------------------------------------------------------------------------


def test_write_archives_is_deterministic_and_one_set(archived: Archived, rubric_set: RubricSet, tmp_path: Path) -> None:
    """The same results and time give the same bytes; a rubric without applications now loses its old archive."""
    moment = datetime(2025, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    results = archived.tabulation.results
    first = write_archives(results, rubric_set, tmp_path / "a", moment, jobs=1)
    again = write_archives(results, rubric_set, tmp_path / "b", moment, jobs=1)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    info = PdfReader(first[0]).metadata
    assert info is not None and info["/CreationDate"] == "D:20250701093000+08'00'"
    assert "2025年7月1日 09:30" in page_text(first[0], 1)
    star_only = [r for r in results if r.rubric_id == "star"]
    written = write_archives(star_only, rubric_set, tmp_path / "a", moment)
    assert [p.name for p in written] == [archive_name(rubric_set.rubrics[0])]
    assert sorted(p.name for p in (tmp_path / "a").glob("*.pdf")) == [written[0].name]


def test_characters_the_font_lacks_are_drawn_as_boxes(
    archived: Archived, rubric_set: RubricSet, tmp_path: Path
) -> None:
    """An emoji or a control character typed into a form does not stop the archive: it shows as □."""
    from dataclasses import replace

    (result,) = [r for r in archived.tabulation.results if r.applicant.get("name") == "郑强"]
    odd = replace(result, applicant={**result.applicant, "name": "郑\x07强😀"}, review="第一行\n第二行\t完")
    (path,) = write_archives([odd], rubric_set, tmp_path)
    text = page_text(path)
    assert "郑□强□" in text and "第一行" in text and "第二行 完" in text
