"""Legacy word-processor files converted to .docx by LibreOffice: one process per batch, bounded per file.

The first test runs the real LibreOffice on .doc, .wps, .odt and .rtf files
it made itself; the others run :mod:`tests.fake_soffice`, which converts
instantly or hangs, crashes or fails to start when told to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest

from generator.readers import convert
from generator.readers.convert import (
    CANNOT_CONVERT,
    CRASHED,
    NOT_A_DOCUMENT,
    NOT_INSTALLED,
    NOTHING_CONVERTED,
    PROFILE_FAILED,
    SOFFICE_ENV,
    Conversion,
    convert_to_docx,
    convertible_suffix,
    no_response_problem,
    soffice_path,
    timeout_problem,
)

FAKE_SOFFICE = Path(__file__).resolve().parent / "fake_soffice.py"
REAL_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="the fake soffice is started by a POSIX shell script (Windows would need a .cmd)"
)


def write_form(path: Path, text: str) -> Path:
    """A .docx with a heading and a table holding ``text``, as a returned form has."""
    document = docx.Document()
    document.add_paragraph(f"自评表 {text}")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "评审项目"
    table.cell(0, 1).text = "得分"
    table.cell(1, 0).text = text
    table.cell(1, 1).text = "18"
    document.save(str(path))
    return path


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def save_as(sources: list[Path], target: str, outdir: Path, profile: Path) -> None:
    """Let LibreOffice save ``sources`` in the format ``target`` (doc, odt, rtf) into ``outdir``."""
    assert REAL_SOFFICE is not None
    command = [REAL_SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target]
    subprocess.run(
        [*command, "--outdir", str(outdir), *map(str, sources)], check=True, capture_output=True, timeout=120
    )


def counting_wrapper(folder: Path, program: str, record: Path) -> Path:
    """A script that notes each start in ``record``, then runs ``program`` with the same arguments."""
    script = folder / "soffice"
    script.write_text(f'#!/bin/sh\necho started >> "{record}"\nexec "{program}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def fake_soffice(folder: Path) -> Path:
    script = folder / "soffice"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_SOFFICE}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake soffice in place of LibreOffice; returns the file its processes note their ids in."""
    record = tmp_path / "processes.txt"
    monkeypatch.setenv(SOFFICE_ENV, str(fake_soffice(tmp_path)))
    monkeypatch.setenv("FAKE_SOFFICE_RECORD", str(record))
    return record


def processes(record: Path, role: str) -> list[int]:
    if not record.exists():
        return []
    lines = record.read_text(encoding="utf-8").split()
    return [int(pid) for kind, pid in zip(lines[::2], lines[1::2], strict=True) if kind == role]


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie no longer does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def all_gone(pids: list[int], grace_s: float = 3.0) -> bool:
    """Whether every process in ``pids`` has ended, allowing a killed one a moment to do so."""
    deadline = time.monotonic() + grace_s
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def rtf_inputs(folder: Path, *markers: str) -> list[Path]:
    """One small RTF file per marker (the fake soffice acts on the marker), all named 表.rtf in their own folders."""
    paths = []
    for number, marker in enumerate(markers):
        path = folder / f"申报 {number}" / "表.rtf"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"{\\rtf1 " + marker.encode() + b" " + str(number).encode() + b"}")
        paths.append(path)
    return paths


