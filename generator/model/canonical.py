"""The canonical serialisation of a rubric, and the fingerprint computed from it.

A fingerprint ties every written form to the exact rubric content it was made
from, so it must change when that content changes and never otherwise: not
when the model gains a field, not when the TOML is reformatted.  So the
canonical form is spelled out here key by key, as a JSON object with sorted
keys, no spaces and UTF-8 text, and a test pins the bundled rubrics' values.

Version 1 covers the ids, names, titles, the subject, points, bands, header
blanks (id, label, kind) and the footer's review, organisation and seal texts.
Texts that ``rubrics.toml`` gained later — the subject label, the column heads
and the date line — join it only where they differ from the official wording
below, so forms issued before they were added keep their fingerprints.  A
header blank's ``role`` and ``wide`` shape the layout and the reports, not the
form's fields or texts, and are not part of it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from generator.model.rubric import Band, Columns, HeaderField, Item, Rubric, SubItem

FINGERPRINT_LENGTH = 12
OFFICIAL_SUBJECT_LABEL = "评审对象"
OFFICIAL_COLUMNS = Columns(item="评审项目", subitem="评审细项", band="评分标准", score="评分")
OFFICIAL_DATE = "年　　月　　日"


def _band(band: Band) -> dict[str, Any]:
    return {"text": band.text, "min": band.min, "max": band.max, "veto": band.veto, "note": band.note}


def _subitem(sub: SubItem) -> dict[str, Any]:
    return {"id": sub.id, "name": sub.name, "points": sub.points, "bands": [_band(b) for b in sub.bands]}


def _item(item: Item) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "points": item.points, "subitems": [_subitem(s) for s in item.subitems]}


def _header(header: HeaderField) -> dict[str, Any]:
    return {"id": header.id, "label": header.label, "kind": header.kind}


def canonical_content(rubric: Rubric) -> dict[str, Any]:
    """The rubric's content as plain data: everything its fingerprint covers."""
    footer = rubric.footer
    content: dict[str, Any] = {
        "id": rubric.id,
        "name": rubric.name,
        "title": rubric.title,
        "subject": rubric.subject,
        "total": rubric.total,
        "header": [_header(h) for h in rubric.header],
        "footer": {"review": footer.review, "organization": footer.organization, "seal": footer.seal},
        "items": [_item(item) for item in rubric.items],
    }
    if rubric.subject_label != OFFICIAL_SUBJECT_LABEL:
        content["subject_label"] = rubric.subject_label
    if rubric.columns != OFFICIAL_COLUMNS:
        c = rubric.columns
        content["columns"] = {"item": c.item, "subitem": c.subitem, "band": c.band, "score": c.score}
    if footer.date != OFFICIAL_DATE:
        content["footer"]["date"] = footer.date
    return content


def canonical_json(rubric: Rubric) -> str:
    """The canonical serialisation: JSON, keys sorted, no insignificant spaces, non-ASCII kept."""
    return json.dumps(canonical_content(rubric), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint(rubric: Rubric) -> str:
    """A short hash of the canonical content: any change to a text, a number or an id changes it."""
    return hashlib.sha256(canonical_json(rubric).encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]
