"""The same applicant returned twice: same rubric, name (or team name) and unit.

The name and unit are the header blanks whose ``role`` says so in
``rubrics.toml``.  Each group of copies is found once and listed once (the
重复提交 sheet and section of the reports); each copy carries one problem of
bounded length that names the group's size and, for a small group, the other
files — so 5,000 copies of one form cost 5,000 short messages, not 25 million
file names.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import FormResult

NAMED_OTHERS = 2
"""Up to this many other copies are named in each copy's problem; larger groups point to the list."""


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """The copies one applicant returned: the rubric, who (as typed on the first copy), and every file."""

    rubric: Rubric
    who: str
    sources: tuple[str, ...]


def normal(text: str) -> str:
    """Compare as people mean it: full-width and half-width alike, spaces and case ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def applicant_key(result: FormResult, rubric: Rubric) -> tuple[str, ...] | None:
    """Who the form is about: the rubric, the name (姓名/班组名称) and the unit."""
    name, unit = (normal(value) for value in _name_and_unit(result, rubric))
    return (rubric.id, name, unit) if name else None


def _name_and_unit(result: FormResult, rubric: Rubric) -> tuple[str, str]:
    unit = rubric.unit_field
    return result.applicant.get(rubric.name_field.id, ""), result.applicant.get(unit.id, "") if unit else ""


def describe(result: FormResult, rubric: Rubric) -> str:
    """The name and unit as typed, for the message."""
    return "，".join(value for value in _name_and_unit(result, rubric) if value)


def _groups(results: Sequence[FormResult], rubrics: RubricSet) -> list[tuple[Rubric, list[int]]]:
    """The indexes of each applicant's forms, for applicants with more than one."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, result in enumerate(results):
        rubric = rubrics.get(result.rubric_id or "")
        key = applicant_key(result, rubric) if result.read and rubric else None
        if key:
            groups[key].append(index)
    found = []
    for indexes in groups.values():
        rubric = rubrics.get(results[indexes[0]].rubric_id or "")
        if len(indexes) > 1 and rubric is not None:
            found.append((rubric, indexes))
    return found


def _problem(group: DuplicateGroup, source: str) -> str:
    head = f"同一申报人（{group.rubric.name}：{group.who}）共提交了 {len(group.sources)} 份表格"
    if len(group.sources) - 1 <= NAMED_OTHERS:
        others = "、".join(s for s in group.sources if s != source)
        return f"{head}，另见：{others}；请核实以哪一份为准。"
    return f"{head}，见“重复提交”清单；请核实以哪一份为准。"


def flag_duplicates(
    results: Sequence[FormResult], rubrics: RubricSet
) -> tuple[list[FormResult], tuple[DuplicateGroup, ...]]:
    """The results with each copy of a repeated applicant flagged, and the groups of copies."""
    flagged = list(results)
    groups = []
    for rubric, indexes in _groups(results, rubrics):
        first = results[indexes[0]]
        group = DuplicateGroup(rubric, describe(first, rubric), tuple(results[i].source for i in indexes))
        groups.append(group)
        for index in indexes:
            flagged[index] = results[index].with_problems(_problem(group, results[index].source))
    return flagged, tuple(groups)
