"""The low-level side of reading a returned PDF: open it safely, walk its form fields, read its identity.

Only what the tabulation needs is touched — the cross-reference table, the
AcroForm field tree, the document information dictionary and, when that has
lost the rubric's identity, the XMP packet — never the page content, except
to tell a flattened form from an unrelated PDF.  pypdf's limits are
tightened to what a form can plausibly need, and every way a file can fail
becomes :class:`UnreadableForm` with one Chinese sentence.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from generator.model.identity import FINGERPRINT, ROSTER_KEY, RUBRIC_ID, XMP_NAMESPACE, Identity
from generator.readers.pdf.dict_scan import entries
from generator.readers.pdf.ending import document_bytes
from generator.readers.results import TOO_BIG, UnreadableForm

PDF_LIMITS: dict[str, Any] = {
    "disable_legacy_handling": True,
    "maximum_declared_stream_length": 64_000_000,
    "zlib_maximum_output_length": 20_000_000,
    "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "brotli_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "stream_decoding_work_maximum_length": 50_000_000,
    "array_maximum_element_count": 20_000,
    "dictionary_maximum_element_count": 20_000,
    "xmp_maximum_input_length": 1_000_000,
    "xmp_maximum_element_count": 20_000,
    "form_fields_maximum_entries": 5_000,
    "form_fields_maximum_depth": 20,
    "page_tree_maximum_entries": 10_000,
    "page_tree_maximum_depth": 50,
    "jbig2dec_binary": None,
}
MAX_FIELD_NODES = 5_000
MAX_FIELD_DEPTH = 20

ENCRYPTED = "文件已加密（需要密码才能打开），无法读取；请让申报人发送未加密的表格。"
MISSING_CRYPTO = (
    "读取该加密文件需要的解密组件（cryptography）缺失，无法读取；"
    "请联系管理员重新安装本工具，或让申报人发送未加密的表格。"
)
MISSING_COMPONENT = "读取该文件需要的组件缺失，无法读取；请联系管理员重新安装本工具。"
UNSUPPORTED_ENCRYPTION = "文件使用了本工具无法解开的加密方式（如证书加密），无法读取；请让申报人发送未加密的表格。"
DAMAGED = "文件已损坏，无法解析其 PDF 结构；请让申报人重新发送。"
REPAIRED = "文件结构有损坏（如交叉引用表错误），已自动修复后读取；请核对读出的数值，必要时让申报人重新发送。"
HOSTILE = (
    "文件含有超出安全上限的数据（解压后过大、引用循环或嵌套过深），已停止读取；"
    "这不是正常的评分表，可能是损坏或恶意的文件。"
)


def missing_component(exc: DependencyError) -> str:
    """The problem for a file that needs a library not installed: decryption (AES) is the one the reader can meet."""
    detail = str(exc).lower()
    return MISSING_CRYPTO if "crypt" in detail or "aes" in detail else MISSING_COMPONENT


@contextmanager
def guarded_read() -> Iterator[None]:
    """Tightened pypdf limits for one read, and every failure turned into :class:`UnreadableForm`."""
    try:
        with apply_configuration(**PDF_LIMITS):
            yield
    except FileNotDecryptedError as exc:
        raise UnreadableForm(ENCRYPTED) from exc
    except DependencyError as exc:
        raise UnreadableForm(missing_component(exc)) from exc
    except (LimitReachedError, RecursionError) as exc:
        raise UnreadableForm(HOSTILE) from exc
    except MemoryError as exc:
        raise UnreadableForm(TOO_BIG) from exc
    except UnreadableForm:
        raise
    except Exception as exc:  # whatever else a malformed file makes the parser do, it is a damaged file
        raise UnreadableForm(DAMAGED) from exc


def not_a_pdf_reason(data: bytes) -> str | None:
    """Why these bytes are no PDF at all, or ``None`` when they start like one."""
    if not data:
        return "文件是空的（0 字节），不是 PDF 表格。"
    if b"%PDF-" in data[:1024]:
        return None
    if data.startswith(b"PK\x03\x04"):
        return "这不是 PDF 文件，而是 Word 文档或压缩包（.docx/.zip），请让申报人发送填写好的 PDF 表格。"
    return "这不是 PDF 文件（文件开头没有 PDF 标记），请让申报人发送填写好的 PDF 表格。"


def pdf_bytes(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The bytes of the PDF document in a file and notes about them; raises :class:`UnreadableForm`.

    Refuses what is no PDF and a truncated PDF; bytes after the document's
    end are cut off (see :mod:`generator.readers.pdf.ending`).
    """
    reason = not_a_pdf_reason(data)
    if reason:
        raise UnreadableForm(reason)
    return document_bytes(data)


def open_pdf(data: bytes, strict: bool) -> PdfReader:
    """A reader over a complete PDF that opens without a password; raises :class:`UnreadableForm`.

    Call inside :func:`guarded_read`: pypdf parses lazily, so failures surface later too.
    ``strict`` skips pypdf's repair pass (three times faster to open); a
    file that fails strictly — including an object found elsewhere than
    its cross-reference entry says (see :mod:`generator.readers.pdf.dict_scan`) — is
    read again leniently by the caller.  An encrypted file is opened with the
    empty user password, which is what a file protected only by an owner
    password (permissions) has.
    """
    body, _ = pdf_bytes(data)
    try:
        reader = PdfReader(io.BytesIO(body), strict=strict)
    except NotImplementedError as exc:  # pypdf opens encryption on construction; other handlers are unknown
        raise UnreadableForm(UNSUPPORTED_ENCRYPTION if b"/Encrypt" in body else DAMAGED) from exc
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadableForm(ENCRYPTED)
    if reader.trailer.get("/Root") is None:
        raise UnreadableForm(DAMAGED)
    return reader


