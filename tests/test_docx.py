"""The Word forms: open each written .docx with python-docx and check what a user gets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pylopdf_fonts_zh_cn
import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from pypdf import PdfReader

from generator.layout.form import FormLayout, build_layout
from generator.model.fields import form_fields
from generator.model.identity import FINGERPRINT, RUBRIC_ID, TOOL_VERSION
from generator.model.rubric import Rubric, RubricSet
from generator.version import __version__
from generator.writers.docx.fonts import HEI, SONG
from generator.writers.docx.properties import custom_properties
from generator.writers.docx.writer import render_docx, write_docx

TWIPS_PER_MM = 1440 / 25.4
HEADER_LABELS = ["评审项目", "评审细项", "评分标准", "评分"]
SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
BUNDLED_FACES = {SONG.name: "Noto Serif SC", HEI.name: "Noto Sans SC"}
"""What stands in for the named faces when LibreOffice prints: the project's own bundled fonts."""
EXPECTED_PAGES = 2
"""At the layout's sizes each rubric's table runs onto a second page, which also holds the review box."""


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


def rubric_table(document: Document) -> Table:
    """The table whose header row reads 评审项目 | 评审细项 | 评分标准 | 评分."""
    return next(t for t in document.tables if [c.text for c in t.rows[0].cells] == HEADER_LABELS)


def grid_rows(table: Table) -> list[list[tuple[int, object]]]:
    """Each row as (grid column, w:tc) pairs, following horizontal spans."""
    rows = []
    for tr in table._tbl.tr_lst:
        column, row = 0, []
        for tc in tr.tc_lst:
            row.append((column, tc))
            column += tc.grid_span
        rows.append(row)
    return rows


def body_rows(table: Table, rubric: Rubric) -> list[list[tuple[int, object]]]:
    """The band rows: after the header row, one per band of the rubric."""
    return grid_rows(table)[1 : 1 + sum(len(s.bands) for s in rubric.subitems)]


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


