"""The Word forms: open each written .docx with python-docx and check what a user gets."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from pypdf import PdfReader

from generator.layout.form import build_layout
from generator.model.fields import form_fields
from generator.model.identity import FINGERPRINT, RUBRIC_ID, TOOL_VERSION
from generator.model.rubric import Rubric, RubricSet
from generator.version import __version__
from generator.writers.docx.fonts import SONG
from generator.writers.docx.properties import custom_properties
from generator.writers.docx.writer import render_docx, write_docx
from tests.libreoffice_support import BUNDLED_FACES, print_with_libreoffice

TWIPS_PER_MM = 1440 / 25.4
HEADER_LABELS = ["评审项目", "评审细项", "评分标准", "评分"]
EXPECTED_PAGES = 2
"""At the layout's sizes each rubric's table runs onto a second page, which also holds the review box."""
FOOTER_ROWS = 4
"""Review, organisation line, spacer, seal band."""


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory, rubric_set: RubricSet) -> dict[str, tuple[Rubric, Path]]:
    out = tmp_path_factory.mktemp("docx")
    written = {}
    for rubric in rubric_set:
        path = out / f"{rubric.title}.docx"
        write_docx(build_layout(rubric), path)
        written[rubric.id] = (rubric, path)
    return written


@pytest.fixture(params=["star", "team", "manager"])
def form(request: pytest.FixtureRequest, forms: dict[str, tuple[Rubric, Path]]) -> tuple[Rubric, Document]:
    rubric, path = forms[request.param]
    return rubric, docx.Document(str(path))


def page_tables(document: Document) -> list[Table]:
    """The tables whose header row reads 评审项目 | 评审细项 | 评分标准 | 评分: one per page."""
    return [t for t in document.tables if [tc_text(tc) for tc in t._tbl.tr_lst[0].tc_lst] == HEADER_LABELS]


def grid_rows(table: Table) -> list[list[tuple[int, object]]]:
    """Each row as (cell index, w:tc) pairs."""
    return [list(enumerate(tr.tc_lst)) for tr in table._tbl.tr_lst]


def page_body_rows(document: Document) -> list[list[list[tuple[int, object]]]]:
    """Each page table's band rows: after its header row, before the footer rows of the last."""
    tables = page_tables(document)
    return [grid_rows(t)[1 : None if t is not tables[-1] else -FOOTER_ROWS] for t in tables]


def body_rows(document: Document) -> list[list[tuple[int, object]]]:
    """The band rows of every page, in order: one per band of the rubric."""
    return [row for page in page_body_rows(document) for row in page]


def footer_rows(document: Document) -> list:
    return page_tables(document)[-1]._tbl.tr_lst[-FOOTER_ROWS:]


def tc_text(tc) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.p_lst)


def vertical_spans(rows: list[list[tuple[int, object]]], column: int) -> list[tuple[int, int]]:
    """(first row, row count) of each cell of ``column``, read from w:vMerge."""
    spans: list[list[int]] = []
    for index, row in enumerate(rows):
        tc = dict(row)[column]
        if tc.vMerge == "continue":
            spans[-1][1] += 1
        else:
            spans.append([index, 1])
    return [(first, count) for first, count in spans]


def expected_spans(rubric: Rubric, per: str) -> list[tuple[int, int]]:
    """Spans from the model itself: per item, per sub-item, or per band."""
    sizes = {
        "item": [sum(len(s.bands) for s in item.subitems) for item in rubric.items],
        "subitem": [len(s.bands) for s in rubric.subitems],
        "band": [1 for s in rubric.subitems for _ in s.bands],
    }[per]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return list(zip(starts, sizes, strict=True))


def sdts(document: Document) -> list:
    return list(document.element.body.iter(qn("w:sdt")))


def sdt_value(sdt, name: str) -> str | None:
    element = sdt.find(qn("w:sdtPr")).find(qn(name))
    return None if element is None else element.get(qn("w:val"))


def all_cell_and_paragraph_texts(document: Document) -> Counter[str]:
    texts = Counter(p.text for p in document.paragraphs)
    for table in document.tables:
        for row in grid_rows(table):
            texts.update(tc_text(tc) for _, tc in row)
    return texts


def test_a4_portrait_with_the_layout_margins(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    layout = build_layout(rubric)
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for margin in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin):
        assert margin.mm == pytest.approx(layout.margin_mm, abs=0.05)