def test_real_libreoffice_converts_a_batch_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if REAL_SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    made = tmp_path / "made"
    made.mkdir()
    first = write_form(made / "甲.docx", "甲组 张三")
    second = write_form(made / "乙.docx", "乙组 李四")
    profile = tmp_path / "profile"
    save_as([first, second], "doc", made, profile)
    save_as([first], "odt", made, profile)
    save_as([first], "rtf", made, profile)
    group_a, group_b = tmp_path / "申报 甲组", tmp_path / "申报 乙组"
    group_a.mkdir()
    group_b.mkdir()
    expected = {
        shutil.copy(made / "甲.doc", group_a / "张三 自评表.doc"): "甲组 张三",
        shutil.copy(made / "乙.doc", group_b / "张三 自评表.doc"): "乙组 李四",
        shutil.copy(made / "甲.odt", group_a / "张三 自评表.odt"): "甲组 张三",
        shutil.copy(made / "甲.rtf", group_a / "李四 自评表.rtf"): "甲组 张三",
        shutil.copy(made / "乙.doc", group_b / "王五 自评表.wps"): "乙组 李四",
    }
    if sys.platform == "linux":  # a GBK name (张三.doc) unzipped on Linux: bytes that are no UTF-8
        expected[shutil.copy(made / "甲.doc", Path(os.fsdecode(bytes(group_b) + b"/\xd5\xc5\xc8\xfd.doc")))] = (
            "甲组 张三"
        )
    truncated = group_b / "坏的 自评表.doc"
    truncated.write_bytes((made / "乙.doc").read_bytes()[:4096])
    noise = tmp_path / "x.doc"
    noise.write_bytes(os.urandom(20000).replace(b"{", b"x").replace(b"PK", b"pk").replace(b"\xd0", b"d"))
    paths = [Path(path) for path in expected] + [truncated, noise]
    record = tmp_path / "starts.txt"
    wrapper = counting_wrapper(tmp_path, REAL_SOFFICE, record)
    monkeypatch.setenv(SOFFICE_ENV, str(wrapper))

    results = convert_to_docx(paths, tmp_path / "转换 工作")

    assert [result.source for result in results] == paths
    assert record.read_text().count("started") == 1
    converted = [result.converted for result in results[: len(expected)]]
    assert all(result.problem is None for result in results[: len(expected)]), results
    assert len(set(converted)) == len(expected)
    for result, text in zip(results, expected.values(), strict=False):
        assert result.converted is not None
        assert text in docx_text(result.converted)
    assert results[-2] == Conversion(truncated, None, CANNOT_CONVERT)
    assert results[-1] == Conversion(noise, None, NOT_A_DOCUMENT)


@posix_only
def test_a_hung_file_times_out_alone_and_leaves_no_process(fake: Path, tmp_path: Path) -> None:
    paths = rtf_inputs(tmp_path, "ok", "HANG", "ok", "ok")
    started = time.monotonic()
    results = convert_to_docx(paths, tmp_path / "work", per_file_timeout_s=2)
    elapsed = time.monotonic() - started

    assert [result.problem for result in results] == [None, timeout_problem(2), None, None]
    assert all(zipfile.is_zipfile(result.converted) for result in results if result.converted)
    assert len({result.converted for result in results}) == 4
    assert 2 <= elapsed < 5
    assert len(processes(fake, "launcher")) == 2  # the first, and one for the files after the hung one
    assert all_gone(processes(fake, "launcher") + processes(fake, "worker"))


@posix_only
def test_a_crash_costs_one_file_and_a_new_process(fake: Path, tmp_path: Path) -> None:
    paths = rtf_inputs(tmp_path, "ok", "CRASH", "FAIL", "ok")
    results = convert_to_docx(paths, tmp_path / "work", per_file_timeout_s=10)

    assert [result.problem for result in results] == [None, CRASHED, CANNOT_CONVERT, None]
    assert len(processes(fake, "launcher")) == 2


@posix_only
def test_a_quick_failure_before_a_hang_is_blamed_on_the_first(fake: Path, tmp_path: Path) -> None:
    """The out folder cannot tell the two apart: neither converts, the rest does."""
    paths = rtf_inputs(tmp_path, "FAIL", "HANG", "ok")
    results = convert_to_docx(paths, tmp_path / "work", per_file_timeout_s=1)

    assert [result.problem for result in results] == [timeout_problem(1), timeout_problem(1), None]
    assert len(processes(fake, "launcher")) == 3