def test_title_centred_bold_hei_and_body_song_named_with_fallbacks(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    title, subject = document.paragraphs[:2]
    assert (title.text, subject.text) == (rubric.title, rubric.subject_line)
    style = title.style
    assert style.font.bold and style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == "SimHei"
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
    assert {"黑体", "Heiti SC", "Noto Sans CJK SC"} <= set(alternates["SimHei"])


def test_fonts_are_named_not_embedded(forms: dict[str, tuple[Rubric, Path]]) -> None:
    for _, path in forms.values():
        with zipfile.ZipFile(path) as package:
            assert not [n for n in package.namelist() if n.startswith("word/fonts/")]


def test_every_rubric_text_appears_once_in_its_column(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    rows = body_rows(rubric_table(document), rubric)
    columns: dict[int, list[str]] = {0: [], 1: [], 2: [], 3: []}
    for row in rows:
        for column, tc in row:
            if tc.vMerge != "continue":
                columns[column].append(tc_text(tc))
    assert columns[0] == [item.label for item in rubric.items]
    assert columns[1] == [sub.label for sub in rubric.subitems]
    assert columns[2] == [band.display_text for sub in rubric.subitems for band in sub.bands]
    assert all(not text.strip() for text in columns[3])
    everywhere = all_cell_and_paragraph_texts(document)
    for text in columns[0] + columns[1] + columns[2]:
        assert everywhere[text] == 1, text


def test_spans_read_from_the_vertical_merges(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    rows = body_rows(rubric_table(document), rubric)
    assert vertical_spans(rows, 0) == expected_spans(rubric, "item")
    assert vertical_spans(rows, 1) == expected_spans(rubric, "subitem")
    assert vertical_spans(rows, 2) == expected_spans(rubric, "band")
    assert vertical_spans(rows, 3) == expected_spans(rubric, "subitem")


def test_header_row_repeats_and_only_it(form: tuple[Rubric, Document]) -> None:
    _, document = form
    table = rubric_table(document)
    repeated = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in table._tbl.tr_lst]
    assert repeated[0] and not any(repeated[1:])


def test_no_row_splits_and_no_subitem_splits(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    trs = rubric_table(document)._tbl.tr_lst
    assert all(tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)

    def keeps_with_next(tr) -> bool:
        marks = [p.pPr is not None and p.pPr.keepNext_val for tc in tr.tc_lst for p in tc.p_lst]
        assert all(marks) or not any(marks), "a row keeps with the next one on all its paragraphs or none"
        return all(marks)

    first = 1
    for sub in rubric.subitems:
        group = trs[first : first + len(sub.bands)]
        last_keeps = sub is rubric.subitems[-1]  # the last sub-item keeps with the review box
        assert [keeps_with_next(tr) for tr in group] == [True] * (len(group) - 1) + [last_keeps], sub.id
        first += len(sub.bands)
    review, seal = trs[-2:]
    assert keeps_with_next(review) and not keeps_with_next(seal)


def test_borders_on_every_cell(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    table = rubric_table(document)
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    sides = {side: borders.find(qn(f"w:{side}")).get(qn("w:val")) for side in ("top", "left", "bottom", "right")}
    sides |= {side: borders.find(qn(f"w:{side}")).get(qn("w:val")) for side in ("insideH", "insideV")}
    assert set(sides.values()) == {"single"}
    for row in body_rows(table, rubric):
        for _, tc in row:
            assert tc.tcPr.find(qn("w:tcBorders")) is None


def test_content_controls_for_every_field_in_tab_order(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    controls = sdts(document)
    fields = form_fields(rubric)
    assert [sdt_value(s, "w:tag") for s in controls] == [f.name for f in fields]
    assert [sdt_value(s, "w:alias") for s in controls] == [f.label for f in fields]
    assert len({sdt_value(s, "w:id") for s in controls}) == len(controls)
    for sdt in controls:
        properties = sdt.find(qn("w:sdtPr"))
        assert properties.find(qn("w:text")) is not None, "a plain-text control"
        assert properties.find(qn("w:showingPlcHdr")) is None, "no placeholder prose"
    blank_fields = [s for s in controls if sdt_value(s, "w:tag") != f"{rubric.id}-review_date"]
    assert all(not "".join(s.itertext()).strip() for s in blank_fields)


def test_each_score_control_sits_in_its_subitems_score_cell(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    rows = body_rows(rubric_table(document), rubric)
    first = 0
    for sub in rubric.subitems:
        row = dict(rows[first])
        assert tc_text(row[1]) == sub.label
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


def test_footer_review_room_seal_area_and_date(form: tuple[Rubric, Document]) -> None:
    rubric, document = form
    layout: FormLayout = build_layout(rubric)
    footer = layout.footer
    review_tr, seal_tr = rubric_table(document)._tbl.tr_lst[-2:]
    assert tc_text(review_tr.tc_lst[0]).startswith(footer.review_label)
    seal_text = tc_text(seal_tr.tc_lst[0])
    assert f"{footer.organization_label}" in seal_text and footer.seal_label in seal_text
    assert footer.date_label in seal_text
    review_height = review_tr.trPr.find(qn("w:trHeight"))
    seal_height = seal_tr.trPr.find(qn("w:trHeight"))
    assert int(review_height.get(qn("w:val"))) / TWIPS_PER_MM >= footer.review_height_mm
    assert int(seal_height.get(qn("w:val"))) / TWIPS_PER_MM >= footer.seal_size_mm >= 50
    assert seal_height.get(qn("w:hRule")) == "atLeast"
    assert review_tr.tc_lst[0].grid_span == seal_tr.tc_lst[0].grid_span == len(layout.columns)
    seal_tags = [sdt_value(s, "w:tag") for s in seal_tr.iter(qn("w:sdt"))]
    assert seal_tags == [footer.date_field.name, footer.seal_field.name]
    review = next(review_tr.iter(qn("w:sdt")))
    assert review.find(qn("w:sdtPr")).find(qn("w:text")).get(qn("w:multiLine")) == "1"


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


def chinese_fonts_config(directory: Path) -> Path:
    """A fontconfig file: the machine's fonts, plus the Noto SC faces bundled with the project standing
    in for SimSun and SimHei, as a Word user's own Chinese fonts do.  LibreOffice then prints the
    forms the same way here and on a CI machine without any Chinese font."""
    aliases = "".join(
        f'<alias binding="same"><family>{named}</family><prefer><family>{face}</family></prefer></alias>'
        for named, face in BUNDLED_FACES.items()
    )
    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(pylopdf_fonts_zh_cn.__file__).parent}</dir>{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return config


def test_bundled_stand_ins_are_declared_alternates() -> None:
    assert BUNDLED_FACES[SONG.name] in SONG.alternates and BUNDLED_FACES[HEI.name] in HEI.alternates


@pytest.fixture(scope="module")
def printed(forms: dict[str, tuple[Rubric, Path]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each form converted to PDF by LibreOffice (one call for all three): its pages' squeezed text."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path_factory.mktemp("docx-pdf")
    profile = tmp_path_factory.mktemp("lo-profile")
    paths = [str(path) for _, path in forms.values()]
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
    env = os.environ | {"FONTCONFIG_FILE": str(chinese_fonts_config(profile))}
    subprocess.run([*command, "--outdir", str(out), *paths], check=True, capture_output=True, timeout=300, env=env)
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
        expected += [footer.review_label, footer.organization_label, footer.seal_label, footer.date_label]
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
