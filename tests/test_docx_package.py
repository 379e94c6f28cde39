"""The Word reader's container layer against hostile and odd files (:mod:`tests.hostile_word`).

Each file must give exactly the right exception — :class:`UnreadableForm`,
or :class:`NeedsConversion` for what LibreOffice can convert — with one
Chinese sentence, within bounded time and memory; a normal document, a
.docm and a 50 MB document with a small body must open.
"""

from __future__ import annotations

import pickle
import re
import socket
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from generator.readers.docx import package
from generator.readers.docx.package import (
    BOMB,
    CONVERSION_MESSAGES,
    DAMAGED,
    DOCTYPE_DECLARED,
    DOCUMENT_CAP,
    DUPLICATE_PART,
    EMPTY,
    ENCRYPTED,
    ENCRYPTED_MEMBER,
    INVALID_XML,
    MISSING_BODY,
    NOT_WORD,
    NOT_WORD_ODF,
    NOT_WORD_OLE,
    OLE_DAMAGED,
    TOO_MANY_ENTRIES,
    UNEXPECTED_ENCODING,
    UNSUPPORTED_COMPRESSION,
    XML_LIMITS,
    NeedsConversion,
    WordPackage,
    open_word_package,
    parse_xml,
    xml_parser,
)
from generator.readers.results import UnreadableForm
from tests import hostile_word as hostile

BODY = "word/document.xml"
PASSWD = Path("/etc/passwd")


def assert_one_chinese_sentence(message: str) -> None:
    """A complete Chinese sentence for a user: no traceback, no exception names, no library internals."""
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert message.endswith("。") and message.count("。") == 1, message
    assert "\n" not in message, message
    for internal in ("Traceback", "Error", "Exception", 'File "', "zipfile", "lxml", "olefile", "line "):
        assert internal not in message, message


def refusal(data: bytes) -> UnreadableForm:
    """The exception opening (and, if it opens, parsing the body of) these bytes raises."""
    with pytest.raises(UnreadableForm) as caught:
        opened = open_word_package(data)
        parse_xml(opened.document, BODY)
    assert_one_chinese_sentence(str(caught.value))
    return caught.value


def all_text(element: etree._Element) -> str:
    # lxml-stubs say itertext() may give bytes; on Python 3 lxml always gives str.
    return "".join(str(text) for text in element.itertext())


