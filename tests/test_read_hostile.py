"""Hostile and odd inputs to one read: encryption, absurd values, bytes after the end, strange files and names.

Every file here is a real generated form filled with pypdf, then changed the
way a mail client, a zip tool, a PDF tool or an attacker would.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf._crypt_providers import _fallback
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from generator.model.fields import header_field
from generator.model.rubric import Rubric, RubricSet
from generator.readers import files
from generator.readers.batch import read_returns
from generator.readers.inputs import InputError, collect_inputs
from generator.readers.limits import BatchLimits
from generator.readers.pdf.document import ENCRYPTED, MISSING_CRYPTO, UNSUPPORTED_ENCRYPTION
from generator.readers.pdf.ending import APPENDED_PDF, TRUNCATED
from generator.readers.results import FormResult
from generator.readers.returns import read_return
from generator.readers.scores import MAX_TEXT
from tests import hostile
from tests.read_fillers import fill_pypdf, form_values, write_form

STAR_SCORES = [8, 12, 13, 9, 10, 18, 15]  # 85
STAR_PERSON = ["李四", "国网上海市电力公司", "客户经理"]
POSIX_ONLY = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symbolic links need POSIX")
LIMITS = BatchLimits(jobs=2, timeout_s=20)


@pytest.fixture(scope="module")
def star(rubric_set: RubricSet) -> Rubric:
    found = rubric_set.get("star")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def blank(star: Rubric, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_form(star, tmp_path_factory.mktemp("blank") / "star.pdf")


@pytest.fixture(scope="module")
def good_form(star: Rubric, blank: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("good") / "李四.pdf"
    return fill_pypdf(blank, target, form_values(star, STAR_PERSON, STAR_SCORES, 85))


def read_data(data: bytes, folder: Path, rubric_set: RubricSet, name: str = "form.pdf") -> FormResult:
    path = folder / name
    path.write_bytes(data)
    return read_return(path, rubric_set)


def assert_good(result: FormResult, star: Rubric) -> None:
    assert result.read and result.clean, result.problems
    assert result.total == 85 and list(result.applicant.values()) == STAR_PERSON
    assert result.fingerprint == star.fingerprint


@pytest.fixture
def fails_if_blocked() -> Iterator[None]:
    """Fail a test that blocks (say, on opening a named pipe) instead of hanging the suite."""

    def hung(*_: object) -> None:
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# 1. Encryption ---------------------------------------------------------------------------------------

ALGORITHMS = {"RC4-128": (2, 3), "AES-128": (4, 4), "AES-256-R5": (5, 5), "AES-256": (5, 6)}


def encryption_of(data: bytes) -> tuple[object, object]:
    """The /V (algorithm) and /R (revision) of a file's encryption dictionary."""
    encrypt = cast(DictionaryObject, PdfReader(io.BytesIO(data)).trailer["/Encrypt"].get_object())
    return encrypt.get("/V"), encrypt.get("/R")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_form_protected_only_by_an_owner_password_reads(
    algorithm: str, good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path
) -> None:
    data = hostile.encrypted(good_form, user_password="", algorithm=algorithm)
    assert encryption_of(data) == ALGORITHMS[algorithm]
    assert_good(read_data(data, tmp_path, rubric_set), star)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_form_with_a_real_user_password_is_refused(
    algorithm: str, good_form: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    data = hostile.encrypted(good_form, user_password="secret", algorithm=algorithm)
    assert read_data(data, tmp_path, rubric_set).problems == (ENCRYPTED,)


PROVIDED = "CryptAES CryptRC4 aes_cbc_decrypt aes_cbc_encrypt aes_ecb_decrypt aes_ecb_encrypt rc4_decrypt rc4_encrypt"


def without_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf as it runs without ``cryptography``: its own RC4, and AES raising ``DependencyError``."""
    import pypdf._encryption as encryption

    for name in PROVIDED.split():
        monkeypatch.setattr(encryption, name, getattr(_fallback, name))


@pytest.mark.parametrize(("algorithm", "password"), [("AES-128", ""), ("AES-256", ""), ("AES-256", "secret")])
def test_a_missing_decryption_library_is_named_not_a_password(
    algorithm: str,
    password: str,
    good_form: Path,
    rubric_set: RubricSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = hostile.encrypted(good_form, user_password=password, algorithm=algorithm)
    without_cryptography(monkeypatch)
    assert read_data(data, tmp_path, rubric_set).problems == (MISSING_CRYPTO,)


def test_rc4_needs_no_library(
    good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = hostile.encrypted(good_form, user_password="", algorithm="RC4-128")
    without_cryptography(monkeypatch)
    assert_good(read_data(data, tmp_path, rubric_set), star)


@pytest.mark.parametrize(
    ("old", "new"),
    [(b"/Filter /Standard", b"/Filter /PubSec  "), (b"/V 5\n/R 6", b"/V 9\n/R 6")],
    ids=["certificate-handler", "unknown-version"],
)
def test_an_encryption_the_reader_cannot_open_is_named(
    old: bytes, new: bytes, good_form: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    data = hostile.patched(hostile.encrypted(good_form, user_password="", algorithm="AES-256"), old, new)
    assert read_data(data, tmp_path, rubric_set).problems == (UNSUPPORTED_ENCRYPTION,)


# 2. Absurd values --------------------------------------------------------------------------------------


def test_absurdly_long_and_strange_values_are_problems_not_a_damaged_file(
    star: Rubric, blank: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    long_name = "国网" * 25_000  # 50,000 characters: 100 KB in the file
    person = [long_name, "单\x00位\ufffe\uffff", "\x1b[31m客户经理\x07"]
    scores: list[int | str] = ["1" * 5000, "-" + "9" * 5000, "１" * 5000, "1e400", 9, 18, 15]
    values = form_values(star, person, scores, "9" * 5000)
    result = read_return(fill_pypdf(blank, tmp_path / "huge.pdf", values), rubric_set)
    assert result.read and result.total == 9 + 18 + 15
    assert result.applicant == {
        "name": long_name[:MAX_TEXT] + "…",
        "unit": "单\x00位\ufffe\uffff",
        "post": "\x1b[31m客户经理\x07",
    }
    names = [sub.name for sub in star.subitems]
    assert result.problems == (
        f"表头“姓名”填写的内容过长（50000 个字符），只保留了前 {MAX_TEXT} 个字符；请核对。",
        f"“{names[0]}”的评分“{'1' * 40}…”不是有效的分数（应填写 0-10 的整数）。",
        f"“{names[1]}”的评分“-{'9' * 39}…”不是有效的分数（应填写 0-15 的整数）。",
        f"“{names[2]}”的评分“{'１' * 40}…”不是有效的分数（应填写 0-15 的整数）。",
        f"“{names[3]}”的评分“1e400”不是有效的分数（应填写 0-10 的整数）。",
        f"自评总分“{'9' * 40}…”不是有效的分数；已按各项评分计算。",
    )
    first = star.subitems[0].id
    assert result.scores[first].raw == "1" * MAX_TEXT + "…"
    assert result.self_reported == "9" * MAX_TEXT + "…"


def test_100_kb_in_every_header_field_is_kept_cut(
    star: Rubric, blank: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    person = ["A" * 102_400, "(" * 102_400, "\\" * 102_400]  # plain, and escaped in the file as literal strings
    values = form_values(star, person, STAR_SCORES, 85)
    result = read_return(fill_pypdf(blank, tmp_path / "wide.pdf", values), rubric_set)
    assert result.read and result.total == 85
    assert list(result.applicant.values()) == [text[:MAX_TEXT] + "…" for text in person]
    assert result.problems == tuple(
        f"表头“{label}”填写的内容过长（102400 个字符），只保留了前 {MAX_TEXT} 个字符；请核对。"
        for label in ("姓名", "单位", "岗位")
    )


def set_value(writer: PdfWriter, field: str, value: str) -> None:
    """Set the /V of the first page's widget named ``field``."""
    for annotation in cast(ArrayObject, writer.pages[0]["/Annots"]):
        widget = annotation.get_object()
        if widget.get("/T") == field:
            widget[NameObject("/V")] = TextStringObject(value)


def with_raw_value(blank: Path, target: Path, field: str, literal: bytes) -> Path:
    """The form with one field's /V written as the PDF string ``literal`` (bytes no filler would write)."""
    placeholder = "X" * (len(literal) - 2)
    writer = PdfWriter(clone_from=PdfReader(blank))
    set_value(writer, field, placeholder)
    buffer = io.BytesIO()
    writer.write(buffer)
    target.write_bytes(hostile.patched(buffer.getvalue(), f"({placeholder})".encode(), literal))
    return target


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (rb"(\376\377\137\040\116\011\330\000)", "张三\ufffd"),  # UTF-16 with a lone surrogate
        (rb"(\376\377\137\040\116)", "张\ufffd"),  # UTF-16 of odd length
        (rb"(\000\033\000\007)", "\x1b\x07"),  # UTF-16 without a byte order mark
    ],
)
def test_broken_text_encodings_are_kept_with_replacement_characters(
    literal: bytes, text: str, star: Rubric, blank: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    name_field = header_field(star, star.applicant_fields[0]).name
    result = read_return(with_raw_value(blank, tmp_path / "raw.pdf", name_field, literal), rubric_set)
    assert result.read and result.applicant["name"] == text


# 3. Bytes after the end, and real truncation --------------------------------------------------------------


@pytest.mark.parametrize("size", [len(hostile.MAIL_SIGNATURE), 1024, 2048, 100 * 1024])
def test_bytes_after_the_end_are_ignored(
    size: int, good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path
) -> None:
    data = good_form.read_bytes() + hostile.trailing_junk(size)
    assert_good(read_data(data, tmp_path, rubric_set), star)


def test_zeros_after_the_end_without_a_signature_are_ignored(
    good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path
) -> None:
    assert_good(read_data(good_form.read_bytes() + bytes(2048), tmp_path, rubric_set), star)


def test_a_second_document_glued_on_is_ignored_and_said(
    good_form: Path, blank: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path
) -> None:
    result = read_data(good_form.read_bytes() + blank.read_bytes(), tmp_path, rubric_set)
    assert result.read and result.total == 85 and result.applicant["name"] == "李四"
    assert result.problems == (APPENDED_PDF,)


def incremental_update(filled: Path, name: str) -> tuple[bytes, bytes]:
    """The filled form saved again incrementally (as Acrobat saves) with another applicant name: old and new."""
    writer = PdfWriter(filled, incremental=True)
    set_value(writer, "star-applicant-name", name)
    buffer = io.BytesIO()
    writer.write(buffer)
    old = filled.read_bytes()
    assert buffer.getvalue().startswith(old)
    return old, buffer.getvalue()


def test_an_incremental_update_is_read_whole(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    _, updated = incremental_update(good_form, "王五")
    result = read_data(updated + hostile.trailing_junk(1024), tmp_path, rubric_set)
    assert result.clean and result.applicant["name"] == "王五"


def truncations(good: bytes, updated: bytes) -> dict[str, bytes]:
    end = good.rindex(b"%%EOF")
    update = len(good)
    return {
        "half": good[: len(good) // 2],
        "before-eof": good[:end],
        "inside-eof": good[: end + 3],
        "inside-startxref": good[: good.rindex(b"startxref") + 12],
        "update-cut-in-objects": updated[: update + (len(updated) - update) // 3],
        "update-cut-before-its-eof": updated[: updated.rindex(b"%%EOF")],
        "half-then-zeros": good[: len(good) // 2] + bytes(2048),
    }


def test_truncated_files_are_still_called_truncated(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    good, updated = incremental_update(good_form, "王五")
    for name, data in truncations(good, updated).items():
        assert read_data(data, tmp_path, rubric_set, f"{name}.pdf").problems == (TRUNCATED,), name


# 4. Files that are no regular files, and names that are not UTF-8 -----------------------------------------


@POSIX_ONLY
def test_a_named_pipe_or_device_given_directly_is_a_problem_not_a_hang(
    tmp_path: Path, rubric_set: RubricSet, fails_if_blocked: None
) -> None:
    fifo = tmp_path / "管道.pdf"
    os.mkfifo(fifo)
    assert read_return(fifo, rubric_set).problems == ("这不是普通文件（命名管道），已跳过。",)
    assert read_return(Path("/dev/zero"), rubric_set).problems == ("这不是普通文件（设备文件），已跳过。",)
    results = read_returns([fifo, Path("/dev/null")], rubric_set, LIMITS)
    assert [r.problems for r in results] == [
        ("这不是普通文件（命名管道），已跳过。",),
        ("这不是普通文件（设备文件），已跳过。",),
    ]


SPECIAL_PROBLEMS = {
    "fifo": "这不是普通文件（命名管道），已跳过。",
    "socket": "这不是普通文件（套接字），已跳过。",
    "device": "这不是普通文件（设备文件），已跳过。",
    "loop": "这是一个循环的符号链接（链接最终又指向自身），已跳过。",
    "dangling": "这是一个失效的符号链接（它指向的文件不存在），已跳过。",
    "folder-link": "这是指向文件夹的符号链接，查找时不会进入；如需读取其中的表格，请直接给出该文件夹。",
}


@POSIX_ONLY
def test_every_odd_entry_in_a_folder_is_one_problem(
    good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path, fails_if_blocked: None
) -> None:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    made = hostile.special_entries(folder, good_form)
    (folder / "张三.pdf").write_bytes(good_form.read_bytes())
    collected = dict(collect_inputs([folder]))
    assert set(collected) == {*made.values(), folder / "张三.pdf"}
    results = {Path(r.source).name: r for r in read_returns([folder], rubric_set, LIMITS)}
    for kind, problem in SPECIAL_PROBLEMS.items():
        assert results[made[kind].name].problems == (problem,), kind
    assert_good(results[made["file-link"].name], star)
    assert_good(results["张三.pdf"], star)


@POSIX_ONLY
def test_a_link_named_directly_is_a_problem_and_a_missing_path_a_usage_error(tmp_path: Path) -> None:
    dangling = tmp_path / "失效.pdf"
    dangling.symlink_to(tmp_path / "不存在.pdf")
    assert files.file_problem(dangling) == SPECIAL_PROBLEMS["dangling"]
    assert collect_inputs([dangling]) == [(dangling, str(dangling))]
    with pytest.raises(InputError, match="找不到以下文件或文件夹"):
        collect_inputs([tmp_path / "不存在.pdf"])


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="names that are not UTF-8 exist on Linux")
def test_gbk_file_names_are_shown_decoded(good_form: Path, star: Rubric, rubric_set: RubricSet, tmp_path: Path) -> None:
    folder = tmp_path / "回收"
    folder.mkdir()
    gbk = folder / os.fsdecode(hostile.GBK_NAME)
    gbk.write_bytes(good_form.read_bytes())
    garbage = folder / os.fsdecode(b"\xff\xfe\x80.pdf")
    garbage.write_bytes(good_form.read_bytes())
    assert "\udcd5" in str(gbk)  # really not UTF-8: Python holds it with surrogate escapes
    sources = {path: source for path, source in collect_inputs([folder])}
    assert sources[gbk] == str(folder / "张三.pdf")
    assert sources[garbage] == str(folder / "\ufffd\ufffd\ufffd.pdf")
    results = read_returns([folder], rubric_set, LIMITS)
    assert sorted(r.source for r in results) == sorted(sources.values())
    for result in results:
        result.source.encode("utf-8")
        assert_good(result, star)
    assert read_return(gbk, rubric_set).source == str(folder / "张三.pdf")


NOBODY = 65534


def listing(folder: Path) -> list[str]:
    """Each input found in ``folder``: its name, and the problem reading it would report."""
    return [f"{Path(source).name} {files.file_problem(path)}" for path, source in collect_inputs([folder])]


def as_nobody(folder: Path) -> list[str]:
    """:func:`listing` in a forked child that runs as ``nobody`` (root lists every folder)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            os.close(read_end)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write_end, "\n".join(listing(folder)).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with open(read_end, "rb") as pipe:
        output = pipe.read().decode()
    assert os.waitpid(pid, 0)[1] == 0
    return output.splitlines()


@POSIX_ONLY
def test_a_folder_that_cannot_be_listed_is_a_problem(good_form: Path) -> None:
    with tempfile.TemporaryDirectory() as top:
        folder = Path(top)
        folder.chmod(0o755)
        (folder / "a.pdf").write_bytes(good_form.read_bytes())
        (folder / "锁住").mkdir()
        (folder / "锁住" / "b.pdf").write_bytes(b"%PDF-")
        (folder / "锁住").chmod(0o700 if os.geteuid() == 0 else 0o000)  # root's own folder: closed to nobody
        try:
            found = as_nobody(folder) if os.geteuid() == 0 else listing(folder)
        finally:
            (folder / "锁住").chmod(0o700)
    assert found == ["a.pdf None", "锁住 无法打开该文件夹（没有权限），其中的文件未读取。"]


# 5. Control characters in names -----------------------------------------------------------------------------


@POSIX_ONLY
def test_control_characters_in_names_are_kept_as_data(
    star: Rubric, blank: Path, rubric_set: RubricSet, tmp_path: Path
) -> None:
    person = ["\x1b]0;标题\x07李四", "\x1b[2J单位\r\n", "岗位\x08\x7f"]
    scores: list[int | str] = ["\x1b8", *STAR_SCORES[1:]]
    name = "\x1b[31m张三\x07\t.pdf"
    fill_pypdf(blank, tmp_path / name, form_values(star, person, scores, 77))
    (result,) = read_returns([tmp_path / name], rubric_set, LIMITS)
    assert result.source == str(tmp_path / name)
    assert result.applicant == {"name": person[0], "unit": "\x1b[2J单位", "post": person[2]}
    assert result.problems == (f"“{star.subitems[0].name}”的评分“\\u001b8”不是有效的分数（应填写 0-10 的整数）。",)
    assert result.scores[star.subitems[0].id].raw == "\x1b8"
