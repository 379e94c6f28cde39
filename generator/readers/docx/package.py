"""The container layer of the Word reader: the few parts of a returned .docx/.docm it needs, read safely.

A .docx is a zip of XML parts.  Only these are read: the body
(``word/document.xml``, required), the custom and core document properties,
the settings and ``[Content_Types].xml`` (to tell a macro-enabled .docm; its
macros are never run, nor even read).  Everything else — images, fonts,
embedded objects — is never inflated, so a 50 MB file with a small body opens
at once.

The zip is not trusted:

- the central directory is bounded before :mod:`zipfile` parses it, and so is
  the number of entries;
- each needed member goes through a capped reader: refused when it declares
  more than its cap, and, since declared sizes may lie, refused as soon as it
  has produced more than its cap or, past a few megabytes, inflates more than
  a hundred times the compressed bytes it consumed; so a zip bomb costs at
  most a part's cap (16 MB for the body) of memory and a fraction of a second;
- only the two compression methods Word writes (stored, deflate) are
  inflated, and an encrypted member is refused, never guessed at.

:func:`parse_xml` parses one part with entity resolution, DTD loading and
network access off, and refuses any DOCTYPE (Word never writes one) before
parsing; after parsing it checks again, whatever encoding the part claims.

Other word-processor formats are recognised by their bytes: an OLE compound
file holding an ``EncryptedPackage`` stream is a password-protected .docx
(:data:`ENCRYPTED`); one holding a Word 97–2003 or WPS document, an
OpenDocument text and an RTF file raise :class:`NeedsConversion` so that the
caller can have LibreOffice convert them.  Every failure is
:class:`~generator.readers.results.UnreadableForm` with one Chinese sentence.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, NoReturn, get_args

import olefile  # type: ignore[import-untyped]  # olefile ships no type information
from lxml import etree

from generator.readers.results import TOO_BIG, UnreadableForm

PartName = Literal["word/document.xml", "docProps/custom.xml", "docProps/core.xml", "word/settings.xml"]
DOCUMENT: Final = "word/document.xml"
CONTENT_TYPES: Final = "[Content_Types].xml"
ODF_MIMETYPE: Final = "mimetype"
ODF_MANIFEST: Final = "META-INF/manifest.xml"

MB: Final = 1024 * 1024
DOCUMENT_CAP: Final = 16 * MB
"""At most this many bytes of the body are ever inflated (a long filled form is well under 2 MB)."""
SMALL_PART_CAP: Final = 1 * MB
"""At most this many bytes of each other part read (properties, settings, content types, an ODF manifest)."""
MIMETYPE_CAP: Final = 256
MAX_RATIO: Final = 100
"""A member inflating more than this many times the compressed bytes it consumed is a bomb..."""
RATIO_FLOOR: Final = 4 * MB
"""... once it has produced more than this (small parts of repetitive XML may compress better)."""
READ_CHUNK: Final = 32 * 1024
MAX_ENTRIES: Final = 10_000
"""A .docx holds tens of entries, hundreds with many images."""
MAX_CENTRAL_DIRECTORY: Final = 2 * MB
"""Bounds what :mod:`zipfile` builds before any entry can be counted (at least 46 bytes an entry)."""

OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_LOCAL_HEADER: Final = b"PK\x03\x04"
ZIP_END: Final = b"PK\x05\x06"
ZIP64_END: Final = b"PK\x06\x06"
ZIP64_LOCATOR: Final = b"PK\x06\x07"
WORD_FIB_IDENTS: Final = (0xA5EC, 0xA5DC)  # Word 97–2003 (and WPS), Word 6/95
FIB_ENCRYPTED: Final = 0x0100
ODF_TEXT: Final = "application/vnd.oasis.opendocument.text"
ODF_PREFIX: Final = "application/vnd.oasis.opendocument."
ODF_MANIFEST_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
CONTENT_TYPES_NS: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
LIBXML_RESOURCE_LIMIT: Final = 114
"""libxml2's XML_ERR_RESOURCE_LIMIT (``etree.ErrorTypes.ERR_RESOURCE_LIMIT``, missing from lxml-stubs)."""

RESEND = "请让申报人用 Word 或 WPS 另存为 .docx 后重新发送。"
RESAVE = "请让申报人用 Word 或 WPS 重新保存后发送。"
MALICIOUS = "这不是正常的评分表，可能是损坏或恶意的文件。"

