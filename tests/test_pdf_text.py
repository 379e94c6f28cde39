"""Line breaking and page breaking of the table, as the layout decides them and the PDF prints them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.layout.form import build_layout
from generator.layout.linebreak import wrap
from generator.layout.parts import Cell, Column, RowGroup, Typography
from generator.layout.table import TableMeasure, paginate
from generator.model.rubric import RubricSet
from tests.pdf_support import build_pdfs, squash


def em(text: str) -> float:
    """Width in ems: Latin letters and digits half, everything else full."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def test_wrap_fills_lines_and_keeps_every_character() -> None:
    text = "热爱本职工作，情操高尚，谦虚谨慎，艰苦朴素，全心全意为顾客服务（1-6分）"
    lines = wrap(text, 10, em)
    assert "".join(lines) == text
    assert all(em(line) <= 10 for line in lines)
    assert len(lines) == 4


def test_closing_punctuation_never_starts_a_line_and_opening_never_ends_one() -> None:
    for width in range(3, 12):
        for line in wrap("获得单位先进荣誉称号，如“先进工作者”、“优秀员工”等（9-12分）", width, em):
            assert line[0] not in "，。、）”", line
            assert line[-1] not in "（“", line


def test_points_labels_and_numbers_stay_whole() -> None:
    assert wrap("工作创新（20分）", 6, em) == ["工作创新", "（20分）"]
    lines = wrap("最近三年的满意度测评结果均在80分以上", 14.5, em)
    assert lines == ["最近三年的满意度测评结果均在", "80分以上"]


def test_newlines_break_lines() -> None:
    assert wrap("第一行\n第二行", 20, em) == ["第一行", "第二行"]


def _measure(rows: int) -> TableMeasure:
    """A table of ``rows`` rows 10 mm high under one item spanning them all."""
    item = Cell("item", 0, 0, rows, "项目甲（40分）", name="项目甲", lines=("项目甲（40分）",))
    return TableMeasure(head_lines=((),) * 4, head_height_mm=0.0, cells=(item,), row_heights_mm=(10.0,) * rows)


COLUMNS = tuple(Column(label, width) for label, width in zip("甲乙丙丁", (22.0, 36.0, 94.0, 18.0), strict=True))
GROUPS = (RowGroup(0, 3), RowGroup(3, 2), RowGroup(5, 4))


def test_pagination_keeps_groups_whole_and_names_the_continued_item() -> None:
    pages = paginate(_measure(9), GROUPS, (45.0, 100.0), 0.0, COLUMNS, Typography())
    assert [(p.first, p.stop) for p in pages] == [(0, 3), (3, 9)]
    assert pages[0].row_heights_mm == (15.0, 15.0, 15.0), "a page that ends early is stretched to its foot"
    (continued,) = pages[1].cells
    assert continued.continued and continued.text == "项目甲（续）" and (continued.row, continued.row_span) == (3, 6)
    assert pages[0].cells[0].text == "项目甲（40分）" and pages[0].cells[0].row_span == 3


def test_the_footer_takes_the_last_group_with_it() -> None:
    assert len(paginate(_measure(9), GROUPS, (100.0, 100.0), 0.0, COLUMNS, Typography())) == 1
    pages = paginate(_measure(9), GROUPS, (100.0, 100.0), 30.0, COLUMNS, Typography())
    assert [(p.first, p.stop) for p in pages] == [(0, 5), (5, 9)]


@pytest.fixture(scope="module")
def pdfs(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_pdfs(rubric_set, tmp_path_factory.mktemp("pdf_text"))


@pytest.mark.parametrize("rubric_id", ["star", "team", "manager"])
def test_each_page_repeats_the_header_row_and_no_sub_item_is_split(rubric_id, rubric_set: RubricSet, pdfs) -> None:
    rubric = rubric_set.get(rubric_id)
    layout = build_layout(rubric)
    pages = [squash(page.extract_text()) for page in PdfReader(pdfs[rubric_id]).pages]
    head = squash("".join(c.label for c in layout.columns))
    assert len(pages) >= 2
    for text in pages:
        assert head in text
    for sub in rubric.subitems:
        holding = [i for i, text in enumerate(pages) if squash(sub.label) in text]
        assert len(holding) == 1
        for band in sub.bands:
            assert squash(band.display_text) in pages[holding[0]]
