"""File names from roster values: safe on every system, recognisable, never outside the output folder, unique."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import UserError
from generator.filenames import MAX_STEM_BYTES, inside, safe_component, unique_stems

HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "/etc/shadow",
    "C:\\Windows\\System32",
    'a/b\\c:d*e?f"g<h>i|j',
    "名\x00字\x1f\x7f",
    "张伟\u202egnp.exe",
    "CON",
    "nul.txt",
    "Com1",
    "LPT9 ",
    "末尾点. . .",
    "  前后空格  ",
    "-",
    "",
    "王" * 300,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_component_is_one_harmless_name(tmp_path: Path, text: str) -> None:
    name = safe_component(text)
    assert name and name == name.strip(" .")
    assert not any(ch in name for ch in '/\\:*?"<>|') and all(ch.isprintable() for ch in name)
    assert name.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "PRN", "AUX"}
    assert len(name.encode("utf-8")) <= MAX_STEM_BYTES
    path = inside(tmp_path, f"{name}.pdf")
    path.write_bytes(b"x")  # the file system accepts it, in the folder itself
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.pdf"]


def test_safe_component_keeps_ordinary_chinese_names() -> None:
    assert safe_component("服务明星-张伟") == "服务明星-张伟"
    assert safe_component("服务明星班组-“巾帼文明岗”班组（一）") == "服务明星班组-“巾帼文明岗”班组（一）"
    assert safe_component("../../etc/passwd") == "_.._etc_passwd"
    assert safe_component("CON") == "_CON"
    long = safe_component("王" * 300)
    assert long == "王" * (MAX_STEM_BYTES // 3)


def test_same_names_get_the_unit_then_a_number() -> None:
    stems = unique_stems(
        [
            ("服务明星-张伟", "服务明星-张伟-中国电信"),
            ("服务明星-李娜", "服务明星-李娜-中国移动"),
            ("服务明星-张伟", "服务明星-张伟-中国移动"),
            ("服务明星-张伟", "服务明星-张伟-中国电信"),
            ("服务明星-Tom", "服务明星-Tom-A"),
            ("服务明星-tom", "服务明星-tom-B"),
        ]
    )
    assert stems == [
        "服务明星-张伟-中国电信",
        "服务明星-李娜",
        "服务明星-张伟-中国移动",
        "服务明星-张伟-中国电信-2",
        "服务明星-Tom-A",
        "服务明星-tom-B",
    ]
    assert len({s.casefold() for s in stems}) == len(stems)


def test_inside_refuses_a_name_that_leaves_the_folder(tmp_path: Path) -> None:
    for name in ("../x.pdf", "a/b.pdf", "/etc/passwd", ".."):
        with pytest.raises(UserError, match="不安全"):
            inside(tmp_path, name)
    assert inside(tmp_path, "服务明星-张伟.pdf") == tmp_path / "服务明星-张伟.pdf"
