"""The README documents what the code does: its field tables and its command table are checked against the code.

Run ``python -m tests.test_readme`` to print the field tables to paste into the README after a rubric changes.
"""

from __future__ import annotations

import re

from generator.cli import build_parser
from generator.model.fields import FormField, form_fields
from generator.model.loader import load
from generator.model.rubric import Rubric, RubricSet
from generator.writers.pdf.scripts import accepted_ranges
from tests.conftest import ROOT

README = ROOT / "README.md"
KIND_LABELS = {
    "applicant": "文本",
    "total": "只读，自动求和",
    "score": "整数",
    "review": "多行文本",
    "organization": "文本",
    "roster_key": "隐藏（个人表格的名单编号）",
    "review_date": "文本",
    "seal": "签名（电子盖章）",
}


def accepted(field: FormField) -> str:
    if field.subitem is None:
        return ""
    return "、".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in accepted_ranges(field.subitem))


def field_table(rubric: Rubric) -> str:
    rows = [
        f"#### {rubric.name}（`{rubric.id}`）",
        "",
        "| 字段名 | 提示文字（/TU） | 类型 | 可填分数 |",
        "| --- | --- | --- | --- |",
    ]
    rows += [f"| `{f.name}` | {f.label} | {KIND_LABELS[f.kind]} | {accepted(f)} |" for f in form_fields(rubric)]
    return "\n".join(rows)


def field_tables(rubric_set: RubricSet) -> str:
    return "\n\n".join(field_table(rubric) for rubric in rubric_set)


def readme_section(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(f"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", text, re.S)
    assert found, f"README.md has no {marker} section"
    return found.group(1).strip()


def test_field_tables_match_the_naming_contract(rubric_set: RubricSet) -> None:
    assert readme_section("fields") == field_tables(rubric_set), "run `python -m tests.test_readme` and paste"


def test_every_subcommand_is_in_the_command_table() -> None:
    table = readme_section("commands")
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    for name in subparsers.choices:
        assert f"`rubric-forms {name}" in table, name


if __name__ == "__main__":
    print(field_tables(load(ROOT / "rubrics.toml")))
