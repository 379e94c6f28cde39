"""Field values checked and totalled against their rubric: the one result every reader produces.

Whatever the format a return came in, its reader finds the values of the
fields named in :mod:`generator.model.fields` and hands them here.  The
form's own 自评总分 is never trusted: totals are computed from the valid
scores, and a self-reported total that differs is flagged.

Values are kept as typed, control characters included (each report makes
them safe for its format), but no value kept is longer than
:data:`~generator.readers.scores.MAX_TEXT` characters: a header field holding 100 KB is cut, and said
so; a score that long is invalid anyway and is quoted shortened.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.model.fields import (
    FormField,
    header_field,
    organization_field,
    review_date_field,
    review_field,
    roster_key_field,
    score_fields,
    total_field,
)
from generator.model.identity import Identity
from generator.model.rubric import Rubric
from generator.readers.results import Eligibility, FormResult
from generator.readers.scores import MAX_TEXT, ScoreCheck, ScoreFormatError, check_score, clip, parse_score, quote


def evaluate(
    rubric: Rubric,
    values: Mapping[str, str],
    source: str,
    fingerprint: str | None = None,
    notes: tuple[str, ...] = (),
    format: str = "pdf",
) -> FormResult:
    """Validate and total one form's field values against its rubric; ``format`` names the reader."""
    problems = [*notes, *_missing_fields(rubric, values)]
    typed = {h.id: values.get(header_field(rubric, h).name, "").strip() for h in rubric.applicant_fields}
    applicant = {key: clip(text) for key, text in typed.items()}
    problems += _header_problems(rubric, typed)
    scores = {f.subitem.id: check_score(f.subitem, values.get(f.name)) for f in score_fields(rubric) if f.subitem}
    problems += _score_problems(rubric, scores)
    subtotals = {item.id: sum(scores[sub.id].value or 0 for sub in item.subitems) for item in rubric.items}
    total = sum(subtotals.values())
    complete = all(check.value is not None for check in scores.values())
    reported_raw = values.get(total_field(rubric).name, "")
    reported, reported_problem = _self_reported(rubric, reported_raw, total, complete)
    if reported_problem:
        problems.append(reported_problem)
    review = {key: values.get(f.name, "").strip() for key, f in _review_fields(rubric).items()}
    problems += _review_problems(rubric, review, values)
    return FormResult(
        source=source,
        problems=tuple(problems),
        read=True,
        format=format,
        rubric_id=rubric.id,
        fingerprint=fingerprint,
        applicant=applicant,
        scores=scores,
        subtotals=subtotals,
        total=total,
        self_reported=clip(reported_raw.strip()),
        self_reported_value=reported,
        eligibility=eligibility(rubric, scores),
        organization=clip(review["organization"]),
        review=clip(review["review"]),
        review_date=clip(review["review_date"]),
        roster_key=clip(values.get(roster_key_field(rubric).name, "").strip()),
    )


def with_roster_key(values: Mapping[str, str], rubric: Rubric, identity: Identity) -> Mapping[str, str]:
    """The values, with the roster key the document's metadata states when its hidden field has none."""
    name = roster_key_field(rubric).name
    if identity.roster_key and not values.get(name, "").strip():
        return {**values, name: identity.roster_key}
    return values


def _review_fields(rubric: Rubric) -> dict[str, FormField]:
    return {
        "organization": organization_field(rubric),
        "review": review_field(rubric),
        "review_date": review_date_field(rubric),
    }


def _review_problems(rubric: Rubric, review: Mapping[str, str], values: Mapping[str, str]) -> list[str]:
    """The organisation's part of the form: its opinion and its name must be there."""
    problems = [] if review["review"] else ["缺少审核意见：所在组织（或推荐机构）未填写审核意见。"]
    if organization_field(rubric).name not in values:
        problems.append("缺少所在组织名称：这份表格是旧版，盖章一行没有填写处；请按盖章核对组织名称。")
    elif not review["organization"]:
        problems.append("缺少所在组织名称：盖章一行未填写组织（或推荐机构）名称。")
    return problems


def _header_problems(rubric: Rubric, typed: Mapping[str, str]) -> list[str]:
    """Blank header fields in one sentence; each overlong one in its own."""
    blank = [h.label for h in rubric.applicant_fields if not typed[h.id]]
    problems = [f"表头未填写：{'、'.join(blank)}。"] if blank else []
    for h in rubric.applicant_fields:
        if len(typed[h.id]) > MAX_TEXT:
            problems.append(
                f"表头“{h.label}”填写的内容过长（{len(typed[h.id])} 个字符），只保留了前 {MAX_TEXT} 个字符；请核对。"
            )
    return problems


def _score_problems(rubric: Rubric, scores: Mapping[str, ScoreCheck]) -> list[str]:
    """Each wrong score on its own; blank scores together in one sentence when there are several."""
    blank = [sub for sub in rubric.subitems if scores[sub.id].missing]
    problems = [c.problem for c in scores.values() if c.problem and not c.missing]
    if len(blank) > 1:
        names = "、".join(f"“{sub.name}”" for sub in blank)
        return [f"有 {len(blank)} 项未填写评分：{names}。", *problems]
    return [c.problem for c in scores.values() if c.problem]


def _missing_fields(rubric: Rubric, values: Mapping[str, str]) -> list[str]:
    missing = [f.label for f in score_fields(rubric) if f.name not in values]
    missing += [h.label for h in rubric.applicant_fields if header_field(rubric, h).name not in values]
    if not missing:
        return []
    return [f"表单缺少 {len(missing)} 个字段（{'；'.join(missing)}），相应内容按未填写处理。"]


def _self_reported(rubric: Rubric, raw: str, total: int, complete: bool) -> tuple[int | None, str | None]:
    """The self-reported total as a number, and a problem when it is unreadable or stale."""
    label = rubric.total_field.label
    try:
        reported = parse_score(raw)
    except ScoreFormatError:
        return None, f"{label}{quote(raw)}不是有效的分数；已按各项评分计算。"
    if reported is not None and complete and reported != total:
        return reported, f"{label}填写为 {reported} 分，与各项评分之和 {total} 分不一致，已以计算结果为准。"
    return reported, None


def eligibility(rubric: Rubric, scores: Mapping[str, ScoreCheck]) -> Eligibility:
    """不得申报 when a veto sub-item scored 0; 待核实 while a veto sub-item has no valid score."""
    veto_checks = [scores[sub.id] for sub in rubric.subitems if sub.veto_band is not None]
    if any(check.veto_zero for check in veto_checks):
        return "ineligible"
    if any(check.value is None for check in veto_checks):
        return "unknown"
    return "eligible"