EMPTY = "文件是空的（0 字节），不是 Word 文档；请让申报人重新发送。"
NOT_WORD = f"这不是有效的 Word 文档（无法作为 .docx 打开）；{RESEND}"
ENCRYPTED = "文档设置了密码，无法读取；请让申报人取消密码后重新发送。"
ENCRYPTED_MEMBER = "文档内部的部分内容被加密（压缩包密码），无法读取；请让申报人发送未加密的 Word 文档。"
DAMAGED = "Word 文档已损坏（可能下载或传送不完整），无法读取；请让申报人重新发送。"
OLE_DAMAGED = "文件看起来是旧格式的 Office 文档（.doc/.wps），但已损坏，无法读取；请让申报人重新发送。"
NOT_WORD_OLE = "这是旧格式的 Excel、PowerPoint 或 Outlook 邮件文件，不是 Word 文档；请让申报人发送填写好的 Word 表格。"
NOT_WORD_ODF = "这是 OpenDocument 表格、演示文稿或绘图文件，不是 Word 文档；请让申报人发送填写好的 Word 表格。"
BOMB = f"文档解压后的内容超出安全上限（可能是压缩炸弹），已停止读取；{MALICIOUS}"
TOO_MANY_ENTRIES = f"文档内部包含的文件数量超出安全上限，已停止读取；{MALICIOUS}"
UNSUPPORTED_COMPRESSION = f"文档使用了 Word 不会使用的压缩方式，无法读取；{RESEND}"
MISSING_BODY = f"文档中没有正文部分 word/document.xml，不是有效的 Word 文档；{RESEND}"
DUPLICATE_PART = "文档内部有两个同名的 {part} 部分，Word 不会这样保存，可能是损坏或恶意的文件；" + RESAVE
DOCTYPE_DECLARED = "文档的 {part} 部分含有 DOCTYPE 声明（Word 从不写入），可能是恶意文件，已拒绝读取；" + RESAVE
UNEXPECTED_ENCODING = "文档的 {part} 部分使用了 Word 不会使用的字符编码，已拒绝读取；" + RESAVE
INVALID_XML = "文档的 {part} 部分不是有效的 XML，文档已损坏；" + RESAVE
XML_LIMITS = "文档的 {part} 部分超出解析的安全上限（嵌套过深、单段文字过长或实体展开过多），已停止读取；" + MALICIOUS

ConversionKind = Literal["doc", "odt", "rtf"]
CONVERT = (
    "需要先转换为 .docx 才能读取；请安装 LibreOffice 以便自动转换，或让申报人用 Word 或 WPS 另存为 .docx 后重新发送。"
)
CONVERSION_MESSAGES: Final[Mapping[ConversionKind, str]] = MappingProxyType(
    {
        "doc": f"这是旧格式的 Word/WPS 文档（.doc/.wps），{CONVERT}",
        "odt": f"这是 OpenDocument 文本文档（.odt），{CONVERT}",
        "rtf": f"这是 RTF 格式的文档，{CONVERT}",
    }
)


class NeedsConversion(UnreadableForm):
    """A word-processor file in a format this reader does not parse, which LibreOffice can convert to .docx.

    ``kind`` names the format: ``"doc"`` (Word 97–2003 or WPS), ``"odt"`` or
    ``"rtf"``; :attr:`suffix` is the file suffix a converter expects.  The
    message says what the file is and what to do when it cannot be converted.
    """

    def __init__(self, kind: ConversionKind) -> None:
        super().__init__(CONVERSION_MESSAGES[kind])
        self.kind: ConversionKind = kind

    def __reduce__(self) -> tuple[type[NeedsConversion], tuple[ConversionKind]]:
        return type(self), (self.kind,)  # crosses process boundaries intact

    @property
    def suffix(self) -> str:
        return f".{self.kind}"


@dataclass(frozen=True, slots=True)
class WordPackage:
    """The parts of a Word file the reader needs, as bytes, and whether it is macro-enabled.

    ``is_macro_enabled`` marks a .docm (or .dotm): its values are read like
    any other's, its macros never run.
    """

    parts: Mapping[str, bytes] = field(hash=False)
    is_macro_enabled: bool = False

    def part(self, name: PartName) -> bytes | None:
        """The bytes of one of the parts read, ``None`` when the file has none (the body is always there)."""
        if name not in get_args(PartName):
            raise ValueError(f"{name!r} is not one of the parts the Word reader reads")
        return self.parts.get(name)

    @property
    def document(self) -> bytes:
        return self.parts[DOCUMENT]


def open_word_package(data: bytes) -> WordPackage:
    """The parts the reader needs from a .docx/.docm file's bytes; raises :class:`UnreadableForm`.

    Raises :class:`NeedsConversion` for a Word 97–2003/WPS document, an
    OpenDocument text and an RTF file.
    """
    if not data:
        raise UnreadableForm(EMPTY)
    if data.startswith(OLE_MAGIC):
        _refuse_compound_file(data)
    if data[:16].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise NeedsConversion("rtf")
    with _guarded_zip():
        archive = _Archive(data)
        if not archive.has(DOCUMENT):
            _refuse_other_package(archive)
        parts = {
            name: archive.read(name, DOCUMENT_CAP if name == DOCUMENT else SMALL_PART_CAP)
            for name in get_args(PartName)
        }
        found = {name: value for name, value in parts.items() if value is not None}
        return WordPackage(found, _macro_enabled(archive))


