"""Read one returned PDF form into a :class:`FormResult`: the Python API of ``rubric-forms read``.

    >>> from generator.model.loader import load
    >>> from generator.readers.pdf.reader import read_form
    >>> result = read_form(Path("张三.pdf"), load(Path("rubrics.toml")))
    >>> result.total, result.eligibility_text, result.problems

Field values are looked up only by the names of :mod:`generator.model.fields`.  The
form's own 自评总分 is never trusted: totals are computed from the valid
scores, and a self-reported total that differs is flagged.  A bad file never
raises: it yields a result with one problem saying why it could not be read.
pypdf's limits bound each read; for files from outside, read batches with
:func:`generator.readers.batch.read_batch`, which adds a per-file timeout and memory cap.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from pathlib import Path

from pypdf.errors import FileNotDecryptedError, PdfReadError

from generator.model.fields import header_field, score_fields, total_field
from generator.model.rubric import Rubric, RubricSet
from generator.readers.identify import identify
from generator.readers.pdf.document import (
    REPAIRED,
    Identity,
    UnreadableForm,
    document_identity,
    field_values,
    first_page_text,
    guarded_read,
    open_pdf,
)
from generator.readers.results import Eligibility, FormResult, unreadable
from generator.readers.scores import ScoreCheck, ScoreFormatError, check_score, parse_score, quote

MAX_FILE_BYTES = 64 * 1024 * 1024
OS_ERRORS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是文件夹",
    errno.EIO: "读取出错",
}


def read_form(path: Path, rubrics: RubricSet, source: str | None = None) -> FormResult:
    """Read the form at ``path``; ``source`` is how outputs name the file (default: the path)."""
    shown = source or str(path)
    try:
        data = read_bytes(path)
        with guarded_read():
            return read_leniently_if_needed(data, shown, rubrics)
    except UnreadableForm as exc:
        return unreadable(shown, str(exc))


def read_leniently_if_needed(data: bytes, source: str, rubrics: RubricSet) -> FormResult:
    """Read strictly (fast); a file that breaks the rules is read again with pypdf's repairs, and flagged."""
    try:
        return read_pdf_bytes(data, source, rubrics, strict=True)
    except FileNotDecryptedError:
        raise
    except (PdfReadError, AssertionError):  # pypdf's strict mode asserts some rules
        return read_pdf_bytes(data, source, rubrics, strict=False).with_problems(REPAIRED)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no form could be; raises :class:`UnreadableForm`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableForm(f"文件过大（{size / 1048576:.0f} MB），不是正常的评分表，未读取。")
        return path.read_bytes()
    except OSError as exc:
        reason = OS_ERRORS.get(exc.errno or 0, f"系统错误 {exc.errno}")
        raise UnreadableForm(f"无法打开该文件（{reason}）。") from exc


def read_pdf_bytes(data: bytes, source: str, rubrics: RubricSet, strict: bool = False) -> FormResult:
    """Read a form from its bytes; raises :class:`UnreadableForm` (call inside ``guarded_read``)."""
    reader = open_pdf(data, strict)
    identity = document_identity(reader, data)
    values = field_values(reader, data)
    if not values:
        raise UnreadableForm(_no_fields_reason(first_page_text(reader), identity, rubrics))
    found = identify(identity, values.keys(), rubrics)
    return evaluate(found.rubric, values, source, identity.fingerprint, found.notes)


def _no_fields_reason(page_text: str, identity: Identity, rubrics: RubricSet) -> str:
    """Tell a flattened form (its fields turned into print) from a PDF that never was one."""
    rubric = rubrics.get(identity.rubric_id or "")
    compact = "".join(page_text.split())
    rubric = rubric or next((r for r in rubrics if r.title in compact), None)
    if rubric is None:
        return "文件不含可填写的表单字段，不是本工具生成的评分表。"
    return (
        f"这份“{rubric.name}”表格已被扁平化（例如经过“打印为 PDF”或扫描），填写的内容已变成普通文字，无法读取；"
        "请让申报人发送可填写的原表格。"
    )


def evaluate(
    rubric: Rubric,
    values: Mapping[str, str],
    source: str,
    fingerprint: str | None = None,
    notes: tuple[str, ...] = (),
) -> FormResult:
    """Validate and total one form's field values against its rubric."""
    problems = [*notes, *_missing_fields(rubric, values)]
    applicant = {h.id: values.get(header_field(rubric, h).name, "").strip() for h in rubric.applicant_fields}
    blank = [h.label for h in rubric.applicant_fields if not applicant[h.id]]
    if blank:
        problems.append(f"表头未填写：{'、'.join(blank)}。")
    scores = {f.subitem.id: check_score(f.subitem, values.get(f.name)) for f in score_fields(rubric) if f.subitem}
    problems += _score_problems(rubric, scores)
    subtotals = {item.id: sum(scores[sub.id].value or 0 for sub in item.subitems) for item in rubric.items}
    total = sum(subtotals.values())
    complete = all(check.value is not None for check in scores.values())
    reported_raw = values.get(total_field(rubric).name, "")
    reported, reported_problem = _self_reported(rubric, reported_raw, total, complete)
    if reported_problem:
        problems.append(reported_problem)
    return FormResult(
        source=source,
        problems=tuple(problems),
        read=True,
        rubric_id=rubric.id,
        fingerprint=fingerprint,
        applicant=applicant,
        scores=scores,
        subtotals=subtotals,
        total=total,
        self_reported=reported_raw.strip(),
        self_reported_value=reported,
        eligibility=eligibility(rubric, scores),
    )


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
