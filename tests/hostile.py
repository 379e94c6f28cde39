"""A corpus of bad and hostile files, made by the tests, and per-file readers that misbehave.

Every file here must come out of a batch as exactly one problem entry,
within the per-file bounds, while the batch goes on.  The hostile files are
written byte by byte (``raw_pdf``) so that each carries exactly the trap it
is named for; the damaged ones are cut from a real filled form.
"""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import time
import zlib
from pathlib import Path

import pymupdf
from pypdf import PdfReader, PdfWriter

from generator.model.rubric import RubricSet
from generator.readers.results import FormResult

BOMB_BYTES = 1100 * 1024 * 1024  # inflates past 1 GB
DEEP = 100_000
PAGES = 2_000


def raw_pdf(objects: dict[int, bytes], root: int = 1, trailer: bytes = b"") -> bytes:
    """A PDF with these numbered objects, a correct cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, trailer, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


def page_objects(first: int, count: int, parent: int) -> dict[int, bytes]:
    content = stream(b"BT /F1 12 Tf 72 720 Td (page) Tj ET")
    objects = {first: content, first + 1: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    resources = b"<< /Font << /F1 %d 0 R >> >>" % (first + 1)
    for n in range(count):
        objects[first + 2 + n] = (
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources %s >>"
            % (parent, first, resources)
        )
    return objects


def plain_pdf(pages: int = 1) -> bytes:
    """A harmless PDF without a form: pages of text."""
    objects = page_objects(10, pages, 2)
    kids = b" ".join(b"%d 0 R" % (12 + n) for n in range(pages))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)
    return raw_pdf(objects)


def form_pdf(fields: dict[int, bytes], roots: list[int]) -> bytes:
    """A one-page PDF whose AcroForm has these field objects, ``roots`` listed in /Fields."""
    objects = {**page_objects(10, 1, 2), **fields}
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [12 0 R] /Count 1 >>"
    objects[3] = b"<< /Fields [%s] >>" % b" ".join(b"%d 0 R" % r for r in roots)
    return raw_pdf(objects)


def bomb_stream(size: int = BOMB_BYTES) -> bytes:
    """A valid zlib stream of ``size`` zero bytes (a multiple of 1 MiB), built in under a second.

    Each MiB is compressed once with a full flush, which empties the
    compressor's window, so every MiB compresses to the same bytes: the
    stream is that block repeated, the final block and the Adler-32 sum.
    """
    chunk = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(size // len(chunk)):
        checksum = zlib.adler32(chunk, checksum)
    return b"\x78\xda" + block * (size // len(chunk)) + compressor.flush() + checksum.to_bytes(4, "big")


def flate_bomb() -> bytes:
    """A form whose only field value is a Flate stream inflating to more than 1 GB of zeros."""
    data = bomb_stream()
    fields = {
        20: b"<< /FT /Tx /T (star-applicant-name) /V 21 0 R >>",
        21: stream(data, b"/Filter /FlateDecode "),
    }
    return form_pdf(fields, [20])


def kids_cycle() -> bytes:
    """A field tree whose /Kids lead back to an ancestor."""
    fields = {
        20: b"<< /T (star-applicant) /Kids [21 0 R] >>",
        21: b"<< /T (name) /Kids [22 0 R] >>",
        22: b"<< /T (again) /Kids [20 0 R] >>",
    }
    return form_pdf(fields, [20])


def page_tree_cycle() -> bytes:
    """A page tree whose /Kids lead back to the root, in a PDF without a form."""
    objects = page_objects(10, 1, 2)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = b"<< /Type /Pages /Kids [3 0 R 12 0 R] /Count 2 >>"
    objects[3] = b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"
    return raw_pdf(objects)


def deep_nesting() -> bytes:
    """The /Fields array nested a hundred thousand levels deep."""
    nested = b"[" * DEEP + b"]" * DEEP
    objects = {**page_objects(10, 1, 2), 1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>"}
    objects[2] = b"<< /Type /Pages /Kids [12 0 R] /Count 1 >>"
    objects[3] = nested
    return raw_pdf(objects)


def encrypted(filled: Path, user_password: str = "secret", algorithm: str = "RC4-128") -> bytes:
    """The filled form encrypted by pypdf; an empty ``user_password`` is what setting only permissions gives."""
    writer = PdfWriter(clone_from=PdfReader(filled))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


MAIL_SIGNATURE = "\r\n-- \r\n张三\r\n国网上海市电力公司 客户服务中心\r\n电话：021-12345678\r\n".encode("gbk")


def trailing_junk(size: int) -> bytes:
    """``size`` bytes a download or mail client might leave after a PDF: zeros, then a signature."""
    return bytes(max(0, size - len(MAIL_SIGNATURE))) + MAIL_SIGNATURE[:size]


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with the one occurrence of ``old`` replaced by ``new`` of the same length (offsets kept)."""
    assert data.count(old) == 1 and len(old) == len(new), (old, new)
    return data.replace(old, new)