@contextmanager
def _guarded_zip() -> Iterator[None]:
    """Whatever else a malformed zip makes :mod:`zipfile` or zlib raise is a damaged file."""
    try:
        yield
    except UnreadableForm:
        raise
    except MemoryError as exc:
        raise UnreadableForm(TOO_BIG) from exc
    except NotImplementedError as exc:  # a compression method zipfile lacks (checked first; kept as a backstop)
        raise UnreadableForm(UNSUPPORTED_COMPRESSION) from exc
    except Exception as exc:  # BadZipFile (bad CRC, bad header), EOFError, zlib.error, struct.error, ...
        raise UnreadableForm(DAMAGED) from exc


class _CountingBuffer(io.BytesIO):
    """The file's bytes, counting what the zip reader takes from them: the compressed bytes a member consumed."""

    consumed = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


class _Archive:
    """A zip opened with its central directory and entry count bounded; members read through capped readers."""

    def __init__(self, data: bytes) -> None:
        if _central_directory_size(data) > MAX_CENTRAL_DIRECTORY:
            raise UnreadableForm(TOO_MANY_ENTRIES)
        self._buffer = _CountingBuffer(data)
        try:
            self._zip = zipfile.ZipFile(self._buffer)
        except zipfile.BadZipFile as exc:
            raise UnreadableForm(DAMAGED if data.startswith(ZIP_LOCAL_HEADER) else NOT_WORD) from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UnreadableForm(TOO_MANY_ENTRIES)
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self._duplicates: set[str] = set()
        for info in infos:
            key = _normalized(info.filename)
            if key in self.entries:
                self._duplicates.add(key)
            self.entries[key] = info

    def has(self, name: str) -> bool:
        return _normalized(name) in self.entries

    def read(self, name: str, cap: int) -> bytes | None:
        """The member's bytes, at most ``cap`` of them ever inflated; ``None`` when there is no such member."""
        key = _normalized(name)
        info = self.entries.get(key)
        if info is None:
            return None
        if key in self._duplicates:
            raise UnreadableForm(DUPLICATE_PART.format(part=name))
        if info.flag_bits & 0x1:
            raise UnreadableForm(ENCRYPTED_MEMBER)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableForm(UNSUPPORTED_COMPRESSION)
        if info.file_size > cap:
            raise UnreadableForm(BOMB)
        out = bytearray()
        with self._zip.open(info) as member:
            self._buffer.consumed = 0
            while chunk := member.read(min(READ_CHUNK, cap + 1 - len(out))):
                out += chunk
                if len(out) > cap or (len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * self._buffer.consumed):
                    raise UnreadableForm(BOMB)
        return bytes(out)


def _normalized(name: str) -> str:
    """Part names are case-insensitive in a package; some zip tools write backslashes or a leading slash."""
    return name.replace("\\", "/").lstrip("/").lower()