@contextmanager
def peak_traced() -> Iterator[list[int]]:
    """The peak of memory Python allocated inside the block (zlib's buffers included), in bytes."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-word")


@pytest.fixture(scope="module")
def legacy_doc(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile.legacy_doc(folder, tmp_path_factory.mktemp("libreoffice-profile"))


CASES: dict[str, tuple[Callable[[Path], Path], type[UnreadableForm], str]] = {
    "not a zip": (hostile.not_a_zip, UnreadableForm, NOT_WORD),
    "no word/document.xml": (hostile.no_document, UnreadableForm, MISSING_BODY),
    "password-protected": (hostile.password_protected, UnreadableForm, ENCRYPTED),
    "truncated": (hostile.truncated, UnreadableForm, DAMAGED),
    "bad CRC": (hostile.bad_crc, UnreadableForm, DAMAGED),
    "encrypted member": (hostile.encrypted_member, UnreadableForm, ENCRYPTED_MEMBER),
    "bzip2 member": (hostile.bzip2_member, UnreadableForm, UNSUPPORTED_COMPRESSION),
    "two bodies": (hostile.duplicate_body, UnreadableForm, DUPLICATE_PART.format(part=BODY)),
    "12,000 entries": (hostile.many_entries, UnreadableForm, TOO_MANY_ENTRIES),
    "3 MB central directory": (lambda f: hostile.many_entries(f, 40_000, 60), UnreadableForm, TOO_MANY_ENTRIES),
    "external entities": (hostile.xxe, UnreadableForm, DOCTYPE_DECLARED.format(part=BODY)),
    "external entities, UTF-16": (hostile.xxe_utf16, UnreadableForm, DOCTYPE_DECLARED.format(part=BODY)),
    "billion laughs": (hostile.billion_laughs, UnreadableForm, DOCTYPE_DECLARED.format(part=BODY)),
    "nested 1,000 deep": (hostile.deep_nesting, UnreadableForm, XML_LIMITS.format(part=BODY)),
    "OpenDocument text": (hostile.odf_text, NeedsConversion, CONVERSION_MESSAGES["odt"]),
    "OpenDocument text with a password": (hostile.odf_text_encrypted, UnreadableForm, ENCRYPTED),
    "OpenDocument spreadsheet": (hostile.odf_spreadsheet, UnreadableForm, NOT_WORD_ODF),
    "RTF": (hostile.rtf, NeedsConversion, CONVERSION_MESSAGES["rtf"]),
    "damaged OLE": (hostile.damaged_ole, UnreadableForm, OLE_DAMAGED),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_gives_exactly_its_exception(folder: Path, case: str) -> None:
    make, kind, message = CASES[case]
    data = make(folder).read_bytes()
    started = time.perf_counter()
    exc = refusal(data)
    assert time.perf_counter() - started < 1
    assert type(exc) is kind
    assert str(exc) == message


def test_empty_file() -> None:
    assert str(refusal(b"")) == EMPTY


def test_plain_document_opens_and_body_parses(folder: Path) -> None:
    opened = open_word_package(hostile.plain(folder).read_bytes())
    assert not opened.is_macro_enabled
    assert opened.part("docProps/core.xml") is not None
    assert opened.part("word/settings.xml") is not None
    assert opened.part("docProps/custom.xml") is None  # python-docx writes no custom properties
    body = parse_xml(opened.part("word/document.xml") or b"", BODY)
    assert body.tag == f"{{{hostile.W}}}document"
    assert all_text(body) == hostile.TEXT
    assert pickle.loads(pickle.dumps(opened)) == opened  # a worker process can hand it back
    unknown: Any = "word/styles.xml"
    with pytest.raises(ValueError):
        opened.part(unknown)


def test_docm_opens_as_macro_enabled(folder: Path) -> None:
    opened = open_word_package(hostile.macro_enabled(folder).read_bytes())
    assert opened.is_macro_enabled
    assert all_text(parse_xml(opened.document, BODY)) == hostile.TEXT


def test_50_mb_document_opens_without_inflating_its_media(folder: Path) -> None:
    data = hostile.large_media(folder).read_bytes()
    assert len(data) > hostile.MEDIA_BYTES
    started = time.perf_counter()
    with peak_traced() as peak:
        opened = open_word_package(data)
    assert time.perf_counter() - started < 1
    assert peak[0] < 2 * 1024 * 1024  # the media part was never read
    assert isinstance(opened, WordPackage) and all_text(parse_xml(opened.document, BODY)) == hostile.TEXT


def test_zip_bomb_refused_without_inflating(folder: Path) -> None:
    path = hostile.zip_bomb(folder)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(BODY).file_size > 1024**3 and len(data) < 10 * 1024 * 1024
    started = time.perf_counter()
    with peak_traced() as peak:
        exc = refusal(data)
    assert str(exc) == BOMB
    assert time.perf_counter() - started < 2
    assert peak[0] < DOCUMENT_CAP


def test_bomb_lying_about_its_size_refused_while_streaming(folder: Path) -> None:
    """Declared 12 MB (under the cap), inflating to 256 MB: refused by the ratio check a few MB in."""
    path = hostile.lying_zip_bomb(folder)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(BODY).file_size == hostile.LYING_DECLARED < DOCUMENT_CAP
    started = time.perf_counter()
    with peak_traced() as peak:
        exc = refusal(data)
    assert str(exc) == BOMB
    assert time.perf_counter() - started < 2
    assert peak[0] < DOCUMENT_CAP  # stopped well before the declared size, let alone the real one


def passwd_lines() -> list[str]:
    return [line for line in PASSWD.read_text(errors="replace").splitlines() if line.strip()] if PASSWD.exists() else []


def test_external_entities_never_leak_local_files(folder: Path) -> None:
    for make in (hostile.xxe, hostile.xxe_utf16):
        exc = refusal(make(folder).read_bytes())
        assert "DOCTYPE" in str(exc)
        for line in passwd_lines():
            assert line not in str(exc)


@contextmanager
def listening() -> Iterator[tuple[int, Callable[[], bool]]]:
    """A local port, and whether anything connected to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)

        def connected() -> bool:
            try:
                server.accept()[0].close()
            except BlockingIOError:
                return False
            return True

        yield server.getsockname()[1], connected


def test_parser_itself_resolves_no_entity_and_uses_no_network() -> None:
    """Defense in depth: past the DOCTYPE check, the parser alone keeps /etc/passwd and the network out."""
    with listening() as (port, connected):
        for encoding in ("utf-8", "utf-16"):
            root = etree.fromstring(hostile.xxe_xml(port, encoding), xml_parser())
            text = etree.tostring(root, encoding="unicode")
            assert "&passwd;" in text  # left as an unresolved reference
            for line in passwd_lines():
                assert line not in text
        time.sleep(0.1)
        assert not connected()


