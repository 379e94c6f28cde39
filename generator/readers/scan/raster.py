"""A scan file's pages as images, each bounded in pixels, the file in pages.

Images (JPEG, PNG, TIFF with any number of pages, BMP, WebP) are opened with
Pillow, which reads a file's size from its header before decoding: a page
over :data:`MAX_PIXELS` is refused before any pixel is decoded
(decompression bombs).  The check is made here, page by page; Pillow's own
process-wide ``Image.MAX_IMAGE_PIXELS`` is left as it is (its error, at
twice its default, stays a backstop).  A large JPEG photo is decoded at
half, a quarter or an eighth of its size (libjpeg's scaled decoding) to at
most :data:`DRAFT_PIXELS`.  A PDF's pages are rendered with PDFium
(pypdfium2) at :data:`RENDER_DPI`, lower for a page whose paper is larger
than A3 (:func:`render_scale`).

Anything that goes wrong with one page — a frame cut short, a decoder's
error, running out of memory — is that page's problem; the pages before it
are kept.  Only a file that cannot be opened at all raises
:class:`ScanFileError`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import pypdfium2 as pdfium

MAX_PIXELS = 60_000_000
"""The largest page image decoded: an A4 page at about 780 dpi.  Measured in a worker limited to 1 GB of
address space: a 60-megapixel CMYK TIFF (the costliest: decoded, then converted to RGB) peaks at 830 MB,
an RGB PNG at 580 MB."""
DRAFT_PIXELS = 25_000_000
"""A JPEG over this is decoded reduced to at most this: still about 500 dpi on an A4 page."""
MAX_JPEG_PIXELS = 4 * DRAFT_PIXELS
"""The largest JPEG read: a 100-megapixel photo, decoded at half size."""
MAX_PAGES = 300
"""Pages read from one scan file; the rest are reported, not read."""
RENDER_DPI = 200
RENDER_MAX_PIXELS = 20_000_000
"""The largest image a PDF page is rendered to; a larger paper is rendered at a lower resolution."""
PDFIUM_ROUNDING = 0.995
"""PDFium rounds a rendered page's size up: a scale this much under the exact one keeps it under the cap."""
MIN_PAGE_PX = 50
"""A rendered page narrower or lower than this is no scanned page (a PDF's empty or broken page box)."""

NO_PDF_PAGE = "PDF 文件中没有这一页。"
DAMAGED = "图片数据不完整或已损坏（可能传输中断），无法读取这一页。"
DAMAGED_FRAME = "这一页的图片数据不完整或已损坏（可能文件被截断），无法读取这一页及其后各页。"


class ScanFileError(Exception):
    """A scan file that cannot be opened at all; the message is one Chinese sentence."""


@dataclass(frozen=True, slots=True)
class PageImage:
    """Page ``number`` (1-based) of a scan file: its image (RGB), or the problem that kept it from being read.

    The image of an image file's page may be the file's own frame: use it before asking for the next page.
    """

    number: int
    image: Image.Image | None = None
    problem: str = ""


def too_big(width: int, height: int, limit: int = MAX_PIXELS) -> str:
    return f"图片过大（{width}×{height} 像素），超过单页 {limit // 1_000_000} 百万像素的上限，未读取。"


def _opened(data: bytes) -> Image.Image:
    """The image file opened (its header read, no pixel decoded); raises :class:`ScanFileError`."""
    try:
        with warnings.catch_warnings():  # sizes are checked page by page against MAX_PIXELS
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ScanFileError(f"图片过大，超过单页 {MAX_PIXELS // 1_000_000} 百万像素的上限，未读取。") from exc
    except Exception as exc:  # any decoder's error on a damaged header
        raise ScanFileError("图片文件已损坏或格式不受支持，无法打开。") from exc


