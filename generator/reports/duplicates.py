"""The same applicant returned twice: same rubric, name (or team name) and unit, flagged on every copy.

The name and unit are the header blanks whose ``role`` says so in ``rubrics.toml``.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import FormResult


def _normal(text: str) -> str:
    """Compare as people mean it: full-width and half-width alike, spaces and case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def applicant_key(result: FormResult, rubric: Rubric) -> tuple[str, ...] | None:
    """Who the form is about: the rubric, the name (姓名/班组名称) and the unit."""
    name, unit = (_normal(value) for value in _name_and_unit(result, rubric))
    return (rubric.id, name, unit) if name else None


def _name_and_unit(result: FormResult, rubric: Rubric) -> tuple[str, str]:
    unit = rubric.unit_field
    return result.applicant.get(rubric.name_field.id, ""), result.applicant.get(unit.id, "") if unit else ""


def describe(result: FormResult, rubric: Rubric) -> str:
    """The name and unit as typed, for the message."""
    return "，".join(value for value in _name_and_unit(result, rubric) if value)


def flag_duplicates(results: Sequence[FormResult], rubrics: RubricSet) -> list[FormResult]:
    """The results, each form of an applicant who returned more than one flagged with the others' files."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, result in enumerate(results):
        rubric = rubrics.get(result.rubric_id or "")
        key = applicant_key(result, rubric) if result.read and rubric else None
        if key:
            groups[key].append(index)
    flagged = list(results)
    for indexes in groups.values():
        if len(indexes) < 2:
            continue
        for index in indexes:
            result = results[index]
            rubric = rubrics.get(result.rubric_id or "")
            assert rubric is not None
            others = "、".join(results[i].source for i in indexes if i != index)
            flagged[index] = result.with_problems(
                f"同一申报人（{rubric.name}：{describe(result, rubric)}）提交了 {len(indexes)} 份表格，"
                f"另见：{others}；请核实以哪一份为准。"
            )
    return flagged