def test_doctype_refused_after_parsing_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should an encoding ever hide a DOCTYPE from the check before parsing, the one after still refuses it."""
    monkeypatch.setattr(package, "_declares_doctype", lambda text: False)
    with pytest.raises(UnreadableForm) as caught:
        parse_xml(hostile.xxe_xml(), BODY)
    assert str(caught.value) == DOCTYPE_DECLARED.format(part=BODY)


def test_billion_laughs_refused_fast() -> None:
    data = hostile.billion_laughs_xml()
    started = time.perf_counter()
    with peak_traced() as peak, pytest.raises(UnreadableForm) as caught:
        parse_xml(data, BODY)
    assert time.perf_counter() - started < 0.5
    assert peak[0] < 1024 * 1024
    assert str(caught.value) == DOCTYPE_DECLARED.format(part=BODY)


BILLION_LAUGHS_PAST_THE_CHECK = """
import resource, sys, time
from generator.readers.docx import package
from generator.readers.results import UnreadableForm
from tests.hostile_word import billion_laughs_xml
package._declares_doctype = lambda text: False
data = billion_laughs_xml()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    package.parse_xml(data, "word/document.xml")
except UnreadableForm as exc:
    print(str(exc))
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_billion_laughs_bounded_by_the_parser_alone() -> None:
    """Past the DOCTYPE check, libxml2 still refuses it fast and in little memory (entities are not expanded)."""
    run = subprocess.run(
        [sys.executable, "-c", BILLION_LAUGHS_PAST_THE_CHECK],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    message, measures = run.stdout.strip().splitlines()
    seconds, grown_kb = measures.split()
    assert message in (XML_LIMITS.format(part=BODY), INVALID_XML.format(part=BODY), DOCTYPE_DECLARED.format(part=BODY))
    assert float(seconds) < 0.5
    assert int(grown_kb) < 50 * 1024


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<?xml version="1.0" encoding="GBK"?><a/>', UNEXPECTED_ENCODING),
        (b'<?xml version="1.0" encoding="ebcdic-cp-us"?><a/>', UNEXPECTED_ENCODING),
        ('<?xml version="1.0" encoding="UTF-32"?><a/>'.encode("utf-32"), UNEXPECTED_ENCODING),
        (b"<?xml version='1.0'?><!-- Word -->\n<?pi x?>\n<!DOCTYPE a><a/>", DOCTYPE_DECLARED),
        (b"\xef\xbb\xbf<!doctype a><a/>", DOCTYPE_DECLARED),
        (b"<a><b></a>", INVALID_XML),
        (b"", INVALID_XML),
        (b"<a>&undefined;</a>", INVALID_XML),
    ],
)
def test_parse_xml_refusals(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableForm) as caught:
        parse_xml(data, "docProps/custom.xml")
    assert str(caught.value) == message.format(part="docProps/custom.xml")
    assert_one_chinese_sentence(str(caught.value))


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0" encoding="UTF-16"?><a>张三</a>'.encode("utf-16"),
        "\ufeff<?xml version='1.0' encoding='utf-8'?><a>张三</a>".encode(),
        "<?xml version='1.0'?><!-- mentions <!DOCTYPE a> in a comment --><a>张三</a>".encode(),
    ],
)
def test_parse_xml_reads_what_word_may_write(data: bytes) -> None:
    assert parse_xml(data, BODY).text == "张三"


def test_legacy_doc_needs_conversion(legacy_doc: Path) -> None:
    exc = refusal(legacy_doc.read_bytes())
    assert type(exc) is NeedsConversion
    assert exc.kind == "doc" and exc.suffix == ".doc"
    assert str(exc) == CONVERSION_MESSAGES["doc"]


def test_legacy_doc_with_password(folder: Path, legacy_doc: Path) -> None:
    exc = refusal(hostile.legacy_doc_encrypted(folder, legacy_doc).read_bytes())
    assert type(exc) is UnreadableForm and str(exc) == ENCRYPTED


def test_old_excel_file_is_no_word_document(folder: Path, legacy_doc: Path) -> None:
    exc = refusal(hostile.legacy_other_office(folder, legacy_doc).read_bytes())
    assert type(exc) is UnreadableForm and str(exc) == NOT_WORD_OLE


def test_needs_conversion_crosses_processes_intact() -> None:
    exc = pickle.loads(pickle.dumps(NeedsConversion("odt")))
    assert type(exc) is NeedsConversion and exc.kind == "odt" and str(exc) == CONVERSION_MESSAGES["odt"]
    assert isinstance(exc, UnreadableForm)


def test_every_message_is_one_chinese_sentence() -> None:
    messages = [value for name, value in vars(package).items() if name.isupper() and isinstance(value, str)]
    messages = [m.format(part=BODY) for m in messages if re.search(r"[\u4e00-\u9fff]", m) and m.endswith("。")]
    assert len(messages) >= 20
    for message in [*messages, *CONVERSION_MESSAGES.values()]:
        assert_one_chinese_sentence(message)
