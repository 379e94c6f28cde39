"""The printed side of each PDF: embedded fonts, exact text, identity, determinism, validity, rendering."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.layout.form import FormLayout, build_layout
from generator.layout.pagecode import page_codes
from generator.model.identity import FINGERPRINT, RUBRIC_ID, TOOL_VERSION, XMP_NAMESPACE
from generator.model.rubric import RubricSet
from generator.version import __version__
from generator.writers.pdf.writer import render_pdf
from tests.pdf_support import MM, build_pdfs, dark_pixels, has_tool, render_gray, squash

RUBRIC_IDS = ["star", "team", "manager"]


@pytest.fixture(scope="module")
def pdfs(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_pdfs(rubric_set, tmp_path_factory.mktemp("pdf_content"))


def printed_pieces(layout: FormLayout) -> list[str]:
    """Every text the pages show, in drawing order, without the repeated table header: an item
    continued on a later page is printed there again, with （续）."""
    f = layout.footer
    return [
        layout.title,
        layout.subject_line,
        *(b.label for b in layout.blanks),
        *(c.text for page in layout.pages for c in page.cells if c.text),
        f.review_label,
        f.organization.label,
        f.organization.suffix,
        f.date_label,
    ]


def assert_text_is_exactly(extracted: str, layout: FormLayout) -> None:
    """The extracted text is the layout's texts in order, with the header row before each page's rows
    and each page's code caption at the end of the page."""
    text, head = squash(extracted), squash("".join(c.label for c in layout.columns))
    captions = [squash("".join(code.caption())) for code in page_codes(layout)]
    pos, heads = 0, 0
    for piece in map(squash, printed_pieces(layout)):
        if captions and not text.startswith(piece, pos) and text.startswith(captions[0], pos):
            pos += len(captions.pop(0))
        if not text.startswith(piece, pos) and text.startswith(head, pos):
            pos, heads = pos + len(head), heads + 1
        assert text.startswith(piece, pos), f"expected {piece!r} at {text[pos : pos + 40]!r}"
        pos += len(piece)
    assert captions == [text[pos:]], f"unexpected trailing text {text[pos:]!r}"
    assert heads >= 1


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_pypdf_extracts_exactly_the_rubric_text(rubric_id: str, rubric_set: RubricSet, pdfs) -> None:
    reader = PdfReader(pdfs[rubric_id])
    layout = build_layout(rubric_set.get(rubric_id))
    assert_text_is_exactly("".join(page.extract_text() for page in reader.pages), layout)


@pytest.mark.skipif(not has_tool("pdftotext"), reason="poppler-utils not installed")
@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_pdftotext_extracts_exactly_the_rubric_text(rubric_id: str, rubric_set: RubricSet, pdfs) -> None:
    out = subprocess.run(["pdftotext", "-raw", str(pdfs[rubric_id]), "-"], capture_output=True, check=True)
    assert_text_is_exactly(out.stdout.decode("utf-8"), build_layout(rubric_set.get(rubric_id)))


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_every_page_font_is_an_embedded_truetype_subset(rubric_id: str, pdfs) -> None:
    reader = PdfReader(pdfs[rubric_id])
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts, "page draws text"
        for ref in fonts.values():
            font = ref.get_object()
            assert font["/Subtype"] == "/TrueType"
            assert "/FontFile2" in font["/FontDescriptor"]
            assert "/ToUnicode" in font
            assert str(font["/BaseFont"]).split("+")[1].startswith("NotoSerifSC-Regular")


@pytest.mark.skipif(not has_tool("pdffonts"), reason="poppler-utils not installed")
@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_pdffonts_shows_every_font_embedded(rubric_id: str, pdfs) -> None:
    out = subprocess.run(["pdffonts", str(pdfs[rubric_id])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert {row[0].split("+")[1] for row in rows} == {rows[0][0].split("+")[1]}, "one font (in 256-glyph parts) for all"
    assert rows[0][0].split("+")[1].startswith("NotoSerifSC-Regular-")
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), out


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_identity_in_info_and_xmp(rubric_id: str, rubric_set: RubricSet, pdfs) -> None:
    rubric = rubric_set.get(rubric_id)
    reader = PdfReader(pdfs[rubric_id])
    info = reader.metadata
    assert info["/Title"] == rubric.title
    assert info[RUBRIC_ID.info] == rubric.id
    assert info[FINGERPRINT.info] == rubric.fingerprint
    assert info[TOOL_VERSION.info] == __version__
    root = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    assert root.find(f".//{{{XMP_NAMESPACE}}}RubricId").text == rubric.id
    assert root.find(f".//{{{XMP_NAMESPACE}}}RubricFingerprint").text == rubric.fingerprint
    assert root.find(f".//{{{XMP_NAMESPACE}}}RubricFormsVersion").text == __version__
    title = root.find(".//{http://purl.org/dc/elements/1.1/}title")
    assert "".join(title.itertext()).strip() == rubric.title


def test_rebuilding_gives_identical_bytes_also_in_a_fresh_process(rubric_set: RubricSet, pdfs, tmp_path) -> None:
    layout = build_layout(rubric_set.get("manager"))
    assert render_pdf(layout) == render_pdf(layout) == pdfs["manager"].read_bytes()
    script = (
        "import sys; from pathlib import Path; from generator.model.loader import load; "
        "from generator.layout.form import build_layout; from generator.writers.pdf.writer import write_pdf; "
        "write_pdf(build_layout(load(Path(sys.argv[1])).get('manager')), Path(sys.argv[2]))"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    out = tmp_path / "fresh.pdf"
    subprocess.run([sys.executable, "-c", script, str(rubric_set.source), str(out)], check=True, env=env)
    assert out.read_bytes() == pdfs["manager"].read_bytes()


@pytest.mark.skipif(not has_tool("qpdf"), reason="qpdf not installed")
@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_qpdf_check_passes(rubric_id: str, pdfs) -> None:
    result = subprocess.run(["qpdf", "--check", str(pdfs[rubric_id])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_a4_pages_and_small_file(rubric_id: str, pdfs) -> None:
    reader = PdfReader(pdfs[rubric_id])
    for page in reader.pages:
        assert [round(float(v) / MM) for v in page.mediabox[2:]] == [210, 297]
    assert pdfs[rubric_id].stat().st_size < 200 * 1024


@pytest.mark.skipif(not has_tool("pdftoppm"), reason="poppler-utils not installed")
@pytest.mark.parametrize("rubric_id", RUBRIC_IDS)
def test_page_one_renders_title_and_table(rubric_id: str, pdfs, tmp_path) -> None:
    dpi = 50
    image = render_gray(pdfs[rubric_id], 1, dpi, tmp_path / "page")
    width, height, _ = image
    assert abs(width - 210 * MM * dpi / 72) <= 1 and abs(height - 297 * MM * dpi / 72) <= 1
    title_band = (60 * MM, 297 * MM - 30 * MM, 150 * MM, 297 * MM - 18 * MM)
    assert dark_pixels(image, title_band, dpi) > 150, "the title's glyphs are drawn"
    assert dark_pixels(image, (0, 0, 210 * MM, 297 * MM), dpi) > 5000, "the table is drawn"
