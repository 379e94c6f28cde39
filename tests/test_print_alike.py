"""The Word form as LibreOffice prints it and the PDF as PDF engines render it: page for page alike.

Both come from one layout, which breaks the lines and the pages; these tests
read what the engines actually print (PyMuPDF's text lines of our PDF and of
LibreOffice's PDF of the .docx) and check it against that layout.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pymupdf
import pytest

from generator.layout.form import FormLayout, build_layout
from generator.model.rubric import RubricSet
from generator.writers.forms import build_forms
from tests.libreoffice_support import print_with_libreoffice

RUBRIC_IDS = ["star", "team", "manager"]
BROKEN_LABEL_END = re.compile(r"（[0-9\-]*$")
BROKEN_LABEL_START = re.compile(r"^[0-9\-]*分）")


@pytest.fixture(scope="module")
def printed(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each rubric's PDF, and its .docx as LibreOffice prints it."""
    out = tmp_path_factory.mktemp("print-alike")
    written = build_forms(rubric_set, out)
    word = print_with_libreoffice(
        (p for p in written if p.suffix == ".docx"), out / "word", tmp_path_factory.mktemp("lo")
    )
    return {
        rubric.id: {
            "pdf": out / f"{rubric.title}.pdf",
            "word": word[out / f"{rubric.title}.docx"],
        }
        for rubric in rubric_set
    }


def page_lines(pdf: Path) -> list[list[str]]:
    """Each page's printed lines of text, whitespace removed."""
    with pymupdf.open(pdf) as document:
        return [
            [
                "".join("".join(span["text"].split()) for span in line["spans"])
                for block in page.get_text("dict")["blocks"]
                for line in block.get("lines", ())
            ]
            for page in document
        ]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
@pytest.mark.parametrize("engine", ["pdf", "word"])
def test_pages_break_where_the_layout_breaks_them(
    rubric_id: str, engine: str, rubric_set: RubricSet, printed: dict[str, dict[str, Path]]
) -> None:
    layout = build_layout(rubric_set.get(rubric_id))
    pages = ["".join(lines) for lines in page_lines(printed[rubric_id][engine])]
    assert len(pages) == len(layout.pages) == 2, "two pages, the same in Word and PDF"
    for index, page in enumerate(layout.pages):
        here = [squeeze(c.text) for c in page.cells if c.role == "subitem"]
        elsewhere = [squeeze(c.text) for p in layout.pages if p is not page for c in p.cells if c.role == "subitem"]
        assert all(text in pages[index] for text in here), (engine, index)
        assert not any(text in pages[index] for text in elsewhere), (engine, index)


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
@pytest.mark.parametrize("engine", ["pdf", "word"])
def test_an_item_continued_on_the_next_page_says_so(
    rubric_id: str, engine: str, rubric_set: RubricSet, printed: dict[str, dict[str, Path]]
) -> None:
    layout: FormLayout = build_layout(rubric_set.get(rubric_id))
    pages = ["".join(lines) for lines in page_lines(printed[rubric_id][engine])]
    continued = [(index, c.text) for index, page in enumerate(layout.pages) for c in page.cells if c.continued]
    assert continued, "the bundled rubrics each have an item running onto page 2"
    for index, text in continued:
        assert text.endswith("（续）") and text in pages[index], (engine, text)
        assert pages[index].count("（续）") == 1


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
@pytest.mark.parametrize("engine", ["pdf", "word"])
def test_points_labels_never_break_across_lines(
    rubric_id: str, engine: str, printed: dict[str, dict[str, Path]]
) -> None:
    lines = [line for page in page_lines(printed[rubric_id][engine]) for line in page]
    assert sum("分）" in line for line in lines) > 10
    broken = [line for line in lines if BROKEN_LABEL_END.search(line) or BROKEN_LABEL_START.match(line)]
    assert not broken, broken


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_title_is_22_point_bold_serif_in_both(rubric_id: str, rubric_set: RubricSet, printed) -> None:
    title = rubric_set.get(rubric_id).title
    with pymupdf.open(printed[rubric_id]["pdf"]) as document:
        spans = [s for s in document[0].get_texttrace() if "".join(chr(c[0]) for c in s["chars"]) == title]
    assert {round(s["size"]) for s in spans} == {22}
    assert all("NotoSerifSC" in s["font"] for s in spans), "the serif face, not the sans"
    stroked = [s for s in spans if s["type"] == 1]
    assert stroked and stroked[0]["linewidth"] == pytest.approx(0.66, abs=0.01), "faux bold: filled and stroked"
    with pymupdf.open(printed[rubric_id]["word"]) as document:
        spans = [s for s in document[0].get_texttrace() if title in "".join(chr(c[0]) for c in s["chars"])]
    assert {round(s["size"]) for s in spans} == {22}


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_no_space_between_digits_and_chinese_in_the_pdf(rubric_id: str, printed) -> None:
    with pymupdf.open(printed[rubric_id]["pdf"]) as document:
        chars = [
            char
            for page in document
            for block in page.get_text("rawdict")["blocks"]
            for line in block.get("lines", ())
            for span in line["spans"]
            for char in span["chars"]
        ]
    gaps = [b["bbox"][0] - a["bbox"][2] for a, b in itertools.pairwise(chars) if a["c"].isdigit() and b["c"] == "分"]
    assert gaps and max(gaps) < 0.5, gaps
