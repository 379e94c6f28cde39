"""Installed like any Python tool: the wheel in a fresh virtual environment runs every command from any folder.

The wheel is built from this checkout (hatchling, no network) and installed
without its dependencies into a new venv; the dependencies come from the test
environment's site-packages through a ``.pth`` line.  That path is added as a
plain directory, so the checkout's own editable install (itself a ``.pth``
there) is not processed: ``generator`` can only come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from generator.model.rubric import RubricSet
from tests.conftest import ROOT
from tests.read_fillers import fill_pypdf, form_values
from tests.roster_support import GOOD_ROWS, write_csv

BIN = "Scripts" if os.name == "nt" else "bin"


def run(command: list[str | Path], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=environment)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its ``rubric-forms`` command."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, ROOT], base)
    (wheel,) = dist.glob("rubric_forms-*.whl")
    environment = base / "干净的 环境"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / BIN / ("python.exe" if os.name == "nt" else "python")
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base).stdout.strip())
    (purelib / "test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], base)  # pip via the .pth
    located = run([python, "-c", "import generator, sys; print(generator.__file__)"], base).stdout.strip()
    assert Path(located).is_relative_to(environment), located
    return environment / BIN / "rubric-forms"


def test_every_command_works_from_a_strange_folder(installed: Path, tmp_path: Path, rubric_set: RubricSet) -> None:
    folder = tmp_path / "评审 工作夹"
    folder.mkdir()
    check = run([installed, "check"], folder)
    assert "bundled" in check.stdout and "检查通过：3 份评分表均无错误。" in check.stdout
    run([installed, "build", "--out", "表格 输出"], folder)
    forms = sorted((folder / "表格 输出").iterdir())
    assert [f.suffix for f in forms] == [".docx", ".pdf"] * 3
    star = rubric_set.get("star")
    assert star is not None
    returned = folder / "回收 表格"
    returned.mkdir()
    values = form_values(star, ["张三", "华北中心", "客服"], [sub.points for sub in star.subitems], 100)
    fill_pypdf(folder / "表格 输出" / f"{star.title}.pdf", returned / "张三.pdf", values)
    read = run([installed, "read", "回收 表格", "--out", "汇总 结果"], folder)
    assert "读出表格 1 份" in read.stdout
    assert (folder / "汇总 结果" / "评分汇总.xlsx").is_file() and (folder / "汇总 结果" / "评分报告.html").is_file()
    roster = write_csv(folder / "花名 册.csv", GOOD_ROWS, "utf-8-sig")
    personalized = run([installed, "personalize", roster.name, "--out", "个人 表格"], folder)
    assert "已生成 3 份个人表格" in personalized.stdout and len(list((folder / "个人 表格").glob("*.pdf"))) == 3
    mailed = run(
        [installed, "mail", roster.name, "--out", "邮件", "--from", "hr@example.com", "--deadline", "7月31日"], folder
    )
    assert "已生成 3 封邮件" in mailed.stdout and len(list((folder / "邮件").glob("*.eml"))) == 3


def test_init_copies_rubrics_and_templates_that_the_commands_then_use(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "本单位 表格"
    run([installed, "init", folder], tmp_path)
    assert (folder / "rubrics.toml").is_file() and (folder / "templates" / "report.html.j2").is_file()
    again = run([installed, "init", folder], tmp_path, check=False)
    assert again.returncode == 1 and "已存在" in again.stderr and "Traceback" not in again.stderr
    rubrics = folder / "rubrics.toml"
    rubrics.write_text(rubrics.read_text(encoding="utf-8").replace("服务明星自评标准", "服务明星自评表（本单位）"))
    template = folder / "templates" / "check.txt.j2"
    template.write_text("本单位模板\n" + template.read_text(encoding="utf-8"), encoding="utf-8")
    shown = run([installed, "check"], folder).stdout
    assert shown.startswith("本单位模板\n") and "服务明星自评表（本单位）" in shown
    elsewhere = run([installed, "check", "--rubrics", rubrics], tmp_path).stdout
    assert elsewhere.startswith("本单位模板\n"), "templates beside the rubric file come first"


def test_output_into_a_file_is_a_chinese_error(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("x", encoding="utf-8")
    failed = run([installed, "build", "--out", tmp_path / "note.txt" / "sub"], tmp_path, check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.startswith("错误：无法写入") and "note.txt" in failed.stderr


def test_plain_pytest_collects_every_test_module_from_any_folder(tmp_path: Path) -> None:
    """``pytest`` and ``python -m pytest`` alike: no test module relies on the current folder being on sys.path."""
    pytest_command = Path(sys.executable).with_name("pytest.exe" if os.name == "nt" else "pytest")
    collected = run([pytest_command, "--collect-only", "-q", "-p", "no:cacheprovider", ROOT / "tests"], tmp_path)
    modules = {line.split("::")[0] for line in collected.stdout.splitlines() if "::" in line}
    assert len(modules) == len(list((ROOT / "tests").glob("test_*.py"))), collected.stdout[-2000:]


@pytest.mark.parametrize("script", sorted((ROOT / "tests" / "benchmarks").glob("bench_*.py")), ids=lambda p: p.stem)
def test_benchmark_scripts_import_against_the_current_api(script: Path, tmp_path: Path) -> None:
    """The benchmarks are not part of the test command; at least their imports must follow the code."""
    run([sys.executable, "-c", f"import runpy; runpy.run_path({str(script)!r}, run_name='imported')"], tmp_path)
