"""The Word form's page codes: every page LibreOffice prints carries that page's QR code, where the layout puts it.

Each bundled rubric's blank form and a personalised copy are printed by
LibreOffice as they are, after LibreOffice saved them again as .docx, and
after it saved them as .doc (Word 97); every printed page is rasterised at
150 dpi and its QR codes read with zxing-cpp.  The package itself is checked
for what Word reads: a section and a header of its own per page, the picture
floating on the page.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pymupdf
import pypdfium2  # type: ignore[import-untyped]  # pypdfium2 ships no type information
import pytest
import zxingcpp
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.section import _Header
from docx.shared import Mm
from lxml import etree
from PIL import Image

from generator.distribute.roster import Applicant
from generator.layout.form import MARGIN_MM, FormLayout, build_layout
from generator.layout.pagecode import CAPTION_RIGHT_MM, CAPTION_SIZE_PT, CODE_BOX, CODE_SIZE_MM, code_matrix
from generator.model.pagecode import PageCode, parse_page_code
from generator.model.rubric import RubricSet
from generator.writers.docx.pagecode import MAX_PPI, code_png
from generator.writers.docx.writer import render_docx
from tests.libreoffice_support import SOFFICE, print_with_libreoffice
from tests.word_fillers import resave_with_libreoffice

RUBRIC_IDS = ("star", "team", "manager")
PERSONAL = "star-personal"
FORMS = (*RUBRIC_IDS, PERSONAL)
SAVED_AS = ("original", "docx", "doc")
"""As written; opened and saved again by LibreOffice as .docx; saved by it as .doc."""
APPLICANT = ("阿卜杜热合曼·买买提", "中国移动通信集团（北京）有限公司客户服务中心", "客户经理")
DPI = 150
MM_PER_INCH = 25.4
POINTS_PER_MM = 72 / MM_PER_INCH
POSITION_TOLERANCE_MM = 2.0
HAIRLINE_MM = 1 / POINTS_PER_MM
"""The one-point paragraph above the table of every page after the first."""


@dataclass(frozen=True, slots=True)
class WordForm:
    layout: FormLayout
    path: Path
    values: tuple[tuple[str, str], ...] = ()
    roster_key: str = ""

    def expected_codes(self) -> list[PageCode]:
        """What each page's code must say, spelled out here rather than taken from the writer."""
        rubric, pages = self.layout.rubric, len(self.layout.pages)
        return [
            PageCode(rubric.id, rubric.fingerprint, page, pages, "W", self.roster_key) for page in range(1, pages + 1)
        ]


@dataclass(frozen=True, slots=True)
class Found:
    """A QR code read off a printed page: its text and where it is (mm from the paper's top-left corner)."""

    text: str
    box_mm: tuple[float, float, float, float]

    @property
    def code(self) -> PageCode | None:
        return parse_page_code(self.text)


@pytest.fixture(scope="module")
def forms(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, WordForm]:
    """Each bundled rubric's blank Word form, and a personalised copy of one."""
    out = tmp_path_factory.mktemp("pagecode-forms")
    made = {}
    for rubric_id in RUBRIC_IDS:
        layout = build_layout(rubric_set.get(rubric_id))
        path = out / f"{rubric_id}.docx"
        path.write_bytes(render_docx(layout))
        made[rubric_id] = WordForm(layout, path)
    star = rubric_set.get("star")
    person = Applicant(2, star, tuple(zip((h.id for h in star.applicant_fields), APPLICANT, strict=True)), "a@b.cn")
    layout = build_layout(star)
    path = out / f"{PERSONAL}.docx"
    path.write_bytes(render_docx(layout, person.values, person.roster_key))
    made[PERSONAL] = WordForm(layout, path, person.values, person.roster_key)
    return made