def test_title_centred_bold_song_22pt_and_body_song_named_with_fallbacks(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    title, subject = document.paragraphs[:2]
    assert (title.text, subject.text) == (rubric.title, rubric.subject_line)
    style = title.style
    assert style.font.bold and style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert style.font.size.pt == 22 and style.element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    font_part = next(p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    fonts = docx.oxml.parse_xml(font_part.blob)
    alternates = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val")).split(",")
        for f in fonts.findall(qn("w:font"))
        if f.find(qn("w:altName")) is not None
    }
    assert {"宋体", "Songti SC", "STSong", "Noto Serif CJK SC"} <= set(alternates["SimSun"])
    assert set(alternates) == {"SimSun"}, "the title is set in the body's Song face"


def test_no_space_between_chinese_and_digits_and_exact_line_heights(form: tuple[Rubric, Document]) -> None:
    _, document = form
    normal = document.styles["Normal"].element.pPr
    assert normal.find(qn("w:autoSpaceDE")).get(qn("w:val")) == "0"
    assert normal.find(qn("w:autoSpaceDN")).get(qn("w:val")) == "0"
    for style in document.styles:
        spacing = style.element.pPr.find(qn("w:spacing")) if style.element.pPr is not None else None
        if spacing is not None and spacing.get(qn("w:line")) is not None:
            assert spacing.get(qn("w:lineRule")) == "exact", style.name


def test_fonts_are_named_not_embedded(forms: dict[str, tuple[Rubric, Path]]) -> None:
    for _, path in forms.values():
        with zipfile.ZipFile(path) as package:
            assert not [n for n in package.namelist() if n.startswith("word/fonts/")]


def test_every_rubric_text_appears_once_in_its_column(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    rows = body_rows(document)
    columns: dict[int, list[str]] = {0: [], 1: [], 2: [], 3: []}
    for row in rows:
        for column, tc in row:
            if tc.vMerge != "continue":
                columns[column].append(tc_text(tc).replace("\n", ""))
    continued = [c.text for page in build_layout(rubric).pages for c in page.cells if c.continued]
    assert continued and all(text.endswith("（续）") for text in continued)
    assert [text for text in columns[0] if text not in continued] == [item.label for item in rubric.items]
    assert columns[1] == [sub.label for sub in rubric.subitems]
    assert columns[2] == [band.display_text for sub in rubric.subitems for band in sub.bands]
    assert all(not text.strip() for text in columns[3])
    everywhere = all_cell_and_paragraph_texts(document)
    for text in columns[0] + columns[1] + columns[2]:
        assert everywhere[text] == 1, text


def test_spans_read_from_the_vertical_merges_page_by_page(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    pages = build_layout(rubric).pages
    assert len(page_tables(document)) == len(pages)
    for rows, page in zip(page_body_rows(document), pages, strict=True):
        for column in range(4):
            expected = [(c.row - page.first, c.row_span) for c in page.cells if c.column == column]
            assert vertical_spans(rows, column) == expected, (page.first, column)
    assert sum(len(rows) for rows in page_body_rows(document)) == sum(len(s.bands) for s in rubric.subitems)


def test_rows_are_at_least_as_high_as_the_layout_says(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    for table, page in zip(page_tables(document), build_layout(rubric).pages, strict=True):
        rows = table._tbl.tr_lst[1 : 1 + len(page.row_heights_mm)]
        for tr, height in zip(rows, page.row_heights_mm, strict=True):
            trh = tr.trPr.find(qn("w:trHeight"))
            assert trh.get(qn("w:hRule")) == "atLeast"
            assert int(trh.get(qn("w:val"))) / TWIPS_PER_MM == pytest.approx(height, abs=0.05)


def test_each_page_starts_with_its_own_header_row_after_a_page_break(form: tuple[Rubric, Document]) -> None:
    _, document = form
    for table in page_tables(document):
        repeated = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in table._tbl.tr_lst]
        assert repeated[0] and not any(repeated[1:])
    for table in page_tables(document)[1:]:
        before = table._tbl.getprevious()
        assert before.tag == qn("w:p") and before.pPr.find(qn("w:pageBreakBefore")) is not None


def test_no_row_splits_and_no_subitem_splits(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    trs = [tr for table in page_tables(document) for tr in table._tbl.tr_lst[1:]]
    assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)

    def keeps_with_next(tr) -> bool:
        marks = [p.pPr is not None and p.pPr.keepNext_val for tc in tr.tc_lst for p in tc.p_lst]
        assert all(marks) or not any(marks), "a row keeps with the next one on all its paragraphs or none"
        return all(marks)

    first = 0
    for sub in rubric.subitems:
        group = trs[first : first + len(sub.bands)]
        last_keeps = sub is rubric.subitems[-1]  # the last sub-item keeps with the review box
        assert [keeps_with_next(tr) for tr in group] == [True] * (len(group) - 1) + [last_keeps], sub.id
        first += len(sub.bands)
    assert [keeps_with_next(tr) for tr in trs[-FOOTER_ROWS:]] == [True] * (FOOTER_ROWS - 1) + [False]


def test_borders_on_every_cell(form: tuple[Rubric, Document]) -> None:
    _, document = form
    for table in page_tables(document):
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        sides = {side: borders.find(qn(f"w:{side}")).get(qn("w:val")) for side in ("top", "left", "bottom", "right")}
        sides |= {side: borders.find(qn(f"w:{side}")).get(qn("w:val")) for side in ("insideH", "insideV")}
        assert set(sides.values()) == {"single"}
    for row in body_rows(document):
        for _, tc in row:
            assert tc.tcPr.find(qn("w:tcBorders")) is None


def test_content_controls_for_every_field_in_tab_order(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    controls = sdts(document)
    fields = [f for f in form_fields(rubric) if f.kind != "roster_key"]  # a personalised copy's property
    assert [sdt_value(s, "w:tag") for s in controls] == [f.name for f in fields]
    assert [sdt_value(s, "w:alias") for s in controls] == [f.label for f in fields]
    assert len({sdt_value(s, "w:id") for s in controls}) == len(controls)
    for sdt in controls:
        properties = sdt.find(qn("w:sdtPr"))
        assert properties.find(qn("w:text")) is not None, "a plain-text control"
        assert properties.find(qn("w:showingPlcHdr")) is None, "no placeholder prose"
    blank_fields = [s for s in controls if sdt_value(s, "w:tag") != f"{rubric.id}-review_date"]
    assert len(blank_fields) == len(controls) - 1
    assert all(not "".join(s.itertext()).strip() for s in blank_fields)


def test_each_score_control_sits_in_its_subitems_score_cell(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    rows = body_rows(document)
    first = 0
    for sub in rubric.subitems:
        row = dict(rows[first])
        assert tc_text(row[1]).replace("\n", "") == sub.label
        tags = [sdt_value(s, "w:tag") for s in row[3].iter(qn("w:sdt"))]
        assert tags == [f"{rubric.id}-score-{sub.id}"]
        first += len(sub.bands)


def test_header_blanks_are_lines_of_the_layout_width(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    layout = build_layout(rubric)
    blanks = {b.field.name: b for b in layout.blanks}
    assert document.paragraphs[1].text == rubric.subject_line
    found = 0
    for sdt in sdts(document):
        tag = sdt_value(sdt, "w:tag")
        if tag not in blanks:
            continue
        tc = next(a for a in sdt.iterancestors() if a.tag == qn("w:tc"))
        label = tc.getprevious()
        assert tc_text(label) == blanks[tag].label
        bottom = tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
        assert bottom.get(qn("w:val")) == "single"
        assert tc.width.mm == pytest.approx(blanks[tag].width_mm, abs=0.1)
        found += 1
    assert found == len(layout.blanks) == len(rubric.header)


def test_footer_review_room_organisation_line_and_a_real_seal_box(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    footer = build_layout(rubric).footer
    review, organization, spacer, seal = footer_rows(document)

    def height(tr) -> float:
        trh = tr.trPr.find(qn("w:trHeight"))
        assert trh.get(qn("w:hRule")) == "exact"
        return int(trh.get(qn("w:val"))) / TWIPS_PER_MM

    def tags(tr) -> list[str | None]:
        return [sdt_value(s, "w:tag") for s in tr.iter(qn("w:sdt"))]

    assert tc_text(review.tc_lst[0]).startswith(footer.review_label) and tags(review) == [footer.review_field.name]
    assert height(review) == pytest.approx(footer.organization_top_mm, abs=0.05) and height(review) > 30
    review_control = next(review.iter(qn("w:sdt")))
    assert review_control.find(qn("w:sdtPr")).find(qn("w:text")).get(qn("w:multiLine")) == "1"
    label, blank, suffix = organization.tc_lst
    assert (tc_text(label), tc_text(suffix)) == (footer.organization.label, footer.organization.suffix)
    assert tags(organization) == [footer.organization.field.name], "the organisation types its name in a control"
    assert blank.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom")).get(qn("w:val")) == "single"
    assert blank.width.mm == pytest.approx(footer.organization.width_mm, abs=0.1) and blank.width.mm > 100
    assert not tags(spacer) and height(spacer) > 0
    date, box = seal.tc_lst
    assert tags(date) == [footer.date_field.name] and tags(box) == [footer.seal_field.name]
    assert footer.date_label in tc_text(date)
    assert box.width.mm >= 50 and height(seal) >= 50, "the seal box is a real cell of at least 50 × 50 mm"
    edges = box.tcPr.find(qn("w:tcBorders"))
    assert {edges.find(qn(f"w:{side}")).get(qn("w:val")) for side in ("top", "left")} == {"dashed"}


def test_protected_for_filling_in_forms(form: tuple[Rubric, Document]) -> None:
    _, document = form
    protection = document.settings.element.find(qn("w:documentProtection"))
    assert protection.get(qn("w:edit")) == "forms" and protection.get(qn("w:enforcement")) == "1"


def test_properties_identify_the_rubric(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    core = document.core_properties
    assert (core.title, core.subject) == (rubric.title, rubric.subject_line)
    assert core.created == core.modified and core.created.year == 2024
    assert custom_properties(document) == {
        RUBRIC_ID.docx: rubric.id,
        FINGERPRINT.docx: rubric.fingerprint,
        TOOL_VERSION.docx: __version__,
    }
    assert len(rubric.fingerprint) == 12


def test_building_twice_gives_identical_bytes(forms: dict[str, tuple[Rubric, Path]], tmp_path: Path) -> None:
    for rubric, path in forms.values():
        again = tmp_path / path.name
        write_docx(build_layout(rubric), again)
        assert again.read_bytes() == path.read_bytes() == render_docx(build_layout(rubric))
        with zipfile.ZipFile(again) as package:
            assert {info.date_time for info in package.infolist()} == {(2024, 1, 1, 0, 0, 0)}


def test_small_files(forms: dict[str, tuple[Rubric, Path]]) -> None:
    assert all(path.stat().st_size < 60_000 for _, path in forms.values())


def squeeze(text: str) -> str:
    """Text without any whitespace (line breaks, spaces between scripts, ideographic spaces)."""
    return re.sub(r"\s+", "", text)


def test_bundled_stand_ins_are_declared_alternates() -> None:
    assert BUNDLED_FACES[SONG.name] in SONG.alternates


@pytest.fixture(scope="module")
def printed(forms: dict[str, tuple[Rubric, Path]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each form converted to PDF by LibreOffice (one call for all three): its pages' squeezed text."""
    out = tmp_path_factory.mktemp("docx-pdf")
    print_with_libreoffice((path for _, path in forms.values()), out, tmp_path_factory.mktemp("lo-profile"))
    return {
        rubric_id: [squeeze(page.extract_text()) for page in PdfReader(out / f"{path.stem}.pdf").pages]
        for rubric_id, (_, path) in forms.items()
    }


def test_libreoffice_prints_each_form_on_the_expected_pages(printed: dict[str, list[str]]) -> None:
    assert {rubric_id: len(pages) for rubric_id, pages in printed.items()} == dict.fromkeys(printed, EXPECTED_PAGES)


def test_printed_text_is_the_rubric_text(forms: dict[str, tuple[Rubric, Path]], printed: dict[str, list[str]]) -> None:
    for rubric_id, (rubric, _) in forms.items():
        text = "".join(printed[rubric_id])
        footer = build_layout(rubric).footer
        expected = [rubric.title, rubric.subject_line, *(h.label for h in rubric.header)]
        expected += [item.label for item in rubric.items] + [sub.label for sub in rubric.subitems]
        expected += [band.display_text for sub in rubric.subitems for band in sub.bands]
        expected += [footer.review_label, footer.organization.label, footer.organization.suffix, footer.date_label]
        for piece in expected:
            assert text.count(squeeze(piece)) >= 1, (rubric_id, piece)


def test_printed_header_row_on_every_page_and_subitems_whole(
    forms: dict[str, tuple[Rubric, Path]], printed: dict[str, list[str]]
) -> None:
    for rubric_id, (rubric, _) in forms.items():
        pages = printed[rubric_id]
        assert all(page.count("".join(HEADER_LABELS)) == 1 for page in pages), rubric_id
        for sub in rubric.subitems:
            texts = [squeeze(sub.label)] + [squeeze(band.display_text) for band in sub.bands]
            on_pages = {index for index, page in enumerate(pages) for piece in texts if piece in page}
            assert len(on_pages) == 1, (rubric_id, sub.id, on_pages)
