"""A scan file's pages as images, each bounded in pixels, the file in pages.

Images (JPEG, PNG, TIFF with any number of pages, BMP, WebP) are opened with
Pillow, which reads a file's size from its header before decoding: a page
over :data:`MAX_PIXELS` is refused before any pixel is decoded
(decompression bombs).  A PDF's pages are rendered with PDFium (pypdfium2)
at :data:`RENDER_DPI`, lower for a page whose paper is larger than A3.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageSequence

if TYPE_CHECKING:
    import pypdfium2 as pdfium

MAX_PIXELS = 80_000_000
"""The largest page image decoded: an A4 page at 1200 dpi, or a 80-megapixel photo."""
MAX_PAGES = 300
"""Pages read from one scan file; the rest are reported, not read."""
RENDER_DPI = 200
RENDER_MAX_PIXELS = 20_000_000


class ScanFileError(Exception):
    """A scan file that cannot be opened at all; the message is one Chinese sentence."""


@dataclass(frozen=True, slots=True)
class PageImage:
    """Page ``number`` (1-based) of a scan file: its image, or the problem that kept it from being read."""

    number: int
    image: Image.Image | None = None
    problem: str = ""


def too_big(width: int, height: int) -> str:
    return f"图片过大（{width}×{height} 像素），超过单页 {MAX_PIXELS // 1_000_000} 百万像素的上限，未读取。"


def image_pages(data: bytes) -> Iterator[PageImage]:
    """The pages of an image file; raises :class:`ScanFileError` when it cannot be opened."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ScanFileError(f"图片过大，超过单页 {MAX_PIXELS // 1_000_000} 百万像素的上限，未读取。") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ScanFileError("图片文件已损坏或格式不受支持，无法打开。") from exc
    with image:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > MAX_PAGES:
                yield PageImage(number, problem=more_pages_problem(number))
                return
            yield _decoded(number, frame)


def _decoded(number: int, frame: Image.Image) -> PageImage:
    width, height = frame.size
    if width * height > MAX_PIXELS:
        return PageImage(number, problem=too_big(width, height))
    try:
        return PageImage(number, frame.convert("RGB"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return PageImage(number, problem="图片数据不完整或已损坏（可能传输中断），无法读取这一页。")


def more_pages_problem(first_unread: int) -> str:
    return f"扫描件超过 {MAX_PAGES} 页，从第 {first_unread} 页起未读取；请把扫描件拆分成多个文件后再读取。"


def pdf_pages(data: bytes, only: range | None = None) -> Iterator[PageImage]:
    """The pages of a PDF (``only`` those, 0-based, when given) rendered by PDFium; raises
    :class:`ScanFileError` when PDFium cannot open it."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ScanFileError("PDF 文件已损坏，无法打开其页面。") from exc
    try:
        for index in only if only is not None else range(len(document)):
            if index >= MAX_PAGES:
                yield PageImage(index + 1, problem=more_pages_problem(index + 1))
                return
            yield _rendered(document, index)
    finally:
        document.close()


def _rendered(document: pdfium.PdfDocument, index: int) -> PageImage:
    import pypdfium2 as pdfium

    try:
        page = document[index]
    except pdfium.PdfiumError:
        return PageImage(index + 1, problem="这一页无法打开（页面数据损坏）。")
    try:
        width, height = page.get_size()
        scale = RENDER_DPI / 72
        pixels = width * scale * height * scale
        if pixels > RENDER_MAX_PIXELS:
            scale *= (RENDER_MAX_PIXELS / pixels) ** 0.5 * 0.995  # PDFium rounds sizes up
        if width * scale < 50 or height * scale < 50:
            return PageImage(index + 1, problem="这一页的页面尺寸异常，无法作为扫描页读取。")
        return PageImage(index + 1, page.render(scale=scale).to_pil().convert("RGB"))
    except pdfium.PdfiumError:
        return PageImage(index + 1, problem="这一页无法渲染（页面内容损坏）。")
    finally:
        page.close()
