"""Line breaking and page breaking of the PDF table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.layout.form import RowGroup, build_layout
from generator.layout.linebreak import wrap
from generator.model.rubric import RubricSet
from generator.writers.pdf.table import PageRows, paginate
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


def test_pagination_keeps_groups_whole() -> None:
    class Layout:
        groups = (RowGroup(0, 3), RowGroup(3, 2), RowGroup(5, 4))
        row_count = 9

    heights = (10.0,) * 9
    assert paginate(Layout, heights, 45, 100) == [PageRows(0, 3), PageRows(3, 9)]
    assert paginate(Layout, heights, 50, 100) == [PageRows(0, 5), PageRows(5, 9)]
    assert paginate(Layout, heights, 100, 100) == [PageRows(0, 9)]


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
