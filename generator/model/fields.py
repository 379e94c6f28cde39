"""The field-naming contract between the writers and the reader.

Every fillable place on a form — a header blank, a score, the total, the
review opinion, the organisation's name, the review date and the seal — has one stable ASCII name built from
the rubric ids here, and nowhere else.  The Word writer tags its content
controls with these names, the PDF writer names its AcroForm fields with
them, and the reader looks values up by them.

Names are ``<rubric>-<part>[-<id>]``; ids never contain ``-`` (the loader
enforces it), so a name always splits back unambiguously.  ``-`` rather than
``.`` keeps every field terminal: a ``.`` would make PDF viewers treat the
name as a field hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.model.rubric import HeaderField, Rubric, SubItem

FieldKind = Literal["applicant", "total", "score", "review", "organization", "review_date", "seal", "roster_key"]

REVIEW_DATE_LABEL = "审核日期"
ORGANIZATION_LABEL = "所在组织名称"
ROSTER_KEY_LABEL = "名单编号"
ADDED_KINDS: frozenset[FieldKind] = frozenset({"organization", "roster_key"})
"""Kinds of field that forms made by earlier versions of the tool lack; readers take them as empty."""


@dataclass(frozen=True, slots=True)
class FormField:
    """One fillable place on a form."""

    name: str
    label: str
    kind: FieldKind
    subitem: SubItem | None = None
    max_score: int | None = None


def applicant_field(rubric: Rubric, header: HeaderField) -> FormField:
    return FormField(f"{rubric.id}-applicant-{header.id}", header.label, "applicant")


def total_field(rubric: Rubric) -> FormField:
    return FormField(f"{rubric.id}-total", rubric.total_field.label, "total")


def score_field(rubric: Rubric, subitem: SubItem) -> FormField:
    label = f"评分：{subitem.name}（0-{subitem.points}分）"
    return FormField(f"{rubric.id}-score-{subitem.id}", label, "score", subitem, subitem.points)


def review_field(rubric: Rubric) -> FormField:
    return FormField(f"{rubric.id}-review", rubric.footer.review, "review")


def organization_field(rubric: Rubric) -> FormField:
    """The organisation's name on the seal line."""
    return FormField(f"{rubric.id}-organization", ORGANIZATION_LABEL, "organization")


def review_date_field(rubric: Rubric) -> FormField:
    return FormField(f"{rubric.id}-review_date", REVIEW_DATE_LABEL, "review_date")


def seal_field(rubric: Rubric) -> FormField:
    return FormField(f"{rubric.id}-seal", rubric.footer.seal, "seal")


def roster_key_field(rubric: Rubric) -> FormField:
    """A hidden field: a personalised copy's roster key, so a return finds its roster row exactly."""
    return FormField(f"{rubric.id}-roster_key", ROSTER_KEY_LABEL, "roster_key")


def header_field(rubric: Rubric, header: HeaderField) -> FormField:
    """The field of a header blank: an applicant field or the total."""
    return total_field(rubric) if header.kind == "total" else applicant_field(rubric, header)


def form_fields(rubric: Rubric) -> tuple[FormField, ...]:
    """All fields of a rubric's form, in tab order (top to bottom)."""
    return (
        *(header_field(rubric, h) for h in rubric.header),
        *(score_field(rubric, sub) for sub in rubric.subitems),
        review_field(rubric),
        organization_field(rubric),
        review_date_field(rubric),
        seal_field(rubric),
        roster_key_field(rubric),
    )


def score_fields(rubric: Rubric) -> tuple[FormField, ...]:
    return tuple(score_field(rubric, sub) for sub in rubric.subitems)


def required_fields(rubric: Rubric) -> tuple[FormField, ...]:
    """The fields every form of this rubric has, whichever version of the tool made it."""
    return tuple(f for f in form_fields(rubric) if f.kind not in ADDED_KINDS)


def locked_fields(rubric: Rubric) -> tuple[FormField, ...]:
    """The fields the organisation's seal locks (the seal field's /Lock): every header blank (the total
    among them) and every score; a change to any of them after signing is a problem of the form."""
    return (*(header_field(rubric, h) for h in rubric.header), *score_fields(rubric))
