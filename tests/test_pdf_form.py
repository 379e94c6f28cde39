"""The AcroForm of each written PDF: names, tooltips, flags, scripts, /CO, fonts, placement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from generator.layout.form import SCORE_COL, build_layout
from generator.model.fields import form_fields, header_field, score_fields
from generator.model.rubric import RubricSet
from generator.writers.pdf.scripts import accepted_ranges
from tests.pdf_support import MM, build_pdfs, squash, widgets

READ_ONLY, MULTILINE = 1, 1 << 12


@pytest.fixture(scope="module")
def pdfs(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_pdfs(rubric_set, tmp_path_factory.mktemp("pdf_form"))


@pytest.fixture(scope="module", params=["star", "team", "manager"])
def form(request: pytest.FixtureRequest, rubric_set: RubricSet, pdfs: dict[str, Path]):
    rubric = rubric_set.get(request.param)
    return rubric, PdfReader(pdfs[request.param])


def js(annot, event: str) -> str:
    return str(annot["/AA"][event].get_object()["/JS"])


def test_fields_are_exactly_the_contract_in_tab_order(form) -> None:
    rubric, reader = form
    expected = [f.name for f in form_fields(rubric)]
    acro = reader.trailer["/Root"]["/AcroForm"]
    assert [str(ref.get_object()["/T"]) for ref in acro["/Fields"]] == expected
    on_pages = [name for page in reader.pages for name in (str(a.get_object()["/T"]) for a in page["/Annots"])]
    assert on_pages == expected


def test_tooltips_are_the_chinese_labels(form) -> None:
    rubric, reader = form
    found = widgets(reader)
    for field in form_fields(rubric):
        assert found[field.name][1]["/TU"] == field.label
    assert found[f"{rubric.id}-review_date"][1]["/TU"] == "审核日期"


def test_kinds_flags_and_alignment(form) -> None:
    rubric, reader = form
    found = widgets(reader)
    for field in form_fields(rubric):
        annot = found[field.name][1]
        flags = int(annot.get("/Ff", 0))
        if field.kind == "roster_key":
            assert annot["/F"] == 2 and flags & READ_ONLY, "hidden, read-only: only a personalised copy fills it"
            assert [float(v) for v in annot["/Rect"]] == [0, 0, 0, 0]
            continue
        assert annot["/F"] == 4, "every widget prints"
        assert "/BG" not in annot.get("/MK", {}) or field.kind == "review_date"
        assert "/BC" not in annot.get("/MK", {}), "no border on paper"
        if field.kind == "seal":
            assert annot["/FT"] == "/Sig"
            continue
        assert annot["/FT"] == "/Tx"
        assert str(annot["/DA"]).startswith("/STSong ")
        assert bool(flags & READ_ONLY) == (field.kind == "total")
        assert bool(flags & MULTILINE) == (field.kind == "review")
        if field.kind == "score":
            assert annot["/MaxLen"] == len(str(field.max_score))
            assert annot["/Q"] == 1


def test_score_scripts_check_whole_numbers_and_bands(form) -> None:
    rubric, reader = form
    found = widgets(reader)
    for field in score_fields(rubric):
        annot = found[field.name][1]
        keystroke, validate = js(annot, "/K"), js(annot, "/V")
        assert "AFNumber_Keystroke" not in keystroke, "PDFium's shows an English alert"
        assert "event.willCommit" in keystroke and "/[^0-9]/.test(event.change)" in keystroke
        assert "AFNumber_Format(0," in js(annot, "/F")
        ranges = accepted_ranges(field.subitem)
        for script in (keystroke, validate):
            assert script.isascii()
            assert f"var ranges = {json.dumps([list(r) for r in ranges])};" in script
            assert "app.alert(" in script and "event.rc = false" in script and 'event.value = ""' in script


def test_total_sums_the_scores_and_is_in_co(form) -> None:
    rubric, reader = form
    found = widgets(reader)
    total = found[f"{rubric.id}-total"][1]
    calculate = js(total, "/C")
    assert "AFSimple_Calculate" not in calculate, "pdf.js's sums values the box rejected"
    assert calculate.isascii() and "this.getField(names[i])" in calculate and "scoreAccepted(" in calculate
    for field in score_fields(rubric):
        assert f'"{field.name}"' in calculate
        assert json.dumps([list(r) for r in accepted_ranges(field.subitem)]) in calculate
    co = reader.trailer["/Root"]["/AcroForm"]["/CO"]
    assert [str(ref.get_object()["/T"]) for ref in co] == [f"{rubric.id}-total"]


def test_field_font_is_standard_cjk_font_in_dr(form) -> None:
    _, reader = form
    acro = reader.trailer["/Root"]["/AcroForm"]
    raw = acro["/DR"]["/Font"].get_object().raw_get("/STSong")
    assert not isinstance(raw, IndirectObject), "direct, so that pdftk-java falls back instead of failing"
    font = raw.get_object()
    assert font["/Subtype"] == "/Type0"
    assert font["/BaseFont"] == "/STSong-Light"
    assert font["/Encoding"] == "/UniGB-UCS2-H"
    descendant = font["/DescendantFonts"][0].get_object()
    assert descendant["/CIDSystemInfo"]["/Ordering"] == "GB1"
    assert "/FontFile" not in descendant["/FontDescriptor"] and "/FontFile2" not in descendant["/FontDescriptor"]


def test_score_fields_sit_in_the_score_column_beside_their_sub_item(form) -> None:
    rubric, reader = form
    layout = build_layout(rubric)
    left = layout.margin_mm + sum(c.width_mm for c in layout.columns[:SCORE_COL])
    right = left + layout.columns[SCORE_COL].width_mm
    page_text = [squash(page.extract_text()) for page in reader.pages]
    found = widgets(reader)
    for field in score_fields(rubric):
        page, annot = found[field.name]
        x0, _, x1, _ = (float(v) for v in annot["/Rect"])
        assert left * MM < x0 < x1 < right * MM
        assert squash(field.subitem.label) in page_text[page]


def test_seal_area_is_at_least_50_mm_square_on_the_seal_line_page(form) -> None:
    rubric, reader = form
    page, seal = widgets(reader)[f"{rubric.id}-seal"]
    x0, y0, x1, y1 = (float(v) for v in seal["/Rect"])
    assert x1 - x0 >= 50 * MM - 0.01 and y1 - y0 >= 50 * MM - 0.01
    assert "（盖章）" in squash(reader.pages[page].extract_text())


def test_seal_field_locks_the_scores_the_total_and_the_header(form) -> None:
    """Signing the seal (Acrobat, pyHanko) locks what it vouches for: a FieldMDP over these fields."""
    rubric, reader = form
    _, seal = widgets(reader)[f"{rubric.id}-seal"]
    assert isinstance(seal.raw_get("/Lock"), IndirectObject), "ISO 32000-1 12.7.4.5: /Lock is an indirect reference"
    lock = seal["/Lock"]
    assert lock["/Type"] == "/SigFieldLock" and lock["/Action"] == "/Include"
    assert "/P" not in lock, "no DocMDP: the organisation's part may still be filled in after sealing"
    header = [header_field(rubric, h).name for h in rubric.header]
    assert [str(name) for name in lock["/Fields"]] == header + [f.name for f in score_fields(rubric)]
    assert f"{rubric.id}-total" in header
    assert all("/Lock" not in annot for name, (_, annot) in widgets(reader).items() if not name.endswith("-seal"))


def test_no_field_overlaps_another(form) -> None:
    """Each field gets the clicks on its own box: the seal no longer lies over the review date."""
    _, reader = form
    boxes = [(name, page, [float(v) for v in annot["/Rect"]]) for name, (page, annot) in widgets(reader).items()]
    for index, (name, page, (x0, y0, x1, y1)) in enumerate(boxes):
        for other, other_page, (a0, b0, a1, b1) in boxes[index + 1 :]:
            overlap = page == other_page and min(x1, a1) > max(x0, a0) and min(y1, b1) > max(y0, b0)
            assert not overlap, (name, other)


def test_organisation_name_is_a_field_on_the_seal_line(form) -> None:
    rubric, reader = form
    placed = widgets(reader)
    page, organization = placed[f"{rubric.id}-organization"]
    assert organization["/FT"] == "/Tx" and organization["/TU"] == "所在组织名称"
    x0, y0, x1, y1 = (float(v) for v in organization["/Rect"])
    assert x1 - x0 > 100 * MM, "room for a 30-character name"
    assert y1 - y0 >= 7 * MM
    seal_page, seal = placed[f"{rubric.id}-seal"]
    assert seal_page == page and float(seal["/Rect"][3]) < y0, "the seal area lies below the organisation line"


def test_mupdf_marks_only_the_empty_seal_area(form, pdfs: dict[str, Path]) -> None:
    """MuPDF paints its orange "SIGN" badge on any unsigned signature field (pdf_update_appearance:
    "we want the sign arrow to be visible"); it must fall inside the empty seal area, over nothing."""
    import pymupdf

    rubric, reader = form
    page_index, seal = widgets(reader)[f"{rubric.id}-seal"]
    scale = 2
    with pymupdf.open(pdfs[rubric.id]) as document:
        page = document[page_index]
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale))
        height = page.rect.height
    samples, stride = pixmap.samples, pixmap.stride
    orange = [
        (x, y)
        for y in range(pixmap.height)
        for x in range(pixmap.width)
        if samples[y * stride + 3 * x] > 200
        and samples[y * stride + 3 * x + 1] < 140
        and samples[y * stride + 3 * x + 2] < 100
    ]
    assert orange, "MuPDF still marks unsigned signature fields"
    x0, y0, x1, y1 = (float(v) for v in seal["/Rect"])
    for x, y in orange:
        assert x0 - 1 <= x / scale <= x1 + 1 and height - y1 - 1 <= y / scale <= height - y0 + 1, (x, y)


def test_fields_have_blank_appearances(form) -> None:
    _, reader = form
    for _, annot in widgets(reader).values():
        appearance = annot["/AP"]["/N"].get_object()
        assert appearance.get_data() == b""
