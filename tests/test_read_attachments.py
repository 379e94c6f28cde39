"""Returns with something extra: a filled PDF with a page of something else appended, an iPhone photo."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from generator.model.rubric import RubricSet
from generator.readers.formats import HEIC
from generator.readers.returns import read_return
from tests import scan_factory as sf
from tests.read_fillers import fill_pypdf, form_values, write_form

SCORES = [8, 12, 13, 9, 10, 18, 15]


def test_a_page_of_something_else_after_the_form_is_a_note_of_the_form(rubric_set: RubricSet, tmp_path: Path) -> None:
    star = rubric_set.get("star")
    assert star is not None
    values = form_values(star, ["张三", "国网北京市电力公司", "客户经理"], SCORES, sum(SCORES))
    filled = fill_pypdf(write_form(star, tmp_path / "blank.pdf"), tmp_path / "filled.pdf", values)
    extra = tmp_path / "extra.pdf"
    sf.save_image_pdf([sf.foreign_image((1240, 1754), seed=2, kind="text")], extra, 150)
    writer = PdfWriter(clone_from=PdfReader(filled))
    writer.append(PdfReader(extra))
    joined = tmp_path / "附件 合并.pdf"
    with joined.open("wb") as out:
        writer.write(out)
    result = read_return(joined, rubric_set)
    assert result.read and result.total == sum(SCORES) and result.format_text == "PDF"
    note = "表格后另附了 1 页（第 3 页），不是本表格的页面（没有表格页码二维码），未读取，请人工查看。"
    assert result.problems == (note,)


def test_an_iphone_heic_photo_is_named_as_such(rubric_set: RubricSet, tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0001.HEIC"
    photo.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200))
    result = read_return(photo, rubric_set)
    assert not result.read and result.problems == (HEIC,)
