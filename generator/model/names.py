"""Characters no rubric text may hold, and rubric texts that become file names.

Every text of ``rubrics.toml`` is printed on a form, and titles and names also
become file names (``全国用户满意服务明星自评标准.pdf``, ``评分汇总-服务明星.csv``).
Control and invisible format characters are refused outright: they cannot be
printed and can break a file name or a terminal.  A title or name is made
safe as a file name by :func:`generator.filenames.safe_component` (slashes,
``: * ? " < > |``, reserved Windows names, over-long names); what cannot be
made safe — nothing left of it, or two rubrics whose files would overwrite
each other — is refused here, before anything is written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from generator.filenames import FALLBACK, fold, safe_component
from generator.model.rubric import Rubric
from generator.model.toml_source import Problem

NAMED = {"\n": "换行符", "\r": "回车符", "\t": "制表符", "\x00": "空字符（NUL）"}


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def unprintable(text: str) -> str:
    """What kind of character in ``text`` no form may print, or ``""`` when there is none."""
    for char in text:
        category = unicodedata.category(char)
        if char in NAMED:
            return NAMED[char]
        if category == "Cc":
            return f"控制字符（U+{ord(char):04X}）"
        if category == "Cf":
            return f"不可见的格式字符（U+{ord(char):04X}）"
        if category == "Cs" or _noncharacter(char):
            return f"无效字符（U+{ord(char):04X}）"
    return ""


def _clashes(texts: Sequence[tuple[str, str]], what: str, use: str) -> list[Problem]:
    """``(path, text)`` pairs whose file names coincide, or leave nothing usable."""
    problems: list[Problem] = []
    seen: dict[str, tuple[str, str]] = {}
    for path, text in texts:
        stem = safe_component(text)
        if stem == FALLBACK and text != FALLBACK:
            problems.append(Problem(path, f"{what}“{text}”去掉文件名中不能用的字符后什么也不剩，无法用作{use}"))
            continue
        first = seen.setdefault(fold(stem), (path, text))
        if first[0] != path:
            problems.append(
                Problem(path, f"{what}“{text}”与 {first[0]} 的“{first[1]}”生成相同的{use}“{stem}”，文件会互相覆盖")
            )
    return problems


def check_file_names(rubrics: Sequence[tuple[str, Rubric]]) -> list[Problem]:
    """Titles (form files) and names (report files) that cannot each give their own safe file name."""
    titles = [(f"{path}.title", rubric.title) for path, rubric in rubrics]
    names = [(f"{path}.name", rubric.name) for path, rubric in rubrics]
    return _clashes(titles, "标题", "表格文件名") + _clashes(names, "名称", "汇总文件名")