def _central_directory_size(data: bytes) -> int:
    """The central directory size the end record declares (zip64 too); 0 when there is no end record.

    Found as :mod:`zipfile` finds it: the last end signature within the
    largest possible comment of the end of the file.
    """
    end = data.rfind(ZIP_END, max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or len(data) - end < 22:
        return 0
    entries, size = struct.unpack_from("<HI", data, end + 10)
    locator = end - 20
    if (entries == 0xFFFF or size == 0xFFFFFFFF) and locator >= 56 and data.startswith(ZIP64_LOCATOR, locator):
        record = locator - 56
        if data.startswith(ZIP64_END, record):
            (size,) = struct.unpack_from("<Q", data, record + 40)
    return int(size)


def _refuse_other_package(archive: _Archive) -> NoReturn:
    """A zip without a Word body: an OpenDocument file, or no Word file at all."""
    mimetype = archive.read(ODF_MIMETYPE, MIMETYPE_CAP)
    kind = (mimetype or b"").decode("ascii", errors="replace").strip()
    if kind.startswith(ODF_TEXT):
        manifest = archive.read(ODF_MANIFEST, SMALL_PART_CAP)
        if (
            manifest is not None
            and parse_xml(manifest, ODF_MANIFEST).find(f".//{{{ODF_MANIFEST_NS}}}encryption-data") is not None
        ):
            raise UnreadableForm(ENCRYPTED)
        raise NeedsConversion("odt")
    if kind.startswith(ODF_PREFIX):
        raise UnreadableForm(NOT_WORD_ODF)
    raise UnreadableForm(MISSING_BODY)


def _macro_enabled(archive: _Archive) -> bool:
    """Whether the body's content type is macro-enabled (.docm, .dotm), or the package carries a VBA project."""
    if any(name.endswith("vbaproject.bin") for name in archive.entries):
        return True
    content_types = archive.read(CONTENT_TYPES, SMALL_PART_CAP)
    if content_types is None:
        return False
    for override in parse_xml(content_types, CONTENT_TYPES).iter(f"{{{CONTENT_TYPES_NS}}}Override"):
        if _normalized(override.get("PartName", "")) == DOCUMENT:
            return "macroenabled" in override.get("ContentType", "").lower()
    return False


def _refuse_compound_file(data: bytes) -> NoReturn:
    """An OLE compound file: a password-protected .docx, a Word 97–2003/WPS document, or another Office file."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # a file object: olefile takes short bytes for a path
            encrypted_package = ole.exists("EncryptedPackage")
            word = ole.exists("WordDocument")
            fib = ole.openstream("WordDocument").read(12) if word else b""
            other_office = any(ole.exists(name) for name in ("Workbook", "Book", "PowerPoint Document"))
            other_office = other_office or ole.exists("__properties_version1.0")  # an Outlook message
    except MemoryError as exc:
        raise UnreadableForm(TOO_BIG) from exc
    except Exception as exc:  # olefile raises OSError for a damaged file, and other errors for a hostile one
        raise UnreadableForm(OLE_DAMAGED) from exc
    if encrypted_package:
        raise UnreadableForm(ENCRYPTED)
    if word:
        if len(fib) == 12:
            ident, flags = struct.unpack_from("<H8xH", fib)
            if ident in WORD_FIB_IDENTS and flags & FIB_ENCRYPTED:
                raise UnreadableForm(ENCRYPTED)
        raise NeedsConversion("doc")
    if other_office:
        raise UnreadableForm(NOT_WORD_OLE)
    raise NeedsConversion("doc")


def xml_parser() -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD, uses no network and keeps libxml2's size limits."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )


def parse_xml(data: bytes, part: str) -> etree._Element:
    """The root element of one XML part, parsed safely; ``part`` names it in messages.  Raises :class:`UnreadableForm`.

    Any DOCTYPE is refused before parsing, and again after (should an
    encoding the check did not foresee have hidden it).
    """
    if _declares_doctype(_prolog_text(data, part)):
        raise UnreadableForm(DOCTYPE_DECLARED.format(part=part))
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        limited = getattr(exc, "code", None) == LIBXML_RESOURCE_LIMIT
        raise UnreadableForm((XML_LIMITS if limited else INVALID_XML).format(part=part)) from exc
    except MemoryError as exc:
        raise UnreadableForm(TOO_BIG) from exc
    except (etree.LxmlError, ValueError) as exc:
        raise UnreadableForm(INVALID_XML.format(part=part)) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnreadableForm(DOCTYPE_DECLARED.format(part=part))
    return root


_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]{0,200}?\bencoding\s*=\s*[\"']([^\"']{0,40})[\"']")
_BYTE_ENCODINGS: Final = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


def _prolog_text(data: bytes, part: str) -> str:
    """The part's text, decoded as libxml2 will decode it, for the DOCTYPE check.

    Package parts are UTF-8 or UTF-16 (ECMA-376 Part 2); any other encoding
    is refused, so that none can hide a DOCTYPE from the check.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or data[:4] in (b"\0\0\0<", b"<\0\0\0"):
        raise UnreadableForm(UNEXPECTED_ENCODING.format(part=part))
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF16_LE) or (data[1:2] == b"\0" and data[:1] != b"\0"):
        return data.removeprefix(codecs.BOM_UTF16_LE).decode("utf-16-le", errors="replace")
    if data.startswith(codecs.BOM_UTF16_BE) or (data[:1] == b"\0" and data[1:2] != b"\0"):
        return data.removeprefix(codecs.BOM_UTF16_BE).decode("utf-16-be", errors="replace")
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii", errors="replace").lower() not in _BYTE_ENCODINGS:
        raise UnreadableForm(UNEXPECTED_ENCODING.format(part=part))
    return data.decode("utf-8", errors="replace")


def _declares_doctype(text: str) -> bool:
    """Whether the prolog — before the root element, past the XML declaration, comments, PIs — has a DOCTYPE."""
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if text.startswith("<?", at):
            closer = "?>"
        elif text.startswith("<!--", at):
            closer = "-->"
        else:
            return text[at : at + 9].upper() == "<!DOCTYPE"
        end = text.find(closer, at + 2)
        if end < 0:
            return False  # unterminated: the parser refuses it
        at = end + len(closer)
