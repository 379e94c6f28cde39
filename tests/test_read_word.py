"""Reading returned Word forms, made the ways applicants make them, through the same API as PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.fields import form_fields
from generator.model.rubric import RubricSet
from generator.readers.batch import read_returns
from generator.readers.docx.reader import NO_CONTROLS, TRACKED_CHANGES
from generator.readers.returns import read_return
from generator.writers.forms import build_forms
from tests.libreoffice_support import SOFFICE
from tests.read_fillers import (
    ORGANIZATION,
    REVIEW,
    REVIEW_DATE,
    fill_pdfjs,
    fill_pdftk,
    fill_pymupdf,
    fill_pypdf,
    form_values,
    pdfjs_available,
)
from tests.word_fillers import (
    fill_controls,
    paste_into_new_document,
    resave_with_libreoffice,
    track_changes,
    type_beside,
    unwrap_controls,
)

STAR_SCORES = [8, 12, 13, 9, 10, 18, 15]  # 85
STAR_PERSON = ["阿卜杜热合曼·买买提", "中国移动通信集团（北京）有限公司客户服务中心", "客户经理"]
TEAM_SCORES = [9, 12, 13, 9, 9, 18, 18]  # 88
TEAM_PERSON = ["北京客服热线一班（10086）", "国网北京市电力公司"]


@pytest.fixture(scope="module")
def blank(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated forms, by rubric id and suffix."""
    out = tmp_path_factory.mktemp("word-forms")
    build_forms(rubric_set, out)
    return {f"{r.id}{suffix}": out / f"{r.title}{suffix}" for r in rubric_set for suffix in (".docx", ".pdf")}


def star_values(rubric_set: RubricSet, **review: str) -> dict[str, str]:
    star = rubric_set.get("star")
    assert star is not None
    return form_values(star, STAR_PERSON, STAR_SCORES, total=85, review=review)


def assert_star(result, *problems: str) -> None:
    assert result.read and result.rubric_id == "star", result.problems
    assert result.total == 85 and result.self_reported_value == 85
    assert result.applicant == dict(zip(("name", "unit", "post"), STAR_PERSON, strict=True))
    assert (result.organization, result.review, result.review_date) == (ORGANIZATION, REVIEW, REVIEW_DATE)
    assert result.problems == problems


