"""The original pages of a paper return, appended after its form: the seal evidence.

Each page is taken again from the file it was read from (``ScanEvidence.page_refs``):
a PDF page rendered by PDFium, or an image file's frame opened by Pillow within
the reader's pixel limit.  A page is turned upright by its page code (the
quarter turns only: its skew is kept, it is the original), brought down to
:data:`SCAN_DPI` on A4 and embedded as a JPEG, colour kept for the red of the
seal.  Each file is opened once for all its pages in the archive.  A page that
cannot be taken again (the file moved, or damaged since) gets a page saying so.

The page's QR page code is covered on the archive page by a white label (the
embedded image itself is left whole): an archive that finds its way among the
returns must not be read as paper applications a second time.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from generator.archive.document import CONTENT_BOTTOM, CONTENT_TOP, CONTENT_WIDTH, MARGIN, ArchiveCanvas, Band
from generator.archive.entries import Entry
from generator.readers.formats import HEAD_BYTES, sniff
from generator.readers.scan.raster import NO_PDF_PAGE, ScanFileError, image_pages, pdf_pages

SCAN_DPI = 150
JPEG_QUALITY = 60
A4_PX = (round(210 / 25.4 * SCAN_DPI), round(297 / 25.4 * SCAN_DPI))
CAPTION_SIZE = 9.0
GONE = "原件文件已不在原处（移动、改名或删除），无法附上这一页；请把扫描件放回原处后重新生成档案。"
UNREADABLE = "原件文件无法打开，无法附上这一页。"
NO_PAGE = "原件文件中没有这一页，无法附上。"

PageRef = tuple[str, int]


CODE_COVER = "二维码已遮盖"
CODE_PAD_MM = 1.5
Corners = list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class ScanImage:
    """One original page as a JPEG, or why it cannot be shown; ``code_box`` is where its page code is
    (x0, y0, x1, y1 in the image's pixels from its top-left corner), to cover on the page."""

    jpeg: bytes = b""
    width: int = 0
    height: int = 0
    problem: str = ""
    code_box: tuple[float, float, float, float] | None = None


def caption(ref: PageRef, index: int, count: int) -> str:
    source, number = ref
    return f"原件扫描页 {index}/{count}：{source} 第 {number} 页"


TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}


