"""Read a returned PDF form: its identity and field values, by the names of :mod:`generator.model.fields`.

pypdf's limits are tightened for each read (:func:`~generator.readers.pdf.document.guarded_read`);
a file that breaks the PDF rules is read again with pypdf's repairs, and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from pypdf.errors import FileNotDecryptedError, PdfReadError

from generator.layout.form import build_layout
from generator.model.identity import Identity
from generator.model.rubric import Rubric, RubricSet
from generator.readers.evaluate import evaluate, with_roster_key
from generator.readers.identify import identify
from generator.readers.pdf.document import (
    REPAIRED,
    document_identity,
    field_values,
    first_page_text,
    guarded_read,
    open_pdf,
    pdf_bytes,
)
from generator.readers.results import FormResult, NoFormFields


def read_pdf(data: bytes, source: str, rubrics: RubricSet) -> FormResult:
    """Read a returned PDF from its bytes; raises :class:`UnreadableForm` with the reason.

    Bytes after the document's end are dropped first (see :mod:`.ending`).
    """
    return read_pdf_form(data, source, rubrics).result


@dataclass(frozen=True, slots=True)
class PdfForm:
    """A PDF form's result, and its pages beyond the form's own (a scan appended to a filled form)."""

    result: FormResult
    extra_pages: range = range(0)


def read_pdf_form(data: bytes, source: str, rubrics: RubricSet) -> PdfForm:
    """Read a returned PDF form and say which of its pages are not the form's (see :func:`read_pdf`)."""
    with guarded_read():
        body, notes = pdf_bytes(data)
        form = read_leniently_if_needed(body, source, rubrics)
        return replace(form, result=form.result.with_problems(*notes)) if notes else form


def read_leniently_if_needed(data: bytes, source: str, rubrics: RubricSet) -> PdfForm:
    """Read strictly (fast); a file that breaks the rules is read again with pypdf's repairs, and flagged."""
    try:
        return read_pdf_bytes(data, source, rubrics, strict=True)
    except FileNotDecryptedError:
        raise
    except (PdfReadError, AssertionError):  # pypdf's strict mode asserts some rules
        form = read_pdf_bytes(data, source, rubrics, strict=False)
        return replace(form, result=form.result.with_problems(REPAIRED))


def read_pdf_bytes(data: bytes, source: str, rubrics: RubricSet, strict: bool = False) -> PdfForm:
    """Read a form from its bytes; raises :class:`UnreadableForm` (call inside ``guarded_read``)."""
    reader = open_pdf(data, strict)
    identity = document_identity(reader, data)
    values = field_values(reader, data)
    if not values:
        raise NoFormFields(_no_fields_reason(first_page_text(reader), identity, rubrics))
    found = identify(identity, values.keys(), rubrics)
    result = evaluate(
        found.rubric, with_roster_key(values, found.rubric, identity), source, identity.fingerprint, found.notes
    )
    if found.notes:  # another version of the form: its own page count is unknown here
        return PdfForm(result)
    return PdfForm(result, range(form_page_count(found.rubric), len(reader.pages)))


@lru_cache(maxsize=16)
def form_page_count(rubric: Rubric) -> int:
    """How many pages the rubric's form has."""
    return len(build_layout(rubric).pages)


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
