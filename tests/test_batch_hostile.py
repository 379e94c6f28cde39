"""A batch of bad and hostile files: one clear problem entry each, within the per-file bounds, the batch going on."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest

from generator.model.rubric import RubricSet
from generator.readers.batch import CRASH_PROBLEM, read_batch, timeout_problem
from generator.readers.limits import BatchLimits
from generator.readers.pdf.document import HOSTILE, REPAIRED
from generator.readers.results import TOO_BIG
from tests import hostile
from tests.read_fillers import fill_pypdf, form_values, write_form

EXPECTED = {
    "empty.pdf": "文件是空的（0 字节），不是 PDF 表格。",
    "not-a-pdf.pdf": "这不是 PDF 文件（文件开头没有 PDF 标记），请让申报人发送填写好的 PDF 表格。",
    "word.pdf": "这不是 PDF 文件，而是 Word 文档或压缩包（.docx/.zip），请让申报人发送填写好的 PDF 表格。",
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
    "flattened.pdf": "这份“服务明星”表格已被扁平化（例如经过“打印为 PDF”或扫描），填写的内容已变成普通文字，无法读取；"
    "请让申报人发送可填写的原表格。",
    "printed.pdf": "这份“服务明星”表格已被扁平化（例如经过“打印为 PDF”或扫描），填写的内容已变成普通文字，无法读取；"
    "请让申报人发送可填写的原表格。",
}
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
    assert set(corpus) == set(EXPECTED)
    files = [(good_form, "first.pdf")] + [(path, name) for name, path in corpus.items()] + [(good_form, "last.pdf")]
    results = read_batch(files, rubric_set, LIMITS)
    assert [r.source for r in results] == [source for _, source in files]
    by_source = {r.source: r for r in results}
    for name, expected in EXPECTED.items():
        assert by_source[name].problems == (expected,), name
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
