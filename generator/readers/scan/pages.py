"""One scan file read page by page: each page's code, rotation, crops of its boxes and, on a last page, the seal.

The result of a file is a :class:`ScannedFile`; which pages make up which
application is decided for the whole batch afterwards (:mod:`.assemble`),
since one application may be split over files and one file may hold many.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image

from generator.layout.form import build_layout
from generator.layout.geometry import FieldBox, FormGeometry, form_geometry
from generator.model.pagecode import PageCode
from generator.model.rubric import Rubric, RubricSet
from generator.readers.limits import time_is_up
from generator.readers.results import Crop, CropKind, FormResult, SealState
from generator.readers.scan.pagemap import NoPageCode, PageMap, map_page
from generator.readers.scan.raster import PageImage, ScanFileError, image_pages, pdf_pages
from generator.readers.scan.seal import measure_seal

CROP_PX_PER_MM = 4.0
CROP_PAD_MM = 2.5
THUMB_WIDTH = 240
JPEG_QUALITY = 72
GIVE_UP_PAGES = 10
GIVE_UP = f"前 {GIVE_UP_PAGES} 页都没有表格页码二维码，这不像是评分表的扫描件；其余页未读取。"
PAGE_FAILED = "读取这一页时出错（图片可能过大、超出内存上限或数据异常），这一页未读取；请重新扫描这一页后再读取。"


def out_of_time(first_unread: int) -> str:
    return f"读取时限已到，从第 {first_unread} 页起未读取；请把扫描件拆分成多个文件，或用 --timeout 放宽时限后再读取。"


@dataclass(frozen=True, slots=True)
class PageReading:
    """Page ``number`` of a scan file: its code, how it lay on the glass, its crops and seal; or its problem."""

    number: int
    code: PageCode | None = None
    problem: str = ""
    rotation: int = 0
    skew: float = 0.0
    dpi: float = 0.0
    crops: tuple[Crop, ...] = ()
    seal: SealState | None = None
    red_mm2: float = 0.0
    colour: bool = True
    seal_crop: Crop | None = None
    thumbnail: Crop | None = None


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """A scan file's pages as read; ``digest`` names the file's content (for application ids).

    ``form`` is the result of the fillable form a PDF also holds, when the scanned pages were
    appended to a filled form (their seal then belongs to it).
    """

    source: str
    digest: str
    pages: tuple[PageReading, ...] = ()
    problem: str = ""
    form: FormResult | None = None


def jpeg_crop(image: Image.Image, name: str, label: str, grey: bool = True, kind: CropKind = "field") -> Crop:
    out = io.BytesIO()
    (image.convert("L") if grey else image.convert("RGB")).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Crop(name, label, out.getvalue(), image.width, image.height, kind)


def thumbnail(image: Image.Image, number: int) -> Crop:
    """The page small, for the report; averaged down by a whole factor first, not copied at full size."""
    factor = max(1, min(image.width // THUMB_WIDTH, image.height // (THUMB_WIDTH * 2)))
    small = image.reduce(factor)
    small.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    return jpeg_crop(small, f"page-{number}", f"第 {number} 页", grey=False, kind="page")


@lru_cache(maxsize=16)
def _geometry(rubric: Rubric) -> FormGeometry:
    return form_geometry(build_layout(rubric))


def _field_crops(image: Image.Image, page: PageMap, boxes: tuple[FieldBox, ...]) -> tuple[Crop, ...]:
    shown = [b for b in boxes if b.field.kind not in ("seal", "roster_key")]
    return tuple(
        jpeg_crop(page.crop(image, b.box, CROP_PAD_MM, CROP_PX_PER_MM), b.field.name, b.field.label) for b in shown
    )


def read_page(image: Image.Image, number: int, rubrics: RubricSet) -> PageReading:
    """Read one page image: find its code, then crop its boxes and, on its form's last page, measure the seal."""
    try:
        page = map_page(image)
    except NoPageCode as exc:
        return PageReading(number, problem=str(exc), thumbnail=thumbnail(image, number))
    code = page.code
    reading = PageReading(number, code=code, rotation=page.rotation, skew=page.skew, dpi=page.dpi)
    rubric = rubrics.get(code.rubric_id)
    if rubric is None:
        problem = f"这一页的二维码指向评分表“{code.rubric_id}”，当前评分标准文件中没有这份评分表。"
        return replace(reading, problem=problem, thumbnail=thumbnail(image, number))
    geometry = _geometry(rubric)
    if code.pages != geometry.page_count:  # another version of the form: its boxes are elsewhere
        return replace(reading, thumbnail=thumbnail(image, number))
    reading = replace(reading, crops=_field_crops(image, page, geometry.on_page(code.page - 1)))
    if code.page != code.pages:
        return reading
    seal = measure_seal(image, page, geometry.seal_area().box)
    seal_crop = jpeg_crop(seal.crop, "seal", "盖章处", grey=False, kind="seal")
    return replace(reading, seal=seal.state, red_mm2=seal.red_mm2, colour=seal.colour, seal_crop=seal_crop)


def read_scan(
    data: bytes, source: str, rubrics: RubricSet, pdf: bool, only: range | None = None, form: FormResult | None = None
) -> ScannedFile:
    """Read every page of a scan file (a PDF of page images when ``pdf``, else an image file); of a PDF
    holding a filled ``form``, read ``only`` its other pages."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    pages: list[PageReading] = []
    try:
        pages.extend(_readings(pdf_pages(data, only) if pdf else image_pages(data), rubrics))
    except ScanFileError as exc:  # the file cannot be opened at all
        return ScannedFile(source, digest, problem=str(exc), form=form)
    except Exception:  # raster keeps a page's failure to the page; should anything else escape, keep what was read
        pages.append(PageReading(pages[-1].number + 1 if pages else 1, problem=PAGE_FAILED))
    return ScannedFile(source, digest, tuple(pages), form=form)


def _readings(pages: Iterator[PageImage], rubrics: RubricSet) -> Iterator[PageReading]:
    """Each page read in turn; a file whose first :data:`GIVE_UP_PAGES` pages carry no code is left there."""
    found = False
    for page in pages:
        if time_is_up():
            yield PageReading(page.number, problem=out_of_time(page.number))
            return
        if page.image is None:
            yield PageReading(page.number, problem=page.problem)
            continue
        try:
            reading = read_page(page.image, page.number, rubrics)
        except Exception:  # zxing-cpp's TypeError when out of memory, a decoder's error mid-page, …
            reading = PageReading(page.number, problem=PAGE_FAILED)
        found = found or reading.code is not None
        yield reading
        if not found and page.number >= GIVE_UP_PAGES:
            yield PageReading(page.number + 1, problem=GIVE_UP)
            return
