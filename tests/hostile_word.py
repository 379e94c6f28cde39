"""Hostile and odd Word files, made by the tests: each generator writes one file into a folder and returns its path.

Each file carries exactly the trap it is named for, on top of a real
document made with python-docx: a zip bomb (honest about its size, and one
that lies), external entities and billion laughs in ``word/document.xml``,
a password-protected .docx (msoffcrypto-tool's OOXML encryption), a .docm,
zips that are damaged in the ways a download or a zip tool damages them, a
50 MB document whose size is all in one media part, and the formats that
need converting first: OpenDocument text, RTF and a legacy .doc (made by
LibreOffice, which is the one generator needing a program; it skips the
test without one).  No file here reaches the network or any local file when
read by a safe reader; the entities merely point at ``/etc/passwd`` and at
a local port.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import warnings
import zipfile
from pathlib import Path

import docx
import msoffcrypto.format.ooxml  # type: ignore[import-untyped]  # msoffcrypto-tool ships no type information
import olefile  # type: ignore[import-untyped]  # olefile ships no type information
import pytest

from tests.libreoffice_support import SOFFICE

TEXT = "专业技术人员自评表：张三，自评 85 分。"
BOMB_BYTES = 1100 * 1024 * 1024  # inflates past 1 GB
LYING_BOMB_BYTES = 256 * 1024 * 1024
LYING_DECLARED = 12 * 1024 * 1024  # under the body's cap: only the streaming checks can stop it
MEDIA_BYTES = 50 * 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
ODF_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def docx_bytes(text: str = TEXT) -> bytes:
    """A real, harmless .docx made with python-docx: one paragraph of ``text``."""
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def body_xml(inner: str, prolog: str = "") -> str:
    """A ``word/document.xml`` whose first paragraph holds ``inner`` (markup allowed), after ``prolog``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n{prolog}'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>{inner}</w:t></w:r></w:p></w:body></w:document>'
    )


def rebuilt(
    source: bytes,
    replace: dict[str, bytes | None] | None = None,
    stored: frozenset[str] = frozenset(),
) -> bytes:
    """``source``'s zip with some members replaced (``None``: dropped) or added, ``stored`` ones not compressed."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = replace.pop(info.filename, old.read(info))
            if data is not None:
                method = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
                new.writestr(info.filename, data, compress_type=method)
        for name, data in replace.items():
            if data is not None:
                method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
                new.writestr(name, data, compress_type=method)
    return out.getvalue()


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def plain(folder: Path) -> Path:
    """A normal document, as python-docx saves it."""
    return write(folder, "正常.docx", docx_bytes())


def not_a_zip(folder: Path) -> Path:
    """Text with a .docx name: a mail body saved under the attachment's name."""
    return write(folder, "不是文档.docx", "这是一封邮件的正文，不是表格。\n".encode())