def test_a_form_filled_in_its_content_controls(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    result = read_return(
        fill_controls(blank["star.docx"], tmp_path / "张三 自评表.docx", star_values(rubric_set)), rubric_set
    )
    assert_star(result)
    assert result.format == "docx" and result.format_text == "Word"


def test_controls_removed_with_their_text_kept(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    filled = fill_controls(blank["star.docx"], tmp_path / "filled.docx", star_values(rubric_set))
    assert_star(read_return(unwrap_controls(filled, tmp_path / "plain.docx"), rubric_set), NO_CONTROLS)


def test_values_typed_beside_the_controls(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    assert_star(
        read_return(type_beside(blank["star.docx"], tmp_path / "beside.docx", star_values(rubric_set)), rubric_set)
    )


def test_tracked_changes_are_read_as_accepted_and_said(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    path = track_changes(blank["star.docx"], tmp_path / "tracked.docx", star_values(rubric_set), old="99")
    assert_star(read_return(path, rubric_set), TRACKED_CHANGES)


def test_pasted_into_a_new_document_without_properties(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    filled = fill_controls(blank["star.docx"], tmp_path / "filled.docx", star_values(rubric_set))
    plain = unwrap_controls(filled, tmp_path / "plain.docx")
    for path in (
        paste_into_new_document(filled, tmp_path / "a.docx"),
        paste_into_new_document(plain, tmp_path / "b.docx"),
    ):
        result = read_return(path, rubric_set)
        assert result.fingerprint is None, "the custom properties are gone: identified by the title"
        assert_star(result, *([NO_CONTROLS] if path.name == "b.docx" else []))


def test_empty_review_and_organisation_are_problems(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    values = star_values(rubric_set, review="", organization="")
    result = read_return(fill_controls(blank["star.docx"], tmp_path / "x.docx", values), rubric_set)
    assert result.read and result.total == 85
    assert result.problems == (
        "缺少审核意见：所在组织（或推荐机构）未填写审核意见。",
        "缺少所在组织名称：盖章一行未填写组织（或推荐机构）名称。",
    )


def test_scores_typed_as_people_type_them(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    star = rubric_set.get("star")
    assert star is not None
    typed = ["８", "12分", " 13 ", "9分（自评）", "10", "18", "15"]
    values = form_values(star, STAR_PERSON, typed)
    result = read_return(fill_controls(blank["star.docx"], tmp_path / "typed.docx", values), rubric_set)
    assert result.read and result.total == 85, result.problems


def test_two_forms_pasted_into_one_document_are_refused(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    import docx

    first = docx.Document(str(blank["star.docx"]))
    second = docx.Document(str(blank["star.docx"]))
    for child in list(second.element.body)[:-1]:
        first.element.body.insert(len(first.element.body) - 1, child)
    first.save(str(tmp_path / "two.docx"))
    result = read_return(tmp_path / "two.docx", rubric_set)
    assert not result.read and "不止一份评分表" in result.problems[0]
    plain = unwrap_controls(tmp_path / "two.docx", tmp_path / "two-plain.docx")
    result = read_return(plain, rubric_set)
    assert not result.read and "不止一份评分表" in result.problems[0]


def test_a_word_file_that_is_not_our_form(rubric_set: RubricSet, tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于报送2025年度评选材料的通知")
    document.save(str(tmp_path / "通知.docx"))
    result = read_return(tmp_path / "通知.docx", rubric_set)
    assert not result.read and result.problems == (
        "这不是本工具生成的评分表（Word 文档中找不到任何一份评分表的标题），无法读取。",
    )


@pytest.mark.parametrize("to", ["docx", "doc", "odt"])
def test_saved_again_by_libreoffice(to: str, rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    filled = fill_controls(blank["star.docx"], tmp_path / "张三 自评表.docx", star_values(rubric_set))
    out = tmp_path / "saved"
    out.mkdir()
    saved = resave_with_libreoffice(filled, out, to, tmp_path / "profile")
    result = read_return(saved, rubric_set)
    assert result.format == to
    assert result.read and result.total == 85 and result.applicant["unit"] == STAR_PERSON[1], result.problems
    assert (result.organization, result.review, result.review_date) == (ORGANIZATION, REVIEW, REVIEW_DATE)
    assert all(p == NO_CONTROLS for p in result.problems), result.problems


def test_a_mixed_folder_reads_in_one_batch(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    team = rubric_set.get("team")
    assert team is not None
    inbox = tmp_path / "收件箱 2025"
    inbox.mkdir()
    fill_controls(blank["star.docx"], inbox / "张三.docx", star_values(rubric_set))
    team_values = form_values(team, TEAM_PERSON, TEAM_SCORES)
    fill_pypdf(blank["team.pdf"], inbox / "客服一班.pdf", team_values)
    fillers = [(fill_pymupdf, "客服二班 PyMuPDF.pdf"), (fill_pdftk, "客服三班 pdftk.pdf")]
    fillers += [(fill_pdfjs, "客服四班 pdf.js.pdf")] if pdfjs_available() else []
    for filler, name in fillers:  # filled beside the inbox: pdftk and pdf.js leave their data files there
        filler(blank["team.pdf"], tmp_path / name, team_values).rename(inbox / name)
    filled = fill_controls(blank["star.docx"], tmp_path / "f.docx", star_values(rubric_set))
    unwrap_controls(filled, inbox / "李四（WPS）.docx")
    if SOFFICE is not None:
        resave_with_libreoffice(filled, inbox, "doc", tmp_path / "profile")
    results = {Path(r.source).name: r for r in read_returns([inbox], rubric_set)}
    pdfs = [r for name, r in results.items() if name.endswith(".pdf")]
    assert len(pdfs) == (4 if pdfjs_available() else 3)
    assert all(r.total == 88 and r.format_text == "PDF" and r.review == REVIEW for r in pdfs)
    assert results["张三.docx"].total == 85 and results["张三.docx"].format_text == "Word"
    assert results["李四（WPS）.docx"].total == 85
    if SOFFICE is not None:
        assert results["f.doc"].total == 85 and "LibreOffice" in results["f.doc"].format_text
    assert all(r.read for r in results.values())


def test_every_field_of_the_contract_is_found_in_a_filled_form(rubric_set: RubricSet, blank, tmp_path: Path) -> None:
    star = rubric_set.get("star")
    assert star is not None
    from generator.readers.docx.locate import locate
    from generator.readers.docx.package import open_word_package, parse_xml

    filled = fill_controls(blank["star.docx"], tmp_path / "f.docx", star_values(rubric_set))
    body = parse_xml(open_word_package(filled.read_bytes()).document, "word/document.xml")
    found = locate(body, star).values
    assert set(found) == {f.name for f in form_fields(star) if f.kind not in ("seal", "roster_key")}


def test_every_hostile_word_file_is_one_clear_problem_and_the_batch_goes_on(
    rubric_set: RubricSet, blank, tmp_path: Path
) -> None:
    """Each bad or hostile Word file gets exactly one Chinese problem; a good form beside them is read."""
    from tests import hostile_word as bad

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    makers = [
        bad.not_a_zip, bad.zip_bomb, bad.lying_zip_bomb, bad.xxe, bad.xxe_utf16, bad.billion_laughs,
        bad.deep_nesting, bad.no_document, bad.password_protected, bad.truncated, bad.bad_crc,
        bad.encrypted_member, bad.bzip2_member, bad.duplicate_body, bad.large_media, bad.odf_spreadsheet,
        bad.damaged_ole,
    ]  # fmt: skip
    hostile = [make(inbox) for make in makers]
    good = fill_controls(blank["star.docx"], inbox / "张三.docx", star_values(rubric_set))
    results = {Path(r.source).name: r for r in read_returns([inbox], rubric_set)}
    assert results[good.name].read and results[good.name].total == 85
    for path in hostile:
        result = results[path.name]
        assert not result.read and len(result.problems) == 1, (path.name, result.problems)
        problem = result.problems[0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem) and "Traceback" not in problem, problem
        assert "root:" not in problem, "no external entity was ever resolved"


def test_a_word_form_of_an_older_rubric_version_is_read_and_flagged(rubric_set: RubricSet, tmp_path: Path) -> None:
    from dataclasses import replace

    from generator.layout.form import build_layout
    from generator.model.canonical import fingerprint
    from generator.writers.docx.writer import write_docx

    star = rubric_set.get("star")
    assert star is not None
    older = replace(star, subject="工作在服务一线的员工")
    older = replace(older, fingerprint=fingerprint(older))
    write_docx(build_layout(older), tmp_path / "older.docx")
    result = read_return(
        fill_controls(tmp_path / "older.docx", tmp_path / "filled.docx", star_values(rubric_set)), rubric_set
    )
    assert result.read and result.total == 85
    assert result.problems == (
        f"此表格由另一版本（可能是旧版）的“服务明星”评分标准生成（版本指纹 {older.fingerprint}，"
        f"当前版本为 {star.fingerprint}）；字段与当前版本一致，已按当前标准计分，请核对。",
    )