def text_of(value: Any) -> str:
    """A field value (/V) as text, whatever type the filler stored it as."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if value is None:
        return ""
    if isinstance(value, TextStringObject):
        return _undo_utf8_mojibake(value)
    if isinstance(value, ByteStringObject):
        return _bytes_text(bytes(value))
    if isinstance(value, NameObject):
        return str(value)[1:]
    if isinstance(value, StreamObject):
        return value.get_data().decode("utf-8", errors="replace")
    if isinstance(value, ArrayObject):
        return "、".join(text_of(v) for v in value)
    return str(value)


def _bytes_text(raw: bytes) -> str:
    """A string pypdf could not decode as text, decoded with U+FFFD for what cannot be, never an error.

    A byte order mark says UTF-16 (broken: an odd length, a lone surrogate); otherwise UTF-8.
    """
    if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _undo_utf8_mojibake(value: TextStringObject) -> str:
    """Some fillers store UTF-8 bytes without a BOM; pypdf then decodes them as PDFDocEncoding."""
    raw = value.original_bytes if value.autodetect_pdfdocencoding else b""
    if not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return str(value)


def field_values(reader: PdfReader, data: bytes) -> dict[str, str]:
    """Every terminal field's fully qualified name and value, walking the field tree safely.

    The catalog and the AcroForm dictionary are scanned for the one entry
    needed: the AcroForm's /DR can hold a whole CJK font description.
    """
    root = entries(reader, data, reader.trailer.get("/Root"), ("/AcroForm",))
    acroform = entries(reader, data, root.get("/AcroForm"), ("/Fields",))
    roots = acroform.get("/Fields")
    roots = roots.get_object() if isinstance(roots, IndirectObject) else roots
    if not isinstance(roots, ArrayObject):
        return {}
    values: dict[str, str] = {}
    for name, value in _walk(reader, data, roots):
        values.setdefault(name, "" if _is_signature(reader, data, value) else text_of(value))
    return values


def _is_signature(reader: PdfReader, data: bytes, value: Any) -> bool:
    """Whether a field's value is a signature dictionary (the seal's): it is no text, and parsing it whole
    (its /Contents is kilobytes of hex) would cost more than reading the rest of the form."""
    return isinstance(value, IndirectObject) and "/ByteRange" in entries(reader, data, value, ("/ByteRange",))


FIELD_KEYS = ("/T", "/V", "/Kids")


def _walk(reader: PdfReader, data: bytes, roots: ArrayObject) -> Iterator[tuple[str, Any]]:
    """(name, value) of terminal fields, depth-first; refuses cycles, absurd depth and size."""
    seen: set[int] = set()
    stack: list[tuple[Any, str, Any, int, dict[str, Any] | None]] = [(r, "", None, 0, None) for r in reversed(roots)]
    while stack:
        ref, parent_name, parent_value, depth, node = stack.pop()
        key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
        if key in seen or depth > MAX_FIELD_DEPTH or len(seen) >= MAX_FIELD_NODES:
            raise UnreadableForm(HOSTILE)
        seen.add(key)
        node = entries(reader, data, ref, FIELD_KEYS) if node is None else node
        partial = node.get("/T")
        name = parent_name
        if partial is not None:
            name = f"{parent_name}.{text_of(partial)}" if parent_name else text_of(partial)
        value = node.get("/V", parent_value)
        kids = node.get("/Kids")
        kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
        kids = kids if isinstance(kids, ArrayObject) else []
        if len(seen) + len(kids) > MAX_FIELD_NODES:
            raise UnreadableForm(HOSTILE)
        named = [(kid, found) for kid in kids if "/T" in (found := entries(reader, data, kid, FIELD_KEYS))]
        if named:
            stack.extend((kid, name, value, depth + 1, found) for kid, found in reversed(named))
        elif name:
            yield name, value


def document_identity(reader: PdfReader, data: bytes) -> Identity:
    """The rubric id and fingerprint from the information dictionary, else from XMP."""
    info = entries(reader, data, reader.trailer.get("/Info"), (RUBRIC_ID.info, FINGERPRINT.info, ROSTER_KEY.info))
    rubric_id = _plain(info.get(RUBRIC_ID.info))
    if rubric_id:
        return Identity(rubric_id, _plain(info.get(FINGERPRINT.info)), _plain(info.get(ROSTER_KEY.info)))
    return _xmp_identity(reader)


def _plain(value: Any) -> str | None:
    text = text_of(value).strip() if value is not None else ""
    return text or None


def _xmp_identity(reader: PdfReader) -> Identity:
    """The same keys as XMP properties in the project's namespace (element or attribute form)."""
    try:
        xmp = reader.xmp_metadata
    except LimitReachedError:
        raise
    except (PyPdfError, ValueError):
        return Identity()
    if xmp is None:
        return Identity()
    found: dict[str, str] = {}
    for element in xmp.rdf_root.getElementsByTagNameNS(XMP_NAMESPACE, "*"):
        found[element.localName] = "".join(n.data for n in element.childNodes if n.nodeType == n.TEXT_NODE)
    for description in xmp.rdf_root.getElementsByTagNameNS("*", "Description"):
        for attr in description.attributes.values():
            if attr.namespaceURI == XMP_NAMESPACE:
                found[attr.localName] = attr.value
    return Identity(
        _plain(found.get(RUBRIC_ID.name)),
        _plain(found.get(FINGERPRINT.name)),
    )


def first_page_text(reader: PdfReader) -> str:
    """The first page's text (to recognise a flattened form); empty when it cannot be had."""
    try:
        return reader.pages[0].extract_text() if len(reader.pages) else ""
    except LimitReachedError:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError):
        return ""
