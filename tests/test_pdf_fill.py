"""Filling the forms with real fillers (pypdf, PyMuPDF, pdf.js, pdftk) and reading and rendering what they wrote.

"Chinese shows" is checked on poppler's rendering: a filled field's region
has ink, and two different Chinese values of the same length give different
ink (missing glyphs would draw the same boxes for both).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, NameObject, TextStringObject

from generator.model.fields import form_fields
from generator.model.rubric import Rubric, RubricSet
from generator.writers.pdf.scripts import score_validate
from tests.pdf_support import build_pdfs, dark_pixels, has_tool, render_gray, widgets
from tests.read_fillers import fill_pdfjs, fill_pdftk, fill_pymupdf, pdfjs_available

DPI = 100
NAMES = ("张三丰", "李四光")
needs_poppler = pytest.mark.skipif(not has_tool("pdftoppm"), reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def pdfs(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_pdfs(rubric_set, tmp_path_factory.mktemp("pdf_fill"))


def values_for(rubric: Rubric, name: str) -> dict[str, str]:
    """A value for every text field but the computed total: Chinese for the words, a valid score for each score."""
    values = {}
    for field in form_fields(rubric):
        if field.kind == "applicant":
            values[field.name] = name if field.label in ("姓名", "班组名称") else f"{field.label}：华北服务中心"
        elif field.kind == "score":
            values[field.name] = str(field.max_score - 1)
        elif field.kind == "review":
            values[field.name] = "同意推荐。\n该同志服务意识强，群众评价好。"
        elif field.kind == "review_date":
            values[field.name] = "2025年5月20日"
    return values


def fill_with_pypdf(source: Path, target: Path, values: dict[str, str]) -> None:
    writer = PdfWriter(clone_from=source)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(target)


def fill_values_only(source: Path, target: Path, values: dict[str, str]) -> None:
    """Set /V and /NeedAppearances without drawing anything: the viewer must draw from /DA."""
    writer = PdfWriter(clone_from=source)
    for _, annot in widgets(writer).values():
        name = str(annot["/T"])
        if name in values:
            annot[NameObject("/V")] = TextStringObject(values[name])
            del annot["/AP"]
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = BooleanObject(True)
    writer.write(target)


FILLERS = {
    "pypdf": fill_with_pypdf,
    "pymupdf": fill_pymupdf,
    "viewer": fill_values_only,
    "pdfjs": fill_pdfjs,
    "pdftk": fill_pdftk,
}


def skip_if_missing(filler: str) -> None:
    if filler == "pdfjs" and not pdfjs_available():
        pytest.skip("node or pdfjs-dist (tests/pdfjs) not installed")
    if filler == "pdftk" and not has_tool("pdftk"):
        pytest.skip("pdftk-java not installed")


def read_with_pypdf(path: Path) -> dict[str, str]:
    return {name: str(f.get("/V")) for name, f in PdfReader(path).get_fields().items() if f.get("/V")}


def read_with_pymupdf(path: Path) -> dict[str, str]:
    with pymupdf.open(path) as doc:
        return {w.field_name: w.field_value for page in doc for w in page.widgets() if w.field_value}


@pytest.mark.parametrize("filler", ["pypdf", "pymupdf", "pdfjs", "pdftk"])
@pytest.mark.parametrize("rubric_id", ["star", "team", "manager"])
def test_round_trip_every_field(filler: str, rubric_id: str, rubric_set: RubricSet, pdfs, tmp_path) -> None:
    skip_if_missing(filler)
    rubric = rubric_set.get(rubric_id)
    values = values_for(rubric, NAMES[0])
    filled = tmp_path / "filled.pdf"
    FILLERS[filler](pdfs[rubric_id], filled, values)
    assert read_with_pypdf(filled) == values
    assert read_with_pymupdf(filled) == values


@needs_poppler
@pytest.mark.parametrize("filler", sorted(FILLERS))
def test_chinese_values_show_when_rendered(filler: str, rubric_set: RubricSet, pdfs, tmp_path) -> None:
    skip_if_missing(filler)
    rubric = rubric_set.get("star")
    blank = render_gray(pdfs["star"], 1, DPI, tmp_path / "blank")
    inks = []
    for index, name in enumerate(NAMES):
        filled = tmp_path / f"filled{index}.pdf"
        FILLERS[filler](pdfs["star"], filled, values_for(rubric, name))
        image = render_gray(filled, 1, DPI, tmp_path / f"filled{index}")
        rect = tuple(float(v) for v in widgets(PdfReader(filled))["star-applicant-name"][1]["/Rect"])
        inks.append((dark_pixels(image, rect, DPI), crop(image, rect)))
    assert dark_pixels(blank, rect, DPI) == 0
    assert inks[0][0] > 40 and inks[1][0] > 40, "the names are drawn"
    assert inks[0][1] != inks[1][1], "different names look different (real glyphs, not boxes)"


def crop(image: tuple[int, int, bytes], rect: tuple[float, float, float, float]) -> bytes:
    width, height, pixels = image
    scale = DPI / 72
    left, right = int(rect[0] * scale), int(rect[2] * scale)
    rows = range(int(height - rect[3] * scale), int(height - rect[1] * scale))
    return b"".join(pixels[r * width + left : r * width + right] for r in rows)


VALIDATE_HARNESS = """
const [script, value] = [process.argv[1], process.argv[2]];
const alerts = [];
const app = { alert: (message) => alerts.push(message) };
const event = { value: value, rc: true };
new Function("app", "event", script)(app, event);
console.log(JSON.stringify({ rc: event.rc, alerts }));
"""


def run_validate(script: str, value: str) -> dict:
    out = subprocess.run(["node", "-e", VALIDATE_HARNESS, script, value], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_validation_script_accepts_exactly_what_the_rubric_accepts(rubric_set: RubricSet, pdfs) -> None:
    veto = rubric_set.get("manager").subitem("satisfaction_program")
    annot = widgets(PdfReader(pdfs["manager"]))["manager-score-satisfaction_program"][1]
    script = str(annot["/AA"]["/V"].get_object()["/JS"])
    assert script == score_validate(veto), "stored in the PDF unchanged"
    for score in range(-1, veto.points + 2):
        result = run_validate(script, str(score))
        assert result["rc"] == veto.accepts(score), score
        assert bool(result["alerts"]) != veto.accepts(score)
    rejected = run_validate(script, "3")
    assert rejected["alerts"] == [f"“{veto.name}”的评分须为整数，可填 0、5-15 分。1-4 分不在任何评分标准内。"]
    assert run_validate(script, "")["rc"] is True
    plain = score_validate(rubric_set.get("star").subitem("moral_character"))
    assert run_validate(plain, "10")["rc"] is True
    assert run_validate(plain, "11")["alerts"] == ["“道德情操高尚，社会责任感强”的评分须为整数，可填 0-10 分。"]
    assert run_validate(plain, "7.5")["rc"] is False
