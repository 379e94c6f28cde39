"""The library API a Python user calls: the README's example runs as written; the public names resolve lazily."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

import generator
from generator.model.rubric import RubricSet
from tests.read_fillers import fill_pypdf, form_values, write_form
from tests.test_readme import readme_section


def readme_example() -> str:
    block = readme_section("api")
    assert block.startswith("```python\n") and block.endswith("\n```")
    return block.removeprefix("```python\n").removesuffix("\n```")


def test_readme_example_runs_as_written(chinese_workdir: Path, rubric_set: RubricSet) -> None:
    inbox = chinese_workdir / "收件箱"
    inbox.mkdir()
    star = rubric_set.get("star")
    assert star is not None
    blank = write_form(star, chinese_workdir / "blank.pdf")
    scores = [sub.points for sub in star.subitems]
    fill_pypdf(blank, inbox / "张三 自评表.pdf", form_values(star, ["张三", "华北中心", "客服"], scores, 100))
    (inbox / "说明.txt").write_text("不是表格", encoding="utf-8")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(readme_example(), "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert len(lines) == 2
    good = next(line for line in lines if "张三 自评表.pdf" in line)
    assert good.endswith("张三 自评表.pdf 100 可申报")
    assert any("说明.txt" in line and "既不是 PDF 表格、Word 文档，也不是扫描图片" in line for line in lines)
    assert len(list((chinese_workdir / "output").glob("*.pdf"))) == 3
    assert len(list((chinese_workdir / "output").glob("*.docx"))) == 3
    sheet = load_workbook(chinese_workdir / "output" / "汇总" / "评分汇总.xlsx")["服务明星"]
    assert sheet.cell(2, 4).value == "张三"


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in generator.__all__:
        value = getattr(generator, name)
        if callable(value):
            assert value.__doc__, f"generator.{name} has no docstring"
    assert set(dir(generator)) >= set(generator.__all__)
    with pytest.raises(AttributeError):
        _ = generator.no_such_name  # type: ignore[attr-defined]


def test_importing_the_package_loads_no_heavy_library() -> None:
    heavy = "('reportlab', 'pypdf', 'docx', 'openpyxl', 'jinja2')"
    code = f"import sys, generator; print(sorted(m for m in {heavy} if m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"