def zip_bomb(folder: Path) -> Path:
    """A .docx whose ``word/document.xml`` inflates to more than 1 GB from about 5 MB, sizes declared honestly.

    Written through zipfile's streaming writer a megabyte at a time
    (compression level 1 to keep it to two seconds), so making it needs no
    gigabyte of memory.
    """
    path = folder / "压缩炸弹.docx"
    folder.mkdir(parents=True, exist_ok=True)
    chunk = (b"<w:p/>" * (1024 * 1024 // 6 + 1))[: 1024 * 1024]
    real = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    with real, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in real.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info.filename, real.read(info))
        with bomb.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
            for _ in range(BOMB_BYTES // len(chunk)):
                body.write(chunk)
            body.write(b"</w:body></w:document>")
    return path


def lying_zip_bomb(folder: Path) -> Path:
    """A bomb of 256 MB whose zip headers declare 12 MB (under the body's cap): only a streaming check stops it."""
    out = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        bomb.writestr(
            "[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        )
        with bomb.open("word/document.xml", "w") as body:
            body.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
            for _ in range(LYING_BOMB_BYTES // len(chunk)):
                body.write(chunk)
    return write(folder, "谎报大小的压缩炸弹.docx", declared_size(out.getvalue(), "word/document.xml", LYING_DECLARED))


def central_entry(data: bytes, name: str) -> int:
    """Where ``name``'s entry in the zip's central directory starts."""
    end = data.rindex(b"PK\x05\x06")
    (at,) = struct.unpack_from("<I", data, end + 16)
    while data.startswith(b"PK\x01\x02", at):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == name.encode():
            return int(at)
        at += 46 + name_length + extra_length + comment_length
    raise KeyError(name)


def declared_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with ``name``'s uncompressed size rewritten to ``size`` in its local and central headers."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        struct.pack_into("<I", patched, archive.getinfo(name).header_offset + 22, size)
    struct.pack_into("<I", patched, central_entry(data, name) + 24, size)
    return bytes(patched)


XXE_PROLOG = (
    "<!DOCTYPE w:document [\n"
    '  <!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
    '  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/evil.xml">\n'
    '  <!ENTITY % dtd SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n'
    "  %dtd;\n"
    "]>\n"
)


def xxe_xml(port: int = 9, encoding: str = "utf-8") -> bytes:
    """A ``word/document.xml`` whose DOCTYPE declares external entities: ``/etc/passwd`` and a local port."""
    text = body_xml("&passwd;&remote;", XXE_PROLOG.format(port=port))
    if encoding == "utf-8":
        return text.encode()
    return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")  # with a byte order mark


def xxe(folder: Path, port: int = 9) -> Path:
    """External entities in the body: ``file:///etc/passwd`` and ``http://127.0.0.1:<port>/…``."""
    return write(folder, "外部实体.docx", rebuilt(docx_bytes(), {"word/document.xml": xxe_xml(port)}))


def xxe_utf16(folder: Path) -> Path:
    """The same external entities in a body encoded as UTF-16, where a byte search for ``<!DOCTYPE`` finds nothing."""
    return write(folder, "外部实体UTF16.docx", rebuilt(docx_bytes(), {"word/document.xml": xxe_xml(encoding="utf-16")}))


def billion_laughs_xml() -> bytes:
    """Ten levels of ten references each: a billion ``lol`` (3 GB) if entities were expanded."""
    lines = ['  <!ENTITY lol0 "lol">']
    lines += [f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    prolog = "<!DOCTYPE w:document [\n" + "\n".join(lines) + "\n]>\n"
    return body_xml("&lol9;", prolog).encode()


def billion_laughs(folder: Path) -> Path:
    return write(folder, "十亿笑声.docx", rebuilt(docx_bytes(), {"word/document.xml": billion_laughs_xml()}))


def deep_nesting(folder: Path) -> Path:
    """A body nested a thousand elements deep (libxml2 refuses past 256 without its huge-tree option)."""
    inner = "<w:r>" * 1000 + "</w:r>" * 1000
    return write(folder, "嵌套过深.docx", rebuilt(docx_bytes(), {"word/document.xml": body_xml(inner).encode()}))


def no_document(folder: Path) -> Path:
    """A zip holding the package's other parts, but no ``word/document.xml``."""
    return write(folder, "没有正文.docx", rebuilt(docx_bytes(), {"word/document.xml": None}))


def password_protected(folder: Path, password: str = "secret") -> Path:
    """A real .docx encrypted with a password by msoffcrypto-tool (ECMA-376 agile encryption, as Word does)."""
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(docx_bytes())).encrypt(password, out)
    return write(folder, "设置了密码.docx", out.getvalue())


def macro_enabled(folder: Path) -> Path:
    """A real document turned .docm: the macro-enabled content type, and a ``word/vbaProject.bin`` related to it."""
    source = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert DOCX_MAIN in types
    types = types.replace(DOCX_MAIN, DOCM_MAIN).replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdVba" Type="{VBA_RELATIONSHIP}" Target="vbaProject.bin"/></Relationships>',
    )
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
    parts: dict[str, bytes | None] = {
        "[Content_Types].xml": types.encode(),
        "word/_rels/document.xml.rels": rels.encode(),
        "word/vbaProject.bin": vba,
    }
    return write(folder, "启用宏.docm", rebuilt(source, parts))


def truncated(folder: Path) -> Path:
    """A real document cut in half, as an interrupted download leaves it (no central directory)."""
    data = docx_bytes()
    return write(folder, "下载不完整.docx", data[: len(data) // 2])


def bad_crc(folder: Path) -> Path:
    """A document whose stored body has one letter changed: still XML, but the zip's CRC no longer matches."""
    data = rebuilt(docx_bytes(), stored=frozenset({"word/document.xml"}))
    at = data.index(b"<w:body>") + 3
    return write(folder, "校验错误.docx", data[:at] + b"B" + data[at + 1 :])


def encrypted_member(folder: Path) -> Path:
    """A document whose body is marked encrypted (zip password, flag bit 0) in its local and central headers."""
    data = bytearray(docx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        data[archive.getinfo("word/document.xml").header_offset + 6] |= 0x1
    data[central_entry(bytes(data), "word/document.xml") + 8] |= 0x1
    return write(folder, "压缩包加密.docx", bytes(data))


def bzip2_member(folder: Path) -> Path:
    """A document whose body is compressed with bzip2, which Word never uses (and zipfile inflates unbounded)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "word/document.xml" else zipfile.ZIP_DEFLATED
            new.writestr(info.filename, old.read(info), compress_type=method)
    return write(folder, "非常规压缩.docx", out.getvalue())


def duplicate_body(folder: Path) -> Path:
    """Two members named ``word/document.xml``: which one a reader takes depends on the reader."""
    out = io.BytesIO(rebuilt(docx_bytes()))
    with warnings.catch_warnings(), zipfile.ZipFile(out, "a") as archive:
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name it writes
        archive.writestr("word/document.xml", body_xml("另一份正文").encode())
    return write(folder, "两份正文.docx", out.getvalue())


def many_entries(folder: Path, count: int = 12_000, name_length: int = 12) -> Path:
    """A document with ``count`` extra empty members (names ``name_length`` characters long)."""
    out = io.BytesIO(rebuilt(docx_bytes()))
    with zipfile.ZipFile(out, "a") as archive:
        for n in range(count):
            archive.writestr(f"x/{n:0{name_length - 2}d}", b"")
    return write(folder, f"{count}个条目.docx", out.getvalue())


def large_media(folder: Path) -> Path:
    """A valid small document plus a 50 MB incompressible image part (stored, as zip tools store random data)."""
    parts: dict[str, bytes | None] = {"word/media/image1.png": os.urandom(MEDIA_BYTES)}
    data = rebuilt(docx_bytes(), parts, stored=frozenset(parts))
    return write(folder, "五十兆.docx", data)


def odf_zip(mimetype: str, content: str = "", manifest_extra: str = "") -> bytes:
    """A minimal OpenDocument package, written by hand: ``mimetype`` first and stored, a manifest, the content."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest:manifest xmlns:manifest="{ODF_MANIFEST}" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}'
        "</manifest:file-entry></manifest:manifest>"
    )
    content = content or (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text><text:p>{TEXT}</text:p></office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def odf_text(folder: Path) -> Path:
    """An OpenDocument text (.odt), as LibreOffice or WPS saves one."""
    return write(folder, "开放文档.odt", odf_zip("application/vnd.oasis.opendocument.text"))


def odf_text_encrypted(folder: Path) -> Path:
    """An .odt saved with a password: its manifest describes how ``content.xml`` is encrypted."""
    encryption = (
        f'<manifest:encryption-data manifest:checksum-type="{ODF_MANIFEST}#sha256-1k" manifest:checksum="AAAA">'
        '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
        'manifest:initialisation-vector="AAAA"/></manifest:encryption-data>'
    )
    data = odf_zip("application/vnd.oasis.opendocument.text", "\x00encrypted\x00", encryption)
    return write(folder, "加密开放文档.odt", data)


def odf_spreadsheet(folder: Path) -> Path:
    """An OpenDocument spreadsheet (.ods): a zip, but no word-processor document at all."""
    return write(folder, "开放表格.ods", odf_zip("application/vnd.oasis.opendocument.spreadsheet"))


def rtf(folder: Path) -> Path:
    """A minimal RTF document, as WordPad or "Save as RTF" writes one."""
    data = rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}\f0\fs24 \'d5\'c5\'c8\'fd 85\par}"
    return write(folder, "富文本.rtf", data)


def legacy_doc(folder: Path, profile: Path) -> Path:
    """A Word 97–2003 .doc made by LibreOffice from a python-docx document (an OLE file, no EncryptedPackage)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    source = write(folder / "source", "旧格式.docx", docx_bytes())
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "doc"]
    subprocess.run([*command, "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=300)
    return folder / "旧格式.doc"


def legacy_doc_encrypted(folder: Path, doc: Path) -> Path:
    """The legacy .doc with the File Information Block's fEncrypted bit set, as Word marks a password-protected .doc."""
    path = write(folder, "旧格式加密.doc", doc.read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        fib = bytearray(ole.openstream("WordDocument").read())
        fib[11] |= 0x01  # FibBase flags, bit 8: fEncrypted
        ole.write_stream("WordDocument", bytes(fib))
    return path


def legacy_other_office(folder: Path, doc: Path) -> Path:
    """An OLE file holding a ``Workbook`` stream and no ``WordDocument``, as an old Excel .xls does.

    Made from the legacy .doc by renaming its ``WordDocument`` directory entry in place.
    """
    data = bytearray(doc.read_bytes())
    entry = data.index("WordDocument".encode("utf-16-le"))
    data[entry : entry + 64] = "Workbook".encode("utf-16-le").ljust(64, b"\0")
    struct.pack_into("<H", data, entry + 64, len("Workbook\0".encode("utf-16-le")))
    return write(folder, "旧格式表格.xls", bytes(data))


def damaged_ole(folder: Path) -> Path:
    """The OLE signature followed by nothing an OLE reader can use."""
    return write(folder, "损坏的旧格式.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