GBK_NAME = b"\xd5\xc5\xc8\xfd.pdf"  # 张三.pdf in GBK, as a Chinese-Windows zip unpacks on Linux


def special_entries(folder: Path, regular: Path) -> dict[str, Path]:
    """Entries that are no regular file, made in ``folder`` (POSIX only): what each is named for.

    The device is made with ``mknod`` where allowed (root), else a link to
    ``/dev/zero`` stands in, which is endless to read.
    """
    made = {"fifo": folder / "管道.pdf", "loop": folder / "循环.pdf", "dangling": folder / "失效.pdf"}
    os.mkfifo(made["fifo"])
    made["loop"].symlink_to(made["loop"].name)
    made["dangling"].symlink_to(folder / "不存在.pdf")
    made["socket"] = unix_socket(folder / "套接字.pdf")
    made["device"] = folder / "设备.pdf"
    try:
        os.mknod(made["device"], 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero
    except PermissionError:
        made["device"].symlink_to("/dev/zero")
    made["folder-link"] = folder / "链接文件夹"
    made["folder-link"].symlink_to(regular.parent, target_is_directory=True)
    made["file-link"] = folder / "链接到表格.pdf"
    made["file-link"].symlink_to(regular)
    return made


def unix_socket(path: Path) -> Path:
    """A socket file at ``path``, left behind by a closed listening socket."""
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
    return path


def broken_xref(filled: Path) -> bytes:
    """A filled form whose cross-reference table points every object a few bytes off."""
    data = bytearray(filled.read_bytes())
    start = data.rindex(b"\nxref\n") + 6
    end = data.index(b"trailer", start)
    table = bytes(data[start:end])
    lines = table.split(b"\n")
    shifted = [
        b"%010d%s" % (int(line[:10]) + 3, line[10:]) if line.endswith(b" n ") or line.endswith(b" n") else line
        for line in lines
    ]
    data[start:end] = b"\n".join(shifted)
    return bytes(data)


def flattened(filled: Path, target: Path) -> Path:
    """The filled form with its fields burnt into the page (PyMuPDF's bake), metadata kept."""
    with pymupdf.open(filled) as document:
        document.bake()
        document.save(target)
    return target


def printed(filled: Path, target: Path) -> Path:
    """The filled form "printed to PDF" (poppler's pdftocairo): fields and metadata gone."""
    subprocess.run(["pdftocairo", "-pdf", str(filled), str(target)], check=True, capture_output=True, timeout=120)
    return target


def build_corpus(folder: Path, filled: Path) -> dict[str, Path]:
    """Write every bad and hostile file into ``folder``; ``filled`` is a good filled form to damage."""
    folder.mkdir(parents=True, exist_ok=True)
    good = filled.read_bytes()
    contents = {
        "empty.pdf": b"",
        "not-a-pdf.pdf": "这是一封邮件的正文，不是表格。\n".encode(),
        "word.pdf": b"PK\x03\x04" + bytes(200),
        "truncated.pdf": good[: len(good) // 2],
        "encrypted.pdf": encrypted(filled),
        "no-acroform.pdf": plain_pdf(),
        "broken-xref.pdf": broken_xref(filled),
        "flate-bomb.pdf": flate_bomb(),
        "kids-cycle.pdf": kids_cycle(),
        "pages-cycle.pdf": page_tree_cycle(),
        "deep-nesting.pdf": deep_nesting(),
        "2000-pages.pdf": plain_pdf(PAGES),
        "unknown-form.pdf": form_pdf({20: b"<< /FT /Tx /T (invoice-number) /V (42) >>"}, [20]),
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    paths["flattened.pdf"] = flattened(filled, folder / "flattened.pdf")
    paths["printed.pdf"] = printed(filled, folder / "printed.pdf")
    return paths


def sleepy_read(path: Path, rubrics: RubricSet, source: str) -> FormResult:
    """A per-file reader that hangs on files named ``hang*``; reads the others normally."""
    from generator.readers.returns import read_return

    if path.name.startswith("hang"):
        time.sleep(3600)
    return read_return(path, rubrics, source)


def greedy_read(path: Path, rubrics: RubricSet, source: str) -> FormResult:
    """A per-file reader that tries to hold 4 GB for files named ``greedy*``."""
    from generator.readers.returns import read_return

    if path.name.startswith("greedy"):
        hoard = bytearray(4 * 1024**3)
        hoard[-1] = 1
    return read_return(path, rubrics, source)


def crashing_read(path: Path, rubrics: RubricSet, source: str) -> FormResult:
    """A per-file reader whose process dies on files named ``crash*``."""
    from generator.readers.returns import read_return

    if path.name.startswith("crash"):
        os._exit(70)
    return read_return(path, rubrics, source)
