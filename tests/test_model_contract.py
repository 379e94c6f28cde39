"""Promises the model keeps: pinned fingerprints, roles and printed words from the file, one layout for both writers."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from generator.layout.form import build_layout
from generator.model.canonical import canonical_json, fingerprint
from generator.model.loader import RubricError, load
from generator.model.rubric import Columns, Rubric, RubricSet
from generator.readers.results import FormResult
from generator.reports.duplicates import applicant_key
from generator.writers.docx.writer import write_docx
from generator.writers.pdf.writer import write_pdf
from tests.conftest import ROOT
from tests.pdf_support import has_tool, widgets

GOOD = (ROOT / "rubrics.toml").read_text(encoding="utf-8")

# The fingerprints of the forms already issued from the bundled rubrics.toml.  A change that moves
# them makes every returned form look like "another version": it must be deliberate, never a side
# effect of a refactoring or of a new model field.
ISSUED = {"star": "3c6d79d17585", "team": "070ddbffd9b7", "manager": "60c58e88669d"}


def variant(tmp_path: Path, *replacements: tuple[str, str]) -> RubricSet:
    text = GOOD
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "rubrics.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def rubric(rubrics: RubricSet, rubric_id: str) -> Rubric:
    found = rubrics.get(rubric_id)
    assert found is not None
    return found


def test_fingerprints_of_issued_forms_are_pinned(rubric_set: RubricSet) -> None:
    assert {r.id: r.fingerprint for r in rubric_set} == ISSUED


def test_canonical_form_is_explicit_and_independent_of_the_model_fields(rubric_set: RubricSet) -> None:
    star = rubric(rubric_set, "star")
    content = json.loads(canonical_json(star))
    assert sorted(content) == ["footer", "header", "id", "items", "name", "subject", "title", "total"]
    assert content["header"][0] == {"id": "name", "label": "姓名", "kind": "text"}
    widened = dataclasses.replace(star, header=tuple(dataclasses.replace(h, wide=True) for h in star.header))
    assert fingerprint(widened) == star.fingerprint, "layout hints are not content"


def test_every_printed_word_moves_the_fingerprint(rubric_set: RubricSet) -> None:
    star = rubric(rubric_set, "star")
    changes = [
        dataclasses.replace(star, columns=dataclasses.replace(star.columns, score="得分")),
        dataclasses.replace(star, footer=dataclasses.replace(star.footer, date="　年　月　日")),
        dataclasses.replace(star, subject_label="申报对象"),
        dataclasses.replace(star, title=star.title + "（试行）"),
    ]
    prints = {fingerprint(changed) for changed in changes}
    assert len(prints) == len(changes) and star.fingerprint not in prints


def test_roles_come_from_the_file_not_from_ids(tmp_path: Path) -> None:
    rubrics = variant(
        tmp_path,
        ('{ id = "name", label = "姓名", role = "name" },', '{ id = "person", label = "姓名", role = "name" },'),
        (
            '{ id = "unit", label = "单位", role = "unit", wide = true },',
            '{ id = "org", label = "单位", role = "unit" },',
        ),
    )
    star = rubric(rubrics, "star")
    assert star.name_field.id == "person" and star.unit_field is not None and star.unit_field.id == "org"
    result = FormResult(source="a.pdf", read=True, rubric_id="star", applicant={"person": "张三", "org": "华北 中心"})
    assert applicant_key(result, star) == ("star", "张三", "华北中心")
    widths = {blank.label: blank.width_mm for blank in build_layout(star).blanks}
    assert widths["单位"] > 100 > widths["岗位"] > 40, "a unit's blank holds 30 characters by its role, a post's 12"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '{ id = "name", label = "姓名", role = "name" },',
            '{ id = "name", label = "姓名" },',
            '表头必须恰好有一个 role = "name" 的申报人姓名或班组名称项，实际有 0 个',
        ),
        (
            'role = "unit", wide = true',
            'role = "boss", wide = true',
            "role 只能是 “name”、“unit”、“other”，实际是 “boss”",
        ),
        ('role = "unit", wide = true', 'role = "unit", wide = "yes"', "wide：应为true 或 false，实际是 文字 'yes'"),
        ('{ id = "post", label = "岗位" },', '{ id = "post", label = "岗位", role = "unit" },', "最多只能有一个"),
        ('kind = "total" },', 'kind = "total", role = "name" },', '自评总分项（kind = "total"）不能再写 role'),
        ('columns = { item = "评审项目", ', "columns = { ", "rubric[1].columns：缺少必需的键 “item”"),
        (', date = "年　　月　　日" }', " }", "rubric[1].footer：缺少必需的键 “date”"),
        ('subject_label = "评审对象"\n', "", "rubric[1]：缺少必需的键 “subject_label”"),
    ],
)
def test_new_keys_are_checked_in_chinese(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = tmp_path / "rubrics.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load(path)
    assert expected in str(caught.value)


def _docx_text(path: Path) -> str:
    """Every character of the document body, content controls included."""
    return "".join(Document(str(path)).element.body.itertext())


@pytest.mark.skipif(not has_tool("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_column_heads_subject_label_and_date_line_are_printed_from_the_file(tmp_path: Path) -> None:
    rubrics = variant(
        tmp_path,
        (
            'columns = { item = "评审项目", subitem = "评审细项", band = "评分标准", score = "评分" }',
            'columns = { item = "考核项目", subitem = "考核内容", band = "计分办法", score = "得分" }',
        ),
        ('subject_label = "评审对象"', 'subject_label = "申报对象"'),
        ('date = "年　　月　　日"', 'date = "年　月　日（填写）"'),
    )
    star = rubric(rubrics, "star")
    assert star.columns == Columns("考核项目", "考核内容", "计分办法", "得分")
    layout = build_layout(star)
    write_pdf(layout, tmp_path / "star.pdf")
    write_docx(layout, tmp_path / "star.docx")
    text = subprocess.run(["pdftotext", str(tmp_path / "star.pdf"), "-"], capture_output=True, text=True).stdout
    word = _docx_text(tmp_path / "star.docx")
    for shown in ("考核项目", "考核内容", "计分办法", "得分", "申报对象：", "（填写）"):
        assert shown in "".join(text.split()), shown
        assert shown in word, shown
    assert "评审项目" not in text and "评审项目" not in word


def test_header_blanks_wrap_once_for_both_writers(tmp_path: Path) -> None:
    extra = "".join(f'  {{ id = "extra{n}", label = "联系电话{n}", wide = true }},\n' for n in range(2))
    rubrics = variant(
        tmp_path, ('  { id = "post", label = "岗位" },\n', '  { id = "post", label = "岗位" },\n' + extra)
    )
    layout = build_layout(rubric(rubrics, "star"))
    lines = layout.heading.blank_lines
    expected = [["姓名", "单位"], ["岗位"], ["联系电话0"], ["联系电话1", "自评总分"]]
    assert [[b.label for b in line] for line in lines] == expected, "a 30-character blank takes a line of its own"
    write_pdf(layout, tmp_path / "star.pdf")
    write_docx(layout, tmp_path / "star.docx")
    placed = widgets(PdfReader(tmp_path / "star.pdf"))
    tops = [{round(float(placed[blank.field.name][1]["/Rect"][3])) for blank in line} for line in lines]
    assert all(len(line) == 1 for line in tops), "the blanks of a line stand side by side"
    firsts = [min(line) for line in tops]
    assert firsts == sorted(firsts, reverse=True) and len(set(firsts)) == len(lines), "each line below the last"
    header = Document(str(tmp_path / "star.docx")).tables[0]
    labels = [[text for text in dict.fromkeys(cell.text for cell in row.cells) if text.strip()] for row in header.rows]
    assert labels == [[b.label for b in line] for line in lines]
