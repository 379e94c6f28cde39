"""The header blanks and the organisation's blank hold real values in real viewers.

The layout sizes each blank for a number of Chinese characters at the field
size: 姓名 10, 岗位 12, 单位, 班组名称 and the organisation's name 30.  Boxes
4.1 mm tall at 10.5 pt used to clip: PDFium (Chrome, Edge) cut the tops or
the bottoms off the characters (张三 read 张二, 客户 read 客尸, full-width
brackets showed as blanks) and pdf.js shrank typed text to about 7 pt.

PDFium: each value is typed into a fresh copy of the form the way Chrome
types (tests/pdfium_typing.py), the field left, the page rendered with the
form drawn, and the saved file read back.  pdf.js: the values are typed into
the viewer's input elements in headless Chromium (tests/viewer_support.py).

``RUBRIC_FORMS_HEADER_FORMS_DIR`` points the tests at a folder of forms built
elsewhere (each PDF is matched to its rubric by its /RubricId), for instance
by an earlier version of the tool, instead of building fresh ones.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator.model.fields import FormField, applicant_field, organization_field
from generator.model.rubric import Rubric, RubricSet
from tests.pdf_support import build_pdfs
from tests.pdfium_typing import (
    PdfiumForm,
    TypedField,
    TypingMethod,
    appearance,
    glyph_boxes,
    glyphs_in,
    inside,
    pdfium_available,
    saved_values,
)
from tests.viewer_support import loopback_server, open_form, pdfjs_browser, viewer_available

RUBRICS = ["star", "team", "manager"]
FORMS_DIR_VARIABLE = "RUBRIC_FORMS_HEADER_FORMS_DIR"

CAPACITY = {"name": 10, "post": 12, "unit": 30, "team_name": 30, "organization": 30}
"""Chinese characters each blank must hold at the field size, by header id (and the organisation's blank)."""
LONG_VALUES = {
    10: ("阿卜杜热合曼·买买提",),
    12: ("客户服务中心主管（副职）",),
    30: (
        "中国移动通信集团（北京）有限公司客户服务中心",
        "中国移动通信集团（北京）有限公司海淀分公司客户服务中心营业厅",
    ),
}
"""Real values up to a blank's capacity: the last one of each is exactly as long as the blank holds."""
SHORT_VALUES = ("张三", "客户")
"""Characters whose tops (三, the dot of 户) or bottoms (张, 客) went missing when a box clipped."""
BRACKETS = "（）"

SCALE = 6
"""Pixels per point of the PDFium renders (432 dpi): an em of 10 pt is 60 pixels."""
CLEAR_PX = 2
"""Ink must stay this many pixel rows or columns off the edge rows of the box (a clipped glyph touches them)."""
MIN_HEIGHT_EM = 0.75
MIN_WIDTH_FACTOR = 0.85


def test_values_are_as_long_as_the_blanks() -> None:
    """The test values themselves: each capacity's longest value fills it exactly."""
    for capacity, values in LONG_VALUES.items():
        assert max(len(v) for v in values) == capacity, values
    assert set(CAPACITY.values()) == set(LONG_VALUES)


def text_fields(rubric: Rubric) -> list[tuple[FormField, int]]:
    """The header's text blanks and the organisation's blank, each with the characters it must hold."""
    fields = [applicant_field(rubric, h) for h in rubric.header if h.kind != "total"]
    fields.append(organization_field(rubric))
    found = []
    for field in fields:
        key = field.name.rsplit("-", 1)[-1] if field.kind == "applicant" else field.kind
        assert key in CAPACITY, f"{field.name}: no capacity known for this blank (add it to CAPACITY)"
        found.append((field, CAPACITY[key]))
    return found


def values_for(capacity: int) -> tuple[str, ...]:
    return (*LONG_VALUES[capacity], *SHORT_VALUES, BRACKETS)


@pytest.fixture(scope="module")
def forms(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each rubric's PDF: built fresh, or copied from ``RUBRIC_FORMS_HEADER_FORMS_DIR`` (as ``<rubric>.pdf``: the
    pdf.js harness serves ASCII names)."""
    out = tmp_path_factory.mktemp("header_boxes")
    folder = os.environ.get(FORMS_DIR_VARIABLE)
    if not folder:
        return build_pdfs(rubric_set, out)
    found = {}
    for path in sorted(Path(folder).glob("*.pdf")):
        metadata = PdfReader(path).metadata
        rubric_id = metadata.get("/RubricId") if metadata else None
        if rubric_id:
            found[str(rubric_id)] = out / f"{rubric_id}.pdf"
            shutil.copyfile(path, found[str(rubric_id)])
    assert found, f"{FORMS_DIR_VARIABLE}={folder}: no PDF with a /RubricId"
    return found


# --- PDFium -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """A value typed with PDFium into a fresh copy of the form, and the saved result."""

    typed: TypedField
    saved: bytes


def type_fresh(pdf: Path, name: str, text: str, method: TypingMethod = "keys") -> Typed:
    with PdfiumForm(pdf) as form:
        typed = form.type_and_render(name, text, SCALE, method)
        return Typed(typed, form.save_bytes())


def present(pdf: Path) -> set[str]:
    """The names of the form's text fields, as PDFium finds them."""
    with PdfiumForm(pdf) as form:
        return {name for name, field in form.fields.items() if field.is_text}


def report(found: list[str]) -> None:
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def problems(result: Typed) -> list[str]:
    """Everything wrong with how PDFium shows and stores one typed value (empty: nothing)."""
    typed, saved = result.typed, result.saved
    field, text = typed.field, typed.text
    where = f"{field.name} ← {text!r}"
    found: list[str] = []
    if typed.stored != text:
        found.append(f"{where}: PDFium stored {typed.stored!r}")
    if (read := saved_values(saved).get(field.name)) != text:
        found.append(f"{where}: pypdf reads /V {read!r} from the saved file")
    look = appearance(saved, field.name)
    if look.clip is not None:
        clip = [round(v, 2) for v in look.clip]
        found.append(f"{where}: PDFium clips the appearance to {clip} (the value overflows its inner rectangle)")
    edges = look.clip or field.rect

    ink = typed.ink
    if ink is None:
        return [*found, f"{where}: no ink at all"]
    left, top, right, bottom = typed.after.box_px(edges)
    em = typed.em_px
    if ink.top < math.floor(top) + CLEAR_PX:
        found.append(f"{where}: ink touches the top edge (row {ink.top}, edge {top:.1f}): tops clipped")
    if ink.bottom > math.ceil(bottom) - CLEAR_PX:
        found.append(f"{where}: ink touches the bottom edge (row {ink.bottom - 1}, edge {bottom:.1f}): bottoms clipped")
    if ink.left < math.floor(left) + CLEAR_PX:
        found.append(f"{where}: ink touches the left edge (column {ink.left}, edge {left:.1f})")
    if ink.right > math.ceil(right) - CLEAR_PX:
        found.append(f"{where}: ink touches the right edge (column {ink.right - 1}, edge {right:.1f}): cut off")
    if ink.height < MIN_HEIGHT_EM * em:
        found.append(f"{where}: ink {ink.height} px tall, under {MIN_HEIGHT_EM} em ({em:.0f} px): glyphs cut short")
    if text == BRACKETS:
        if len(ink.runs) < 2:
            found.append(f"{where}: ink in {len(ink.runs)} column run(s), not one per bracket: {ink.runs}")
    elif ink.width < (len(text) - 0.5) * em * MIN_WIDTH_FACTOR:
        found.append(f"{where}: ink {ink.width} px wide, short of {len(text)} characters at {em:.0f} px an em")

    glyphs = glyphs_in(glyph_boxes(saved, field.page_index), field.rect)
    if "".join(g.char for g in glyphs) != text:
        found.append(f"{where}: PDFium's text API finds {''.join(g.char for g in glyphs)!r} in the box")
    outside = [g.char for g in glyphs if not inside(g.box, edges)]
    if outside:
        found.append(f"{where}: glyphs not wholly inside the box: {''.join(outside)}")
    return found


@pytest.fixture(scope="module")
def pdfium() -> None:
    if not pdfium_available():
        pytest.skip("pypdfium2 is not installed")


@pytest.mark.parametrize("rubric_id", RUBRICS)
def test_pdfium_shows_whole_values(rubric_id: str, rubric_set: RubricSet, forms: dict[str, Path], pdfium: None) -> None:
    """Every header blank and the organisation's blank, typed into with real values: nothing clipped or lost."""
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None and rubric_id in forms
    found: list[str] = []
    names = present(forms[rubric_id])
    for field, capacity in text_fields(rubric):
        if field.name not in names:
            found.append(f"{field.name}: no such text field in the form")
            continue
        for text in values_for(capacity):
            found += problems(type_fresh(forms[rubric_id], field.name, text))
    report(found)


@pytest.mark.parametrize("rubric_id", RUBRICS)
def test_pdfium_pasted_values(rubric_id: str, rubric_set: RubricSet, forms: dict[str, Path], pdfium: None) -> None:
    """The longest values once more, pasted (``FORM_ReplaceSelection``) instead of typed key by key."""
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None and rubric_id in forms
    found: list[str] = []
    names = present(forms[rubric_id])
    for field, capacity in text_fields(rubric):
        if field.name not in names:
            found.append(f"{field.name}: no such text field in the form")
            continue
        found += problems(type_fresh(forms[rubric_id], field.name, LONG_VALUES[capacity][-1], "replace"))
    report(found)


def test_pdfium_check_sees_clipping(rubric_set: RubricSet, forms: dict[str, Path], pdfium: None) -> None:
    """The checks can fail: a value longer than the 姓名 blank holds is reported cut off at the right."""
    rubric = rubric_set.get("star")
    assert rubric is not None
    name = applicant_field(rubric, next(h for h in rubric.header if h.id == "name")).name
    found = problems(type_fresh(forms["star"], name, LONG_VALUES[30][-1]))
    assert any("clips the appearance" in p for p in found), found
    assert any("short of 30 characters" in p for p in found), found
    assert any("not wholly inside" in p or "finds" in p for p in found), found


# --- pdf.js -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfjs() -> Iterator[tuple[Any, str, dict[str, bytes]]]:
    if not viewer_available():
        pytest.skip("Playwright, /usr/bin/chromium or tests/pdfjs/node_modules/pdfjs-dist missing")
    with loopback_server() as (base_url, served), pdfjs_browser() as browser:
        yield browser, base_url, served


MEASURE_INPUT = """(input) => {
    const box = input.parentElement.getBoundingClientRect();
    return {
        fontPx: parseFloat(getComputedStyle(input).fontSize),
        boxPx: box.width,
        scrollWidth: input.scrollWidth,
        clientWidth: input.clientWidth,
        value: input.value,
    };
}"""


def rect_widths(pdf: Path) -> dict[str, float]:
    """Each widget's width in points, by field name."""
    widths = {}
    for page in PdfReader(pdf).pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                x0, _y0, x1, _y1 = (float(v) for v in annot["/Rect"])
                widths[str(annot["/T"])] = abs(x1 - x0)
    return widths


@pytest.mark.parametrize("rubric_id", RUBRICS)
def test_pdfjs_keeps_the_field_size_and_shows_whole_values(
    rubric_id: str,
    rubric_set: RubricSet,
    forms: dict[str, Path],
    pdfjs: tuple[Any, str, dict[str, bytes]],
) -> None:
    """Each blank's longest value typed in pdf.js: the input keeps ≥ 9.5 pt type and shows the value unscrolled."""
    rubric = rubric_set.get(rubric_id)
    assert rubric is not None and rubric_id in forms
    browser, base_url, served = pdfjs
    widths = rect_widths(forms[rubric_id])
    found: list[str] = []
    typed: dict[str, str] = {}
    with open_form(browser, base_url, served, forms[rubric_id]) as form:
        for field, capacity in text_fields(rubric):
            text = LONG_VALUES[capacity][-1]
            where = f"{field.name} ← {text!r}"
            if field.name not in widths or form.box(field.name).count() != 1:
                found.append(f"{field.name}: no such input in pdf.js")
                continue
            form.type_into(field.name, text)
            typed[field.name] = text
            seen = form.box(field.name).evaluate(MEASURE_INPUT)
            points = seen["fontPx"] / (seen["boxPx"] / widths[field.name])
            if seen["value"] != text:
                found.append(f"{where}: the input holds {seen['value']!r}")
            if points < 9.5:
                found.append(f"{where}: pdf.js sets the value at {points:.2f} pt")
            if seen["scrollWidth"] > seen["clientWidth"] + 1:
                found.append(f"{where}: scrolls ({seen['scrollWidth']} px of text, {seen['clientWidth']} px shown)")
        saved = form.save()
    values = saved_values(saved)
    found += [f"{name}: pdf.js saved /V {values[name]!r}" for name, text in typed.items() if values.get(name) != text]
    report(found)
