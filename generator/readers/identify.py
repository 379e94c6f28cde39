"""Which rubric (and which version of it) a returned form was made from.

The document's metadata names the rubric id and fingerprint; when a filler
lost the metadata, the field names (which carry the rubric id) decide.  A form
from another version of a rubric — a different fingerprint — is read when its
field names are exactly those of the current version, and flagged; otherwise
it is rejected, since its scores could land on the wrong sub-items.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from generator.model.fields import form_fields, required_fields
from generator.model.identity import Identity
from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import UnreadableForm


@dataclass(frozen=True, slots=True)
class Identification:
    """The rubric a form belongs to, and any problems about its version."""

    rubric: Rubric
    notes: tuple[str, ...] = ()


def expected_names(rubric: Rubric) -> frozenset[str]:
    return frozenset(f.name for f in form_fields(rubric))


def required_names(rubric: Rubric) -> frozenset[str]:
    return frozenset(f.name for f in required_fields(rubric))


def has_fields_of(names: Set[str], rubric: Rubric) -> bool:
    """Whether a form with these field names has exactly this rubric's fields (a form made by an
    earlier version of the tool may lack the fields added since)."""
    return required_names(rubric) <= names <= expected_names(rubric)


def unknown_rubric_problem(rubric_id: str) -> str:
    return (
        f"表格注明属于评分表“{rubric_id}”，但评分标准文件中没有这份评分表，无法读取；"
        "请确认使用的是正确的 rubrics.toml。"
    )


def identify(identity: Identity, names: Set[str], rubrics: RubricSet) -> Identification:
    """The rubric of a form with these field names; raises :class:`UnreadableForm` when there is none."""
    if identity.rubric_id is None:
        return _by_field_names(names, rubrics)
    rubric = rubrics.get(identity.rubric_id)
    if rubric is None:
        raise UnreadableForm(unknown_rubric_problem(identity.rubric_id))
    if identity.fingerprint in (None, rubric.fingerprint):
        return Identification(rubric)
    versions = f"版本指纹 {identity.fingerprint}，当前版本为 {rubric.fingerprint}"
    if has_fields_of(names, rubric):
        note = (
            f"此表格由另一版本（可能是旧版）的“{rubric.name}”评分标准生成（{versions}）；"
            "字段与当前版本一致，已按当前标准计分，请核对。"
        )
        return Identification(rubric, (note,))
    raise UnreadableForm(
        f"此表格由另一版本的“{rubric.name}”评分标准生成（{versions}），字段与当前版本不一致，无法读取；"
        "请让申报人用当前版本的表格重新填写。"
    )


def _by_field_names(names: Set[str], rubrics: RubricSet) -> Identification:
    """The rubric all of whose fields the form has, for a form whose metadata was lost."""
    for rubric in rubrics:
        if required_names(rubric) <= names:
            return Identification(rubric)
    partial = [r for r in rubrics if expected_names(r) & names]
    if partial:
        raise UnreadableForm(
            f"表格的字段与当前版本的“{partial[0].name}”评分表不一致（可能是另一版本的表格，且文档信息已丢失），无法读取；"
            "请让申报人用当前版本的表格重新填写。"
        )
    raise UnreadableForm("这不是本工具生成的评分表（表单字段无法识别），无法读取。")
