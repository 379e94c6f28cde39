"""A batch of bad and hostile files: one clear problem entry each, within the per-file bounds, the batch going on."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import zlib
from pathlib import Path

import pytest

from generator.model.rubric import RubricSet
from generator.readers.batch import CRASH_PROBLEM, read_batch, read_returns, timeout_problem
from generator.readers.docx.package import DAMAGED
from generator.readers.formats import EMPTY, UNKNOWN
from generator.readers.limits import BatchLimits
from generator.readers.pdf.document import HOSTILE, REPAIRED
from generator.readers.results import TOO_BIG, FormResult
from generator.readers.scan.pages import ScannedFile
from tests import hostile
from tests.read_fillers import fill_pypdf, form_values, write_form

EXPECTED = {
    "empty.pdf": EMPTY,
    "not-a-pdf.pdf": UNKNOWN,
    "word.pdf": DAMAGED,  # a ZIP header and nothing after it: read as a Word document, a damaged one
    "truncated.pdf": "文件不完整（末尾缺少结束标记，可能在下载或传输中被截断），请让申报人重新发送。",
    "encrypted.pdf": "文件已加密（需要密码才能打开），无法读取；请让申报人发送未加密的表格。",
    "no-acroform.pdf": "文件不含可填写的表单字段，不是本工具生成的评分表。",
    "broken-xref.pdf": REPAIRED,
    "flate-bomb.pdf": HOSTILE,
    "kids-cycle.pdf": HOSTILE,
    "pages-cycle.pdf": "文件不含可填写的表单字段，不是本工具生成的评分表。",
    "deep-nesting.pdf": HOSTILE,
    "2000-pages.pdf": "文件不含可填写的表单字段，不是本工具生成的评分表。",
    "unknown-form.pdf": "这不是本工具生成的评分表（表单字段无法识别），无法读取。",
}
PAPER = {"flattened.pdf", "printed.pdf"}
"""Flattened forms keep their printed page codes: they are read as paper returns (scan pages), not refused."""
LIMITS = BatchLimits(jobs=2, timeout_s=20)


@pytest.fixture(scope="module")
def good_form(rubric_set: RubricSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    star = rubric_set.get("star")
    assert star is not None
    folder = tmp_path_factory.mktemp("good")
    values = form_values(star, ["李四", "国网上海市电力公司", "客户经理"], [8, 12, 13, 9, 10, 18, 15], 85)
    return fill_pypdf(write_form(star, folder / "blank.pdf"), folder / "李四.pdf", values)


@pytest.fixture(scope="module")
def corpus(good_form: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("pdftocairo") is None:
        pytest.skip("poppler-utils (pdftocairo) is not installed on this machine")
    return hostile.build_corpus(tmp_path_factory.mktemp("corpus"), good_form)


def test_the_bomb_really_inflates_past_a_gigabyte() -> None:
    data = hostile.bomb_stream()
    inflater = zlib.decompressobj()
    first = inflater.decompress(data[:4096], 64 * 1024 * 1024)
    assert first == bytes(len(first)) and len(first) > 3 * 1024 * 1024
    assert len(data) < 2 * 1024 * 1024 and hostile.BOMB_BYTES > 1024**3
    small = hostile.bomb_stream(8 * 1024 * 1024)
    assert zlib.decompress(small) == bytes(8 * 1024 * 1024)


def test_every_bad_file_yields_exactly_one_clear_problem(
    corpus: dict[str, Path], good_form: Path, rubric_set: RubricSet
) -> None:
    assert set(corpus) == set(EXPECTED) | PAPER
    files = [(good_form, "first.pdf")] + [(path, name) for name, path in corpus.items()] + [(good_form, "last.pdf")]
    outcomes = read_batch(files, rubric_set, LIMITS)
    assert [r.source for r in outcomes] == [source for _, source in files]
    scans = {r.source: r for r in outcomes if isinstance(r, ScannedFile)}
    by_source = {r.source: r for r in outcomes if isinstance(r, FormResult)}
    for name, expected in EXPECTED.items():
        assert by_source[name].problems == (expected,), name
    assert set(scans) == PAPER
    for scan in scans.values():
        assert [(p.code.rubric_id, p.code.page) for p in scan.pages if p.code] == [("star", 1), ("star", 2)]
    assert by_source["broken-xref.pdf"].read and by_source["broken-xref.pdf"].total == 85
    for source in ("first.pdf", "last.pdf"):
        assert by_source[source].clean and by_source[source].total == 85


def copies(good_form: Path, folder: Path, names: list[str]) -> list[tuple[Path, str]]:
    files = []
    for name in names:
        shutil.copyfile(good_form, folder / name)
        files.append((folder / name, name))
    return files


def test_a_hung_worker_is_killed_and_replaced(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    names = ["a.pdf", "hang-1.pdf", "b.pdf", "hang-2.pdf", "c.pdf", "d.pdf", "e.pdf"]
    limits = BatchLimits(jobs=2, timeout_s=1.5)
    results = read_batch(copies(good_form, tmp_path, names), rubric_set, limits, read=hostile.sleepy_read)
    outcome = {r.source: r.problems for r in results}
    assert outcome["hang-1.pdf"] == outcome["hang-2.pdf"] == (timeout_problem(1.5),)
    assert all(outcome[n] == () for n in names if not n.startswith("hang")), outcome


def test_memory_beyond_the_cap_is_one_problem(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    names = ["a.pdf", "greedy.pdf", "b.pdf"]
    limits = BatchLimits(jobs=1, timeout_s=20, memory_mb=768)
    results = read_batch(copies(good_form, tmp_path, names), rubric_set, limits, read=hostile.greedy_read)
    assert [r.problems for r in results] == [(), (TOO_BIG,), ()]


def test_a_crashed_worker_is_one_problem_and_replaced(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    names = ["a.pdf", "crash.pdf", "b.pdf", "c.pdf"]
    results = read_batch(copies(good_form, tmp_path, names), rubric_set, LIMITS, read=hostile.crashing_read)
    assert [r.problems for r in results] == [(), (CRASH_PROBLEM,), (), ()]


def test_progress_is_reported_for_every_file(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    seen: list[str] = []
    files = copies(good_form, tmp_path, [f"{n}.pdf" for n in range(9)])
    read_batch(files, rubric_set, LIMITS, on_result=lambda result: seen.append(result.source))
    assert sorted(seen) == sorted(name for _, name in files)


def test_spawned_workers_read_chinese_paths_with_spaces(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    """Windows starts workers with ``spawn``: nothing may rely on inheriting the parent's memory."""
    folder = tmp_path / "回收 表格" / "第一 批"
    folder.mkdir(parents=True)
    files = copies(good_form, folder, ["张三 自评.pdf", "hang 李四.pdf", "王五.pdf"])
    limits = BatchLimits(jobs=2, timeout_s=4, start_method="spawn")
    results = read_batch([(path, str(path)) for path, _ in files], rubric_set, limits, read=hostile.sleepy_read)
    assert [Path(r.source).name for r in results] == ["张三 自评.pdf", "hang 李四.pdf", "王五.pdf"]
    assert results[0].clean and results[0].total == 85 and results[0].applicant["name"] == "李四"
    assert results[1].problems == (timeout_problem(4),)
    assert results[2].clean


