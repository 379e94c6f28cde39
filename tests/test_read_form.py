"""Reading one returned form: the generated PDFs, filled, read back through the Python API."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, NameObject, read_object

from generator.model.canonical import fingerprint
from generator.model.fields import header_field, score_fields
from generator.model.identity import FINGERPRINT, RUBRIC_ID
from generator.model.rubric import Rubric, RubricSet
from generator.readers.pdf.dict_scan import decode_value
from generator.readers.pdf.document import field_values, guarded_read, open_pdf
from generator.readers.returns import read_return
from tests.read_fillers import fill_pypdf, form_values, write_form

STAR_SCORES = [8, 12, 13, 9, 10, 18, 15]  # 8 + 12 + 13 + (9 + 10) + (18 + 15) = 85
STAR_PERSON = ["李四", "国网上海市电力公司", "客户经理"]


@pytest.fixture(scope="module")
def blank_forms(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("forms")
    return {rubric.id: write_form(rubric, folder / f"{rubric.id}.pdf") for rubric in rubric_set}


def rubric(rubric_set: RubricSet, rubric_id: str) -> Rubric:
    found = rubric_set.get(rubric_id)
    assert found is not None
    return found


def fill(blank: Path, target: Path, values: dict[str, str]) -> Path:
    return fill_pypdf(blank, target, values)


def test_a_filled_form_reads_back_with_computed_totals(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    star = rubric(rubric_set, "star")
    path = fill(blank_forms["star"], tmp_path / "李四.pdf", form_values(star, STAR_PERSON, STAR_SCORES, 85))
    result = read_return(path, rubric_set)
    assert result.read and result.clean, result.problems
    assert result.rubric_id == "star" and result.fingerprint == star.fingerprint
    assert result.applicant == dict(zip(["name", "unit", "post"], STAR_PERSON, strict=True))
    assert [result.scores[sub.id].value for sub in star.subitems] == STAR_SCORES
    assert result.subtotals == {"ethics": 8, "conduct": 12, "effectiveness": 13, "innovation": 19, "recognition": 33}
    assert (result.total, result.self_reported_value, result.eligibility_text) == (85, 85, "可申报")
    assert result.source == str(path)


def test_a_stale_self_reported_total_is_flagged_and_not_trusted(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    star = rubric(rubric_set, "star")
    path = fill(blank_forms["star"], tmp_path / "stale.pdf", form_values(star, STAR_PERSON, STAR_SCORES, 100))
    result = read_return(path, rubric_set)
    assert result.total == 85
    assert result.problems == ("自评总分填写为 100 分，与各项评分之和 85 分不一致，已以计算结果为准。",)


def test_scores_as_people_type_them(rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path) -> None:
    star = rubric(rubric_set, "star")
    typed = [" 8 ", "１２", "13分", "９ 分", "10", "18", "15"]
    path = fill(blank_forms["star"], tmp_path / "typed.pdf", form_values(star, STAR_PERSON, typed, "８５分"))
    result = read_return(path, rubric_set)
    assert result.clean, result.problems
    assert result.total == 85 and result.scores["professionalism"].raw == "１２"


def test_bad_scores_are_each_named(rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path) -> None:
    star = rubric(rubric_set, "star")
    typed = ["8.5", "八", "", "16", "9", "18", "15"]
    path = fill(blank_forms["star"], tmp_path / "bad.pdf", form_values(star, ["", "单位", "岗位"], typed))
    result = read_return(path, rubric_set)
    assert result.read and result.total == 9 + 18 + 15
    assert result.problems == (
        "表头未填写：姓名。",
        "“道德情操高尚，社会责任感强”的评分“8.5”不是有效的分数（应填写 0-10 的整数）。",
        "“职业素养高，作风优良”的评分“八”不是有效的分数（应填写 0-15 的整数）。",
        "“服务严守规范，工作扎实有效”未填写评分。",
        "“工作创新能力强”的评分 16 超出范围（应为 0-10 分）。",
    )
    assert result.scores["moral_character"].raw == "8.5"


def test_a_zero_on_a_veto_item_makes_the_form_ineligible(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    manager = rubric(rubric_set, "manager")
    values = form_values(manager, ["王五", "某集团", "总经理"], [9, 9, 14, 0, 9, 22, 12])
    result = read_return(fill(blank_forms["manager"], tmp_path / "veto.pdf", values), rubric_set)
    assert result.eligibility_text == "不得申报"
    assert result.total == 75
    assert any("一票否决项，得分为 0，不得申报" in p for p in result.problems)


def test_a_blank_veto_item_leaves_eligibility_open(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    manager = rubric(rubric_set, "manager")
    values = form_values(manager, ["王五", "某集团", "总经理"], [9, 9, 14, 12, "", 22, 12])
    result = read_return(fill(blank_forms["manager"], tmp_path / "open.pdf", values), rubric_set)
    assert result.eligibility_text == "待核实"


def strip_identity(source: Path, target: Path) -> Path:
    """The form as some fillers return it: no document information, no XMP."""
    writer = PdfWriter(clone_from=PdfReader(source))
    del writer._root_object[NameObject("/Metadata")]
    writer._info = None
    with target.open("wb") as handle:
        writer.write(handle)
    assert PdfReader(target).metadata is None or RUBRIC_ID.info not in (PdfReader(target).metadata or {})
    return target


def test_lost_metadata_falls_back_to_the_field_names(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    team = rubric(rubric_set, "team")
    values = form_values(team, ["客服一班", "某供电公司"], [9, 12, 13, 9, 9, 18, 18])
    path = strip_identity(fill(blank_forms["team"], tmp_path / "team.pdf", values), tmp_path / "bare.pdf")
    result = read_return(path, rubric_set)
    assert result.clean and result.rubric_id == "team" and result.fingerprint is None
    assert result.total == 88


def without_field(source: Path, target: Path, name: str) -> Path:
    """The form as an earlier version of the tool made it: without the field ``name``."""
    writer = PdfWriter(clone_from=PdfReader(source))
    acroform = writer._root_object["/AcroForm"]
    acroform[NameObject("/Fields")] = ArrayObject(f for f in acroform["/Fields"] if f.get_object()["/T"] != name)
    for page in writer.pages:
        page[NameObject("/Annots")] = ArrayObject(a for a in page.get("/Annots", ()) if a.get_object()["/T"] != name)
    with target.open("wb") as handle:
        writer.write(handle)
    assert name not in (PdfReader(target).get_fields() or {})
    return target


def test_forms_made_before_the_organisation_field_still_read(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    star = rubric(rubric_set, "star")
    filled = fill(blank_forms["star"], tmp_path / "star.pdf", form_values(star, STAR_PERSON, STAR_SCORES))
    older = without_field(filled, tmp_path / "older.pdf", "star-organization")
    for path in (older, strip_identity(older, tmp_path / "older-bare.pdf")):
        result = read_return(path, rubric_set)
        assert result.read and result.rubric_id == "star" and result.total == 85
        assert result.problems == ("缺少所在组织名称：这份表格是旧版，盖章一行没有填写处；请按盖章核对组织名称。",)
    older_version = another_version(star, subject="工作在服务一线的员工")
    old_blank = without_field(
        write_form(older_version, tmp_path / "v1.pdf"), tmp_path / "v1-old.pdf", "star-organization"
    )
    result = read_return(
        fill(old_blank, tmp_path / "v1-filled.pdf", form_values(star, STAR_PERSON, STAR_SCORES)), rubric_set
    )
    assert result.read and result.total == 85 and "字段与当前版本一致" in result.problems[0]


def test_the_xmp_identity_is_used_when_the_info_dictionary_lost_it(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    writer = PdfWriter(clone_from=PdfReader(blank_forms["team"]))
    writer._info = None
    path = tmp_path / "xmp-only.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    team = rubric(rubric_set, "team")
    assert read_return(path, rubric_set).fingerprint == team.fingerprint


def another_version(star: Rubric, **changes: object) -> Rubric:
    changed = replace(star, **changes)
    return replace(changed, fingerprint=fingerprint(changed))


def test_an_older_version_with_the_same_fields_is_read_and_flagged(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric(rubric_set, "star")
    older = another_version(star, subject="工作在服务一线的员工")
    blank = write_form(older, tmp_path / "older.pdf")
    result = read_return(
        fill(blank, tmp_path / "older-filled.pdf", form_values(star, STAR_PERSON, STAR_SCORES)), rubric_set
    )
    assert result.read and result.total == 85
    assert result.problems == (
        f"此表格由另一版本（可能是旧版）的“服务明星”评分标准生成（版本指纹 {older.fingerprint}，"
        f"当前版本为 {star.fingerprint}）；字段与当前版本一致，已按当前标准计分，请核对。",
    )


def test_another_version_with_other_fields_is_rejected(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric(rubric_set, "star")
    first = star.items[0]
    renamed = replace(first, subitems=(replace(first.subitems[0], id="moral"),))
    other = another_version(star, items=(renamed, *star.items[1:]))
    result = read_return(write_form(other, tmp_path / "other.pdf"), rubric_set)
    assert not result.read
    assert result.problems == (
        f"此表格由另一版本的“服务明星”评分标准生成（版本指纹 {other.fingerprint}，当前版本为 {star.fingerprint}），"
        "字段与当前版本不一致，无法读取；请让申报人用当前版本的表格重新填写。",
    )


def test_a_rubric_missing_from_the_rubrics_file_is_named(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric(rubric_set, "star")
    result = read_return(write_form(another_version(star, id="star2024"), tmp_path / "x.pdf"), rubric_set)
    assert result.problems == (
        "表格注明属于评分表“star2024”，但评分标准文件中没有这份评分表，无法读取；请确认使用的是正确的 rubrics.toml。",
    )


def test_a_missing_file_is_a_problem_not_an_exception(rubric_set: RubricSet, tmp_path: Path) -> None:
    result = read_return(tmp_path / "nowhere.pdf", rubric_set)
    assert not result.read and len(result.problems) == 1
    assert result.problems == ("无法打开该文件（文件不存在）。",)


def test_utf8_values_without_a_byte_order_mark_are_decoded(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    star = rubric(rubric_set, "star")
    writer = PdfWriter(clone_from=PdfReader(blank_forms["star"]))
    name_field = header_field(star, star.applicant_fields[0]).name
    for annotation in writer.pages[0]["/Annots"]:
        widget = annotation.get_object()
        if widget.get("/T") == name_field:
            widget[NameObject("/V")] = ByteStringObject("张三".encode())
    path = tmp_path / "utf8.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert read_return(path, rubric_set).applicant["name"] == "张三"


def test_the_fast_field_scan_agrees_with_pypdf(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    manager = rubric(rubric_set, "manager")
    values = form_values(manager, ["（张）三\\丰", "A)B(C", "总经理\n副"], [9, 9, 14, 12, 9, 22, 12], 87)
    path = fill(blank_forms["manager"], tmp_path / "escapes.pdf", values)
    data = path.read_bytes()
    with guarded_read():
        fast = field_values(open_pdf(data, strict=True), data)
    slow = {name: field.get("/V", "") for name, field in (PdfReader(path).get_fields() or {}).items()}
    assert {name: str(value) for name, value in slow.items() if name in fast} == fast
    assert {f.name for f in score_fields(manager)} <= fast.keys()


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed on this machine")
def test_object_streams_are_read_through_pypdf(
    rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path
) -> None:
    """Acrobat-style saves keep fields in compressed object streams: the reader falls back to pypdf."""
    star = rubric(rubric_set, "star")
    filled = fill(blank_forms["star"], tmp_path / "plain.pdf", form_values(star, STAR_PERSON, STAR_SCORES, 85))
    packed = tmp_path / "packed.pdf"
    subprocess.run(["qpdf", "--object-streams=generate", str(filled), str(packed)], check=True, timeout=60)
    assert b"/ObjStm" in packed.read_bytes()
    result = read_return(packed, rubric_set)
    assert result.clean and result.total == 85 and list(result.applicant.values()) == STAR_PERSON


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (rb"(manager\055applicant\055name)", "manager-applicant-name"),
        (rb"(\376\377Y\323T\015)", "姓名"),
        (b"(\xfe\xff\x4e\x2d)", "中"),
        (rb"(a\(b\)c\\d)", "a(b)c\\d"),
        (rb"(\101\102)", "AB"),
        (b"(x\\\ny)", "xy"),
    ],
)
def test_literal_strings_decode_like_pypdf(raw: bytes, text: str) -> None:
    assert decode_value(raw, None) == text  # type: ignore[arg-type]
    assert str(read_object(io.BytesIO(raw + b" "), None)) == text


def test_the_document_identity_keys_come_from_the_contract(blank_forms: dict[str, Path]) -> None:
    info = PdfReader(blank_forms["star"]).metadata or {}
    assert info[RUBRIC_ID.info] == "star" and len(info[FINGERPRINT.info]) == 12


def test_damaged_copies_never_raise(rubric_set: RubricSet, blank_forms: dict[str, Path], tmp_path: Path) -> None:
    """Random damage to a filled form: a row or exactly one problem, never an exception."""
    team = rubric(rubric_set, "team")
    values = form_values(team, ["客服一班", "某供电公司"], [9, 12, 13, 9, 9, 18, 18], 88)
    original = fill(blank_forms["team"], tmp_path / "team.pdf", values).read_bytes()
    rng = random.Random(5)
    outcomes = set()
    for n in range(150):
        data = bytearray(original)
        for _ in range(rng.choice([1, 5, 40])):
            at = rng.randrange(len(data))
            if rng.random() < 0.6:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randrange(1, 60)]
        path = tmp_path / f"damaged-{n}.pdf"
        path.write_bytes(bytes(data))
        result = read_return(path, rubric_set)
        assert result.read or len(result.problems) == 1
        outcomes.add(result.read)
    assert outcomes == {True, False}