@pytest.fixture(scope="module")
def printed(forms: dict[str, WordForm], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(form, how it was saved) → LibreOffice's print of it."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out, profile = tmp_path_factory.mktemp("pagecode-print"), tmp_path_factory.mktemp("lo-profile")
    sources = {"original": {name: form.path for name, form in forms.items()}}
    for kind in SAVED_AS[1:]:
        folder = out / f"saved-{kind}"
        folder.mkdir()
        sources[kind] = {
            name: resave_with_libreoffice(form.path, folder, kind, profile) for name, form in forms.items()
        }
    result = {}
    for saved_as, files in sources.items():
        pdfs = print_with_libreoffice(files.values(), out / f"pdf-{saved_as}", profile)
        result |= {(name, saved_as): pdfs[path] for name, path in files.items()}
    return result


def px_to_mm(px: float) -> float:
    return px * MM_PER_INCH / DPI


def read_codes(pdf: Path) -> list[list[Found]]:
    """The QR codes on each page of ``pdf``, rasterised at :data:`DPI`."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=DPI / 72).to_pil()
            found = []
            for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                p = barcode.position
                xs = [px_to_mm(c.x) for c in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
                ys = [px_to_mm(c.y) for c in (p.top_left, p.top_right, p.bottom_left, p.bottom_right)]
                found.append(Found(barcode.text, (min(xs), min(ys), max(xs), max(ys))))
            pages.append(found)
        return pages
    finally:
        document.close()


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", FORMS)
def test_every_printed_page_carries_its_own_code_in_the_top_right_margin(
    name: str, saved_as: str, forms: dict[str, WordForm], printed: dict[tuple[str, str], Path]
) -> None:
    expected = forms[name].expected_codes()
    pages = read_codes(printed[name, saved_as])
    assert len(pages) == len(expected), "as many printed pages as the layout has"
    box = (CODE_BOX.x0_mm, CODE_BOX.top_mm, CODE_BOX.x1_mm, CODE_BOX.bottom_mm)
    for number, (found, code) in enumerate(zip(pages, expected, strict=True), start=1):
        ours = [f for f in found if f.code is not None]
        assert [f.code for f in ours] == [code], (saved_as, number, [f.text for f in found])
        assert ours[0].box_mm == pytest.approx(box, abs=POSITION_TOLERANCE_MM), (saved_as, number)


def caption_lines(page: pymupdf.Page) -> list[tuple[str, pymupdf.Rect, set[float]]]:
    """The text lines printed above the top margin: text (no spaces), box, font sizes."""
    margin = MARGIN_MM * POINTS_PER_MM
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            if line["bbox"][3] < margin:
                text = "".join(re.sub(r"\s+", "", span["text"]) for span in line["spans"])
                lines.append((text, pymupdf.Rect(line["bbox"]), {round(span["size"], 1) for span in line["spans"]}))
    return lines


@pytest.mark.parametrize("name", FORMS)
def test_caption_is_6_pt_right_aligned_beside_the_code_and_centred_on_it(
    name: str, forms: dict[str, WordForm], printed: dict[tuple[str, str], Path]
) -> None:
    codes = forms[name].expected_codes()
    with pymupdf.open(printed[name, "original"]) as document:
        for page, code in zip(document, codes, strict=True):
            lines = caption_lines(page)
            assert [text for text, _, _ in lines] == [re.sub(r"\s+", "", line) for line in code.caption()]
            assert all(sizes == {CAPTION_SIZE_PT} for _, _, sizes in lines)
            for _, rect, _ in lines:
                assert rect.x1 / POINTS_PER_MM == pytest.approx(CAPTION_RIGHT_MM, abs=0.5)
            middle = (lines[0][1].y0 + lines[-1][1].y1) / 2 / POINTS_PER_MM
            assert middle == pytest.approx((CODE_BOX.top_mm + CODE_BOX.bottom_mm) / 2, abs=1.0)


@pytest.mark.parametrize("saved_as", SAVED_AS)
@pytest.mark.parametrize("name", FORMS)
def test_the_header_leaves_the_body_at_the_top_margin(
    name: str, saved_as: str, forms: dict[str, WordForm], printed: dict[tuple[str, str], Path]
) -> None:
    """The title starts just below the margin; every later page's table right under its one-point paragraph."""
    margin = forms[name].layout.margin_mm
    with pymupdf.open(printed[name, saved_as]) as document:
        title_top = min(w[1] for w in document[0].get_text("words") if w[1] > margin * POINTS_PER_MM) / POINTS_PER_MM
        assert margin < title_top < margin + 2.5
        for page in list(document)[1:]:
            lines = [item for drawing in page.get_drawings() for item in drawing["items"] if item[0] == "l"]
            top = min(min(item[1].y, item[2].y) for item in lines) / POINTS_PER_MM
            assert top == pytest.approx(margin + HAIRLINE_MM, abs=0.3)


def anchors(header: _Header) -> list[etree._Element]:
    return list(header._element.iter(qn("wp:anchor")))


@pytest.mark.parametrize("name", FORMS)
def test_a_section_and_a_header_of_its_own_per_page(name: str, forms: dict[str, WordForm]) -> None:
    form = forms[name]
    document = docx.Document(str(form.path))
    sections, codes = document.sections, form.expected_codes()
    assert len(sections) == len(codes)
    headers = [section.header for section in sections]
    assert sections[0].different_first_page_header_footer, "page 1's code is its first-page header too"
    headers_and_codes = [*zip(headers, codes, strict=True), (sections[0].first_page_header, codes[0])]
    assert len({header.part.partname for header, _ in headers_and_codes}) == len(headers_and_codes)
    for section in sections[1:]:
        assert section.start_type == WD_SECTION.NEW_PAGE
        assert not section.different_first_page_header_footer
    for header, code in headers_and_codes:
        assert not header.is_linked_to_previous
        (paragraph,) = header.paragraphs
        assert paragraph.text.split("\n") == list(code.caption())
        (anchor,) = anchors(header)
        horizontal, vertical = anchor.find(qn("wp:positionH")), anchor.find(qn("wp:positionV"))
        assert horizontal.get("relativeFrom") == vertical.get("relativeFrom") == "page"
        offsets = (int(horizontal.find(qn("wp:posOffset")).text), int(vertical.find(qn("wp:posOffset")).text))
        assert offsets == (Mm(CODE_BOX.x0_mm), Mm(CODE_BOX.top_mm))
        extent = anchor.find(qn("wp:extent"))
        size = Mm(CODE_BOX.x1_mm - CODE_BOX.x0_mm)
        assert (int(extent.get("cx")), int(extent.get("cy"))) == (size, size)
        assert anchor.find(qn("wp:wrapNone")) is not None and anchor.get("behindDoc") == "0"
    ids = [anchor.find(qn("wp:docPr")).get("id") for header, _ in headers_and_codes for anchor in anchors(header)]
    assert len(set(ids)) == len(ids), "every picture's id is unique in the document"


@pytest.mark.parametrize("name", FORMS)
def test_the_body_holds_no_page_code(name: str, forms: dict[str, WordForm]) -> None:
    """What the Word reader reads (the body) says nothing of the codes: the captions are in the headers."""
    form = forms[name]
    with zipfile.ZipFile(form.path) as package:
        body = package.read("word/document.xml").decode("utf-8")
    for code in form.expected_codes():
        assert code.payload() not in body
        assert not [line for line in code.caption() if line in body]


@pytest.mark.parametrize("name", FORMS)
def test_the_picture_is_the_code_matrix_sharp_at_300_ppi_or_less(name: str, forms: dict[str, WordForm]) -> None:
    """The picture shows the very symbol the PDF writer draws, no quiet zone of its own, in black and
    white, whole pixels a module; its size at its resolution is the code's size."""
    for code in forms[name].expected_codes():
        matrix = code_matrix(code)
        image = Image.open(io.BytesIO(code_png(code)))
        width, height = image.size
        scale, rest = divmod(width, len(matrix))
        assert image.mode == "1" and width == height and rest == 0 and scale >= 4
        dark = [[image.getpixel((c * scale + scale // 2, r * scale + scale // 2)) == 0 for c in range(len(matrix))]
                for r in range(len(matrix))]  # fmt: skip
        assert dark == matrix.tolist()
        ppi = image.info["dpi"][0]
        assert ppi <= MAX_PPI and width / ppi * MM_PER_INCH == pytest.approx(CODE_SIZE_MM, abs=0.1)


@pytest.mark.parametrize("name", FORMS)
def test_libreoffice_prints_the_picture_pixel_for_pixel(
    name: str, forms: dict[str, WordForm], printed: dict[tuple[str, str], Path]
) -> None:
    """Not resampled (which would blur the modules' edges): the printed image is as wide as the picture."""
    widths = [Image.open(io.BytesIO(code_png(code))).size[0] for code in forms[name].expected_codes()]
    with pymupdf.open(printed[name, "original"]) as document:
        assert [[image["width"] for image in page.get_image_info()] for page in document] == [[w] for w in widths]


def test_building_twice_gives_identical_bytes(forms: dict[str, WordForm]) -> None:
    for form in forms.values():
        again = render_docx(form.layout, form.values, form.roster_key)
        assert again == render_docx(form.layout, form.values, form.roster_key) == form.path.read_bytes()