def image_pages(data: bytes) -> Iterator[PageImage]:
    """The pages of an image file; raises :class:`ScanFileError` when it cannot be opened."""
    image = _opened(data)
    with image:
        for number in range(1, MAX_PAGES + 2):
            if number > MAX_PAGES:
                if _has_frame(image, number):
                    yield PageImage(number, problem=more_pages_problem(number))
                return
            if number > 1:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                        image.seek(number - 1)
                except EOFError:
                    return
                except Exception:  # a frame cut short: its header is unreadable, and so is everything after it
                    yield PageImage(number, problem=DAMAGED_FRAME)
                    return
            yield _decoded(number, image)


def _has_frame(image: Image.Image, number: int) -> bool:
    try:
        image.seek(number - 1)
    except Exception:  # the end, or a damaged frame: either way nothing more is read
        return False
    return True


def _decoded(number: int, frame: Image.Image) -> PageImage:
    """The frame decoded as RGB (a large JPEG at reduced size), or its problem."""
    width, height = frame.size
    jpeg = frame.format == "JPEG"
    if width * height > (MAX_JPEG_PIXELS if jpeg else MAX_PIXELS):
        return PageImage(number, problem=too_big(width, height, MAX_JPEG_PIXELS if jpeg else MAX_PIXELS))
    try:
        if jpeg and width * height > DRAFT_PIXELS:
            factor = next(f for f in (2, 4, 8) if width * height <= DRAFT_PIXELS * f * f)
            frame.draft("RGB", (width // factor, height // factor))
        frame.load()
        return PageImage(number, frame if frame.mode == "RGB" else frame.convert("RGB"))
    except Exception:  # a truncated stream, a decoder's error, no memory left: this page only
        return PageImage(number, problem=DAMAGED)


def more_pages_problem(first_unread: int) -> str:
    return f"扫描件超过 {MAX_PAGES} 页，从第 {first_unread} 页起未读取；请把扫描件拆分成多个文件后再读取。"


def render_scale(width_pt: float, height_pt: float, dpi: float) -> float:
    """The PDFium scale rendering a page of ``width_pt`` × ``height_pt`` points at ``dpi``, lowered so that
    the image stays within :data:`RENDER_MAX_PIXELS`."""
    scale = dpi / 72
    pixels = width_pt * scale * height_pt * scale
    if pixels > RENDER_MAX_PIXELS:
        scale *= (RENDER_MAX_PIXELS / pixels) ** 0.5 * PDFIUM_ROUNDING
    return scale


def pdf_pages(data: bytes, only: Iterable[int] | None = None, dpi: float = RENDER_DPI) -> Iterator[PageImage]:
    """The pages of a PDF (``only`` those, 0-based, when given) rendered by PDFium at ``dpi``; raises
    :class:`ScanFileError` when PDFium cannot open it."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
        count = len(document)
    except Exception as exc:  # PdfiumError, or anything else PDFium's binding raises on a broken file
        raise ScanFileError("PDF 文件已损坏，无法打开其页面。") from exc
    try:
        for index in only if only is not None else range(count):
            if index >= MAX_PAGES:
                yield PageImage(index + 1, problem=more_pages_problem(index + 1))
                return
            if not 0 <= index < count:
                yield PageImage(index + 1, problem=NO_PDF_PAGE)
                continue
            yield _rendered(document, index, dpi)
    finally:
        document.close()


def _rendered(document: pdfium.PdfDocument, index: int, dpi: float) -> PageImage:
    try:
        page = document[index]
    except Exception:
        return PageImage(index + 1, problem="这一页无法打开（页面数据损坏）。")
    try:
        width, height = page.get_size()
        scale = render_scale(width, height, dpi)
        if width * scale < MIN_PAGE_PX or height * scale < MIN_PAGE_PX:
            return PageImage(index + 1, problem="这一页的页面尺寸异常，无法作为扫描页读取。")
        image = page.render(scale=scale).to_pil()
        return PageImage(index + 1, image if image.mode == "RGB" else image.convert("RGB"))
    except Exception:  # PdfiumError, or no memory left for the bitmap
        return PageImage(index + 1, problem="这一页无法渲染（页面内容损坏）。")
    finally:
        page.close()