@posix_only
@pytest.mark.parametrize(
    ("mode", "problem"),
    [("exit-profile", PROFILE_FAILED), ("exit-silent", NOTHING_CONVERTED)],
    ids=["profile", "silent"],
)
def test_libreoffice_failing_to_start_fails_every_file_once(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, problem: str
) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", mode)
    paths = rtf_inputs(tmp_path, "ok", "ok", "ok")
    results = convert_to_docx(paths, tmp_path / "work")

    assert results == [Conversion(path, None, problem) for path in paths]
    assert len(processes(fake, "launcher")) == 1


@posix_only
def test_libreoffice_hanging_at_start_costs_one_startup_limit(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "hang-start")
    paths = rtf_inputs(tmp_path, "ok", "ok", "ok")
    started = time.monotonic()
    results = convert_to_docx(paths, tmp_path / "work", per_file_timeout_s=1, startup_timeout_s=1)

    assert time.monotonic() - started < 3
    assert results == [Conversion(path, None, no_response_problem(1)) for path in paths]
    assert all_gone(processes(fake, "launcher") + processes(fake, "worker"))


def test_without_libreoffice_every_file_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(convert, "_installed_programs", list)
    paths = rtf_inputs(tmp_path, "ok", "ok")

    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "missing" / "soffice"))
    assert soffice_path() is None
    for result in convert_to_docx(paths, tmp_path / "work"):
        assert result.converted is None and result.problem is not None
        assert "LibreOffice" in result.problem and "missing" in result.problem and ".docx" in result.problem

    monkeypatch.delenv(SOFFICE_ENV)
    assert convert_to_docx(paths, tmp_path / "work") == [Conversion(path, None, NOT_INSTALLED) for path in paths]
    assert not (tmp_path / "work").exists()


@posix_only
def test_a_program_that_cannot_run_is_a_problem_not_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "soffice"
    program.write_text("not a program", encoding="utf-8")
    program.chmod(0o644)
    monkeypatch.setenv(SOFFICE_ENV, str(program))
    results = convert_to_docx(rtf_inputs(tmp_path, "ok"), tmp_path / "work")

    assert results[0].converted is None
    assert results[0].problem == "无法启动 LibreOffice（没有权限），该文件未转换；请检查 LibreOffice 的安装。"


def test_the_environment_variable_may_name_the_installation_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "LibreOffice" / "program" / "soffice"
    program.parent.mkdir(parents=True)
    program.write_text("", encoding="utf-8")
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "LibreOffice"))
    assert soffice_path() == program


def test_only_word_processor_formats_are_handed_to_libreoffice() -> None:
    assert convertible_suffix(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)) == ".doc"
    assert convertible_suffix(b"\xef\xbb\xbf{\\rtf1\\ansi") == ".rtf"
    odf = b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.text"
    assert convertible_suffix(odf) == ".odt"
    assert convertible_suffix(b"PK\x03\x04" + bytes(40)) == ".docx"
    assert convertible_suffix(b"%PDF-1.7") is None
    assert convertible_suffix("张三 自评表".encode()) is None


def test_an_empty_batch_starts_nothing(tmp_path: Path) -> None:
    assert convert_to_docx([], tmp_path / "work") == []
    assert not (tmp_path / "work").exists()


@posix_only
def test_work_folder_is_emptied_and_names_never_collide(fake: Path, tmp_path: Path) -> None:
    """Outputs of an earlier call in the same folder are never mistaken for this call's."""
    work = tmp_path / "work"
    first = convert_to_docx(rtf_inputs(tmp_path / "一", "ok", "ok"), work)
    assert all(result.converted for result in first)
    results = convert_to_docx(rtf_inputs(tmp_path / "二", "FAIL", "ok"), work)
    assert [result.problem for result in results] == [CANNOT_CONVERT, None]
    assert results[1].converted == work.absolute() / "out" / "0001.docx"
