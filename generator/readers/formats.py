"""What kind of file a return is, from its first bytes (the name only tells .doc from .wps).

PDF files start with ``%PDF-`` (within the first KB, as readers allow); a
.docx, .docm or .odt is a ZIP package, an OpenDocument text says so in its
first member (``mimetype``); .doc, .wps and password-protected Word files
are OLE compound files; RTF starts with ``{\\rtf``; scans and photos are JPEG,
PNG, TIFF, BMP or WebP images, each with its own signature.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["pdf", "docx", "odt", "doc", "wps", "rtf", "image", "heic", "empty", "unknown"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODF_TEXT = b"mimetypeapplication/vnd.oasis.opendocument.text"
CONVERTED: frozenset[Kind] = frozenset({"odt", "doc", "wps", "rtf"})
"""Kinds the Word reader reads only after LibreOffice has converted them to .docx."""
HEAD_BYTES = 1024
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"BM")
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1")
"""ISO base media brands of HEIC/HEIF photos (iPhones save photos so)."""

EMPTY = "文件是空的（0 字节），不是评分表。"
HEIC = (
    "这是苹果手机的 HEIC 格式照片，本工具无法读取；请在手机上把照片导出为 JPEG（“最兼容”格式）"
    "或用扫描件代替后重新发送。"
)
UNKNOWN = (
    "这既不是 PDF 表格、Word 文档，也不是扫描图片（文件开头没有 PDF、Word 或图片格式的标记），无法读取；"
    "请让申报人发送填写好的 PDF 或 Word 表格，或盖章表格的扫描件。"
)


def sniff(head: bytes, name: str = "") -> Kind:
    """The kind of a file from its first bytes (at least :data:`HEAD_BYTES` of them when it has them)."""
    if not head:
        return "empty"
    if b"%PDF-" in head[:HEAD_BYTES]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "odt" if head[30:].startswith(ODF_TEXT) else "docx"
    if head.startswith(OLE_MAGIC):
        return "wps" if name.lower().endswith(".wps") else "doc"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP"):
        return "image"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "heic"
    return "unknown"