ODD_ENTRIES = {
    "管道.pdf": "这不是普通文件（命名管道），已跳过。",
    "套接字.pdf": "这不是普通文件（套接字），已跳过。",
    "设备.pdf": "这不是普通文件（设备文件），已跳过。",
    "循环.pdf": "这是一个循环的符号链接（链接最终又指向自身），已跳过。",
    "失效.pdf": "这是一个失效的符号链接（它指向的文件不存在），已跳过。",
    "链接文件夹": "这是指向文件夹的符号链接，查找时不会进入；如需读取其中的表格，请直接给出该文件夹。",
}


def quirky_forms(good_form: Path) -> dict[str, bytes]:
    """Good forms as they arrive in the wild: encrypted for permissions only, with bytes after the end, odd names."""
    good = good_form.read_bytes()
    forms = {
        "aes-128.pdf": hostile.encrypted(good_form, user_password="", algorithm="AES-128"),
        "aes-256.pdf": hostile.encrypted(good_form, user_password="", algorithm="AES-256"),
        "尾部 1KB.pdf": good + hostile.trailing_junk(1024),
        "尾部 100KB.pdf": good + hostile.trailing_junk(100 * 1024),
        "\x1b[31m控制字符\x07.pdf": good,
    }
    if sys.platform == "linux":  # only Linux keeps names that are not UTF-8
        forms[os.fsdecode(hostile.GBK_NAME)] = good
    return forms


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symbolic links need POSIX")
def test_odd_entries_and_quirky_forms_in_one_folder(good_form: Path, rubric_set: RubricSet, tmp_path: Path) -> None:
    """Each entry is one result, in the order found; the odd ones a problem each, never opened; the batch goes on."""
    folder, elsewhere = tmp_path / "收件箱", tmp_path / "别处"
    folder.mkdir()
    elsewhere.mkdir()
    made = hostile.special_entries(folder, shutil.copyfile(good_form, elsewhere / "原件.pdf"))
    forms = quirky_forms(good_form)
    for name, data in forms.items():
        (folder / name).write_bytes(data)
    progress: list[tuple[int, int]] = []
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.alarm(120)  # a read that blocks on the pipe fails the test instead of hanging it
    try:
        results = read_returns([folder], rubric_set, LIMITS, on_progress=lambda *done: progress.append(done))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    by_name = {Path(r.source).name: r for r in results}
    assert len(results) == len(by_name) == len(made) + len(forms) == progress[-1][0] == progress[-1][1]
    for name, problem in ODD_ENTRIES.items():
        assert by_name[name].problems == (problem,), name
    shown = {os.fsdecode(hostile.GBK_NAME): "张三.pdf"}
    readable = [made["file-link"].name, *(shown.get(name, name) for name in forms)]
    for name in readable:
        assert by_name[name].clean and by_name[name].total == 85, (name, by_name[name].problems)