def upright(image: Image.Image) -> tuple[Image.Image, Corners]:
    """The page turned by quarter turns so that its page code is at the top right, as printed, and the
    corners of the code (grown by :data:`CODE_PAD_MM`) on the turned image; none when no code is found."""
    from generator.layout.pagecode import CODE_BOX
    from generator.readers.scan.pagemap import NoPageCode, map_page

    try:
        page = map_page(image)
    except NoPageCode:
        return image, []
    box, pad = CODE_BOX, CODE_PAD_MM
    x0, x1, y0, y1 = box.x0_mm - pad, box.x1_mm + pad, box.top_mm - pad, box.bottom_mm + pad
    corners = [page.to_px(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    w, h = image.size
    turned = {  # where a pixel lands once the image is turned counter-clockwise by PIL's transpose
        90: lambda x, y: (y, w - x),
        180: lambda x, y: (w - x, h - y),
        270: lambda x, y: (h - y, x),
    }
    if page.rotation not in TURNS:
        return image, corners
    move = turned[page.rotation]
    return image.transpose(TURNS[page.rotation]), [move(x, y) for x, y in corners]


def encode(image: Image.Image) -> ScanImage:
    image, corners = upright(image)
    full_width = image.width
    box = A4_PX if image.height >= image.width else A4_PX[::-1]
    if image.width > box[0] or image.height > box[1]:
        image = image.copy()
        image.thumbnail(box, Image.Resampling.BILINEAR)
    scale = image.width / full_width
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    code_box = None
    if corners:
        xs, ys = [x * scale for x, _ in corners], [y * scale for _, y in corners]
        code_box = (min(xs), min(ys), max(xs), max(ys))
    return ScanImage(out.getvalue(), image.width, image.height, code_box=code_box)


def _pdf_images(data: bytes, numbers: Sequence[int]) -> dict[int, ScanImage]:
    """The PDF's pages ``numbers`` rendered at :data:`SCAN_DPI` as the reader renders them
    (:func:`~generator.readers.scan.raster.pdf_pages`); a page that cannot be rendered or encoded says so."""
    wanted = sorted(n for n in set(numbers) if n >= 1)
    found: dict[int, ScanImage] = {}
    try:
        for page in pdf_pages(data, [n - 1 for n in wanted], dpi=SCAN_DPI):
            if page.image is not None:
                found[page.number] = _encoded(page.image)
            else:
                found[page.number] = ScanImage(problem=NO_PAGE if page.problem == NO_PDF_PAGE else UNREADABLE)
    except ScanFileError:
        return dict.fromkeys(numbers, ScanImage(problem=UNREADABLE))
    except Exception:  # whatever else PDFium raises: the pages not taken yet cannot be shown
        pass
    return {n: found.get(n, ScanImage(problem=NO_PAGE if n < 1 else UNREADABLE)) for n in numbers}


def _image_frames(data: bytes, numbers: Sequence[int]) -> dict[int, ScanImage]:
    wanted, found = set(numbers), {}
    try:
        for page in image_pages(data):
            if page.number in wanted:
                found[page.number] = _encoded(page.image) if page.image is not None else ScanImage(problem=page.problem)
            if page.number >= max(wanted):
                break
    except ScanFileError:
        return dict.fromkeys(numbers, ScanImage(problem=UNREADABLE))
    except Exception:  # raster keeps a frame's failure to its page; should anything escape, keep what was taken
        pass
    return {n: found.get(n, ScanImage(problem=NO_PAGE)) for n in numbers}


def _encoded(image: Image.Image) -> ScanImage:
    try:
        return encode(image)
    except Exception:  # no memory left, a code the reader mis-reads: the page says it cannot be shown
        return ScanImage(problem=UNREADABLE)


def load_scans(entries: Sequence[Entry]) -> dict[PageRef, ScanImage]:
    """Every original page the archive shows, each file opened once."""
    by_file: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        for source, number in entry.scan_pages:
            if number not in by_file[source]:
                by_file[source].append(number)
    images: dict[PageRef, ScanImage] = {}
    for source, numbers in by_file.items():
        try:
            data = Path(source).read_bytes()
        except OSError:
            images |= {(source, n): ScanImage(problem=GONE) for n in numbers}
            continue
        is_pdf = sniff(data[:HEAD_BYTES], source) == "pdf"  # as the reader told it: %PDF- within the first KB
        pages = _pdf_images(data, numbers) if is_pdf else _image_frames(data, numbers)
        images |= {(source, n): image for n, image in pages.items()}
    return images


def draw_scans(doc: ArchiveCanvas, entry: Entry, band: Band, images: dict[PageRef, ScanImage], first: int) -> int:
    """The application's original pages, one per page, labelled from ``first``; returns how many."""
    refs = entry.scan_pages
    for index, ref in enumerate(refs, start=1):
        doc.band(band, f"{entry.label_prefix}{first + index - 1}")
        top = CONTENT_TOP
        doc.text(MARGIN, top - CAPTION_SIZE, caption(ref, index, len(refs)), CAPTION_SIZE, fit=CONTENT_WIDTH)
        top -= CAPTION_SIZE + 3 * mm
        image = images.get(ref, ScanImage(problem=GONE))
        if image.problem:
            doc.paragraph(MARGIN, top - 10 * mm, image.problem, CONTENT_WIDTH, 12)
        else:
            _place(doc, image, top)
        doc.end_page()
    return len(refs)


def _place(doc: ArchiveCanvas, image: ScanImage, top: float) -> None:
    """The image as large as fits under ``top``, centred, with a thin frame."""
    room_w, room_h = CONTENT_WIDTH, top - CONTENT_BOTTOM
    scale = min(room_w / image.width, room_h / image.height)
    width, height = image.width * scale, image.height * scale
    x, y = MARGIN + (room_w - width) / 2, top - height
    doc.canvas.drawImage(ImageReader(io.BytesIO(image.jpeg)), x, y, width, height)
    canvas = doc.canvas
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, width, height)
    if image.code_box is not None:
        x0, y0, x1, y1 = image.code_box
        left, right = x + max(0.0, x0) * scale, x + min(image.width, x1) * scale
        top, bottom = y + height - max(0.0, y0) * scale, y + height - min(image.height, y1) * scale
        canvas.setFillGray(1)
        canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=1)
        canvas.restoreState()
        size = min(7.0, (right - left) / len(CODE_COVER) * 0.95)
        doc.text((left + right) / 2, (top + bottom) / 2 - size / 3, CODE_COVER, size, "center", grey=0.5)
        return
    canvas.restoreState()


def scan_texts(entry: Entry) -> list[str]:
    refs = entry.scan_pages
    captions = [caption(ref, index, len(refs)) for index, ref in enumerate(refs, start=1)]
    return [*captions, GONE, UNREADABLE, NO_PAGE, CODE_COVER]
