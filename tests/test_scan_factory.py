"""The scan factory itself: sizes, seeds, where seals land and what colour, what the savers write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from generator.layout.form import PAGE_HEIGHT_MM, PAGE_WIDTH_MM
from generator.model.rubric import RubricSet
from tests.scan_factory import (
    DESK,
    SEAL_DIAMETER_MM,
    PxBox,
    bilevel,
    box_center,
    code_box_px,
    damage_code,
    distort,
    field_box_px,
    find_widget,
    foreign_image,
    make_filled_form,
    mm_to_px,
    phone_photo,
    render_pages,
    save_image_pdf,
    save_jpeg,
    save_png,
    save_tiff,
    seal_box_px,
    seal_widget,
    shuffle_pages,
    stamp_seal,
)

DPI = 100
APPLICANT = ["欧阳喆", "中国南方电网（广东）有限责任公司", "客户经理"]
SCORES = [9, 13, 14, 8, 7, 16, 12]


@pytest.fixture(scope="module")
def filled(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rubric = rubric_set.get("star")
    assert rubric is not None
    return make_filled_form(rubric, tmp_path_factory.mktemp("scan"), APPLICANT, SCORES, sum(SCORES))


@pytest.fixture(scope="module")
def pages(filled: Path) -> list[Image.Image]:
    return render_pages(filled, DPI)


@pytest.fixture(scope="module")
def seal_page(filled: Path, pages: list[Image.Image]) -> tuple[Image.Image, PxBox]:
    index = seal_widget(filled).page_index
    return pages[index], seal_box_px(filled, index, DPI)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def changed(before: Image.Image, after: Image.Image, by: int = 30) -> np.ndarray:
    """Where ``after`` differs from ``before`` by more than ``by`` (summed over the channels), as a boolean mask."""
    return np.abs(pixels(after) - pixels(before)).reshape(after.height, after.width, -1).sum(axis=2) > by


def ink(image: Image.Image, box: PxBox) -> int:
    """How many dark pixels the box holds."""
    return int((pixels(image.convert("L").crop(box)) < 128).sum())


def qr_texts(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


# --- Printing and finding fields ------------------------------------------------------------------


def test_pages_are_rgb_a4_at_the_resolution(pages: list[Image.Image]) -> None:
    assert len(pages) == 2
    for page in pages:
        assert page.mode == "RGB"
        assert abs(page.width - mm_to_px(PAGE_WIDTH_MM, DPI)) <= 1
        assert abs(page.height - mm_to_px(PAGE_HEIGHT_MM, DPI)) <= 1


def test_field_values_are_drawn_where_their_boxes_say(filled: Path, pages: list[Image.Image]) -> None:
    blank = render_pages(filled.with_name("star-blank.pdf").read_bytes(), DPI)
    for name in ("star-total", "star-applicant-name", "star-score-moral_character"):
        widget = find_widget(filled, name)
        box = field_box_px(filled, name, DPI)
        assert ink(pages[widget.page_index], box) > ink(blank[widget.page_index], box) + 20, name


def test_seal_box_is_the_seal_field_a_50_mm_square(filled: Path, pages: list[Image.Image]) -> None:
    widget = seal_widget(filled)
    box = seal_box_px(filled, widget.page_index, DPI)
    assert box == field_box_px(filled, "star-seal", DPI)
    assert widget.field_type == "/Sig"
    page = pages[widget.page_index]
    assert 0 <= box[0] < box[2] <= page.width and 0 <= box[1] < box[3] <= page.height
    assert abs((box[2] - box[0]) - mm_to_px(50, DPI)) <= 2 and abs((box[3] - box[1]) - mm_to_px(50, DPI)) <= 2
    with pytest.raises(LookupError):
        seal_box_px(filled, 1 - widget.page_index, DPI)
    with pytest.raises(LookupError):
        field_box_px(filled, "star-nothing", DPI)


# --- The seal --------------------------------------------------------------------------------------


def test_seal_is_red_inside_its_box_and_print_shows_through(seal_page: tuple[Image.Image, PxBox]) -> None:
    page, box = seal_page
    diameter = mm_to_px(SEAL_DIAMETER_MM, DPI)
    stamped = stamp_seal(page, box_center(box), diameter, seed=1, bottom_text="合同专用章")
    assert stamped.size == page.size and stamped.mode == "RGB"
    mask = changed(page, stamped)
    ys, xs = np.nonzero(mask)
    assert len(xs) > 0.1 * diameter**2
    assert box[0] <= xs.min() and xs.max() < box[2] and box[1] <= ys.min() and ys.max() < box[3]
    # On white paper the ink is stamp red; its strongest pixels come near the ink's own colour.
    on_white = changed(page, stamped, by=120) & (pixels(page.convert("L")) > 245)
    red = pixels(stamped)[on_white]
    assert (red[:, 0] > red[:, 1] + 60).mean() > 0.9
    strongest = red[red[:, 1] <= np.percentile(red[:, 1], 10)]
    r, g, b = np.median(strongest, axis=0)
    assert r >= 190 and g <= 90 and b <= 100


def test_seal_half_off_its_box_over_print(seal_page: tuple[Image.Image, PxBox]) -> None:
    page, box = seal_page
    center, diameter = (box[0], box_center(box)[1]), mm_to_px(SEAL_DIAMETER_MM, DPI)
    stamped = stamp_seal(page, center, diameter, seed=3)
    xs = np.nonzero(changed(page, stamped))[1]
    outside = (xs < box[0]).mean()
    assert 0.3 < outside < 0.7
    # The date line and the box's dashed edge lie under it and stay black: the ink multiplies, it does not cover.
    rows, columns = np.indices((page.height, page.width))
    disc = np.hypot(columns - center[0], rows - center[1]) < diameter / 2
    under = disc & (pixels(page.convert("L")) < 60)
    assert under.sum() > 20
    assert pixels(stamped.convert("L"))[under].max() < 90


def test_faint_seal_is_lighter_but_still_red(seal_page: tuple[Image.Image, PxBox]) -> None:
    page, box = seal_page
    diameter = mm_to_px(SEAL_DIAMETER_MM, DPI)
    strong = stamp_seal(page, box_center(box), diameter, seed=5)
    faint = stamp_seal(page, box_center(box), diameter, seed=5, faint=True)
    strong_mask, faint_mask = changed(page, strong), changed(page, faint)
    assert 0.2 * strong_mask.sum() < faint_mask.sum() < 0.8 * strong_mask.sum()
    faint_ink = pixels(faint)[changed(page, faint, by=60) & (pixels(page.convert("L")) > 245)]
    assert (faint_ink[:, 0] > faint_ink[:, 1] + 20).mean() > 0.9
    assert faint_ink[:, 1].mean() > pixels(strong)[strong_mask][:, 1].mean() + 30  # pinker: more green, less ink


def test_seal_is_deterministic_and_clipped_at_the_page_edge() -> None:
    paper = Image.new("RGB", (300, 200), "white")
    first = stamp_seal(paper, (20, 20), 160, seed=7)
    assert first.tobytes() == stamp_seal(paper, (20, 20), 160, seed=7).tobytes()
    assert first.tobytes() != stamp_seal(paper, (20, 20), 160, seed=8).tobytes()
    assert paper.getextrema() == ((255, 255),) * 3  # the argument is left alone
    grey = stamp_seal(paper.convert("L"), (150, 100), 160, seed=7)
    assert grey.mode == "L" and grey.getextrema()[0] < 200


# --- The page code ---------------------------------------------------------------------------------


def draw_qr(image: Image.Image, dpi: int, text: str) -> Image.Image:
    """A QR code drawn where the writers print the page code, whatever the writer does today."""
    import numpy as np
    import zxingcpp

    x0, y0, x1, _ = code_box_px(dpi)
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    matrix = (np.asarray(zxingcpp.write_barcode_to_image(symbol, add_quiet_zones=False)) < 128).tolist()
    module = (x1 - x0) / len(matrix)
    result = image.copy()
    draw = ImageDraw.Draw(result)
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                left, top = x0 + column * module, y0 + row * module
                draw.rectangle((left, top, left + module, top + module), fill="black")
    return result


def test_damaged_code_cannot_be_read() -> None:
    dpi = 150
    page = draw_qr(Image.new("RGB", (1240, 1754), "white"), dpi, "RF1:STAR:3C6D79D17585:1/2:P")
    assert qr_texts(page) == ["RF1:STAR:3C6D79D17585:1/2:P"]
    assert qr_texts(damage_code(page, dpi)) == []
    assert qr_texts(damage_code(page.convert("L"), dpi, seed=4)) == []


def test_damaged_code_of_the_form(filled: Path) -> None:
    dpi = 150
    page = render_pages(filled, dpi)[0]
    damaged = damage_code(page, dpi)
    assert changed(page.crop(code_box_px(dpi)), damaged.crop(code_box_px(dpi))).mean() > 0.2
    if qr_texts(page):  # the PDF writer prints the page code
        assert qr_texts(damaged) == []
        assert qr_texts(distort(damaged, rotate_deg=1.5, grey=True)) == []


# --- The scanner and the phone ---------------------------------------------------------------------


def test_distort_keeps_the_canvas_and_turns(pages: list[Image.Image]) -> None:
    page = pages[0]
    skewed = distort(page, rotate_deg=3.0, scale=0.97)
    assert skewed.size == page.size and skewed.mode == "RGB"
    assert skewed.getpixel((0, 0)) == (255, 255, 255)
    assert skewed.tobytes() != page.tobytes()
    assert distort(page, sideways=True).size == (page.height, page.width)
    assert distort(page, upside_down=True).tobytes() == page.transpose(Image.Transpose.ROTATE_180).tobytes()
    grey = distort(page, grey=True, rotate_deg=-1.0)
    assert grey.mode == "L" and grey.size == page.size


def test_distort_noise_is_seeded_gaussian() -> None:
    mid = Image.new("L", (400, 300), 128)
    noisy = distort(mid, noise=8.0, seed=1)
    assert noisy.tobytes() == distort(mid, noise=8.0, seed=1).tobytes()
    assert noisy.tobytes() != distort(mid, noise=8.0, seed=2).tobytes()
    values = pixels(noisy)
    assert abs(values.mean() - 128) < 0.5 and 7.5 < values.std() < 8.5
    colour = distort(Image.new("RGB", (50, 40), (128, 128, 128)), noise=5.0)
    assert colour.mode == "RGB" and pixels(colour).std() > 4


def test_phone_photo_has_a_desk_margin_and_is_seeded(pages: list[Image.Image]) -> None:
    page = pages[0]
    photo = phone_photo(page, seed=2)
    assert photo.mode == "RGB" and photo.width > page.width and photo.height > page.height
    corner = pixels(photo.crop((0, 0, 10, 10))).reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - np.array(DESK)).max() < 40
    assert photo.tobytes() == phone_photo(page, seed=2).tobytes()
    assert photo.tobytes() != phone_photo(page, seed=3).tobytes()


def test_foreign_images() -> None:
    for kind in ("shapes", "text"):
        image = foreign_image((600, 800), seed=1, kind=kind)
        assert image.size == (600, 800) and image.mode == "RGB"
        assert image.tobytes() == foreign_image((600, 800), seed=1, kind=kind).tobytes()
        assert len(image.getcolors(1 << 20) or []) > 2
        assert qr_texts(image) == []


# --- Files -------------------------------------------------------------------------------------------


def test_jpeg_and_png(pages: list[Image.Image], tmp_path: Path) -> None:
    with Image.open(save_jpeg(pages[0], tmp_path / "page.jpg", dpi=DPI)) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == pages[0].size
        assert round(jpeg.info["dpi"][0]) == DPI
    with Image.open(save_png(pages[0].convert("L"), tmp_path / "page.png")) as png:
        assert png.format == "PNG" and png.mode == "L"


@pytest.mark.parametrize("compression", ["lzw", "jpeg", "group4"])
def test_multi_page_tiff(pages: list[Image.Image], tmp_path: Path, compression: str) -> None:
    images = [pages[0], pages[1], distort(pages[0], grey=True)]
    path = save_tiff(images, tmp_path / "scan.tif", dpi=DPI, compression=compression)  # type: ignore[arg-type]
    with Image.open(path) as tiff:
        assert tiff.n_frames == 3
        expected = {"lzw": "tiff_lzw", "jpeg": "jpeg", "group4": "group4"}[compression]
        for frame in range(3):
            tiff.seek(frame)
            assert tiff.info["compression"] == expected
            assert tiff.size == images[frame].size
            assert round(tiff.info["dpi"][0]) == DPI
        if compression == "group4":
            assert tiff.mode == "1"


def test_image_pdf_has_only_images(pages: list[Image.Image], tmp_path: Path) -> None:
    images = [*pages, bilevel(pages[0])]
    path = save_image_pdf(images, tmp_path / "scan.pdf", DPI)
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    assert "/AcroForm" not in reader.trailer["/Root"]
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.3) < 2 and abs(float(page.mediabox.height) - 841.9) < 2
        assert len(page.images) == 1
        assert not page.get("/Annots")
        assert page.extract_text().strip() == ""
    for rendered, image in zip(render_pages(path, DPI), images, strict=True):  # PDFium rounds sizes up
        assert abs(rendered.width - image.width) <= 1 and abs(rendered.height - image.height) <= 1


def test_shuffle_pages() -> None:
    pages = list(range(6))
    shuffled = shuffle_pages(pages, seed=1)
    assert sorted(shuffled) == pages and shuffled != pages
    assert shuffled == shuffle_pages(pages, seed=1)
    assert all(shuffle_pages([1, 2], seed) == [2, 1] for seed in range(10))
    assert shuffle_pages([1], 0) == [1]
