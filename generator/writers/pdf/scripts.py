"""The form scripts (Acrobat JavaScript) of the score fields and the total.

Score fields take whole numbers only and check the value against the
sub-item's bands: 0 (no credit) or a score inside some band, which is
0..maximum except where a veto band leaves a gap (the manager rubric's
``5`` then ``6-8``… accepts 0 and 5-15 but not 1-4).

The scripts use only the plain Acrobat JavaScript that Acrobat/Reader,
pdf.js (Firefox) and PDFium (Chrome, Edge) all implement -- ``event.change``,
``event.willCommit``, ``event.value``, ``event.rc``, ``event.target``,
``this.getField``, ``app.alert`` -- and no AF* helper except
``AFNumber_Format``, because the helpers misbehave in some engines:

* PDFium's ``AFNumber_Keystroke`` rejects letters only when the value is
  committed, with its own English alert ("The input value is invalid.").
  PDFium ignores ``event.rc`` of every uncommitted keystroke anyway (no script
  can refuse a character there), so the commit check below is what stops
  letters in Chrome and Edge, with the Chinese alert.
* pdf.js stores each accepted keystroke in the field, so when the commit is
  rejected (``event.rc = false``) it empties the box on screen but keeps the
  rejected text as the field's value, and recalculates nothing: the total
  keeps the old sum and picks the rejected value up at the next calculation
  (``AFSimple_Calculate`` reads it).  Acrobat and PDFium instead restore the
  previous value.  The commit check tells the two apart by the field's value:
  in pdf.js it already *is* the rejected text, and then the script commits an
  empty box instead (``event.value = ""``), which pdf.js stores and follows
  with the calculation; elsewhere it rejects (``event.rc = false``) and the
  previous value comes back.
* The total is summed by its own Calculate script, counting only values the
  box accepts, so nothing rejected can reach it in any viewer.

Viewers without scripts keep whatever was typed and never compute the total;
the reader checks every score and recomputes the total, never trusting the
form.  Script sources are kept ASCII: the Chinese alert texts are written as
``\\uXXXX`` escapes, which every viewer's JavaScript engine reads back the same
way.
"""

from __future__ import annotations

import itertools
import json
import textwrap

from generator.model.fields import FormField
from generator.model.rubric import SubItem

NUMBER_FORMAT = 'AFNumber_Format(0, 0, 0, 0, "", true);'

# Whether the trimmed text ``s`` is a whole number inside one of ``ranges``.
_ACCEPTS = (
    "function scoreAccepted(s, ranges) {\n"
    "  if (!/^[0-9]+$/.test(s)) return false;\n"
    "  var v = Number(s);\n"
    "  for (var i = 0; i < ranges.length; i++)\n"
    "    if (v >= ranges[i][0] && v <= ranges[i][1]) return true;\n"
    "  return false;\n"
    "}\n"
)

_TRIM = r'.replace(/^\s+|\s+$/g, "")'


def js_string(text: str) -> str:
    """A JavaScript string literal in pure ASCII."""
    return json.dumps(text, ensure_ascii=True)


def accepted_ranges(subitem: SubItem) -> list[tuple[int, int]]:
    """The scores a sub-item accepts, as merged inclusive ranges starting with 0."""
    ranges = [(0, 0)]
    for low, high in sorted((band.min, band.max) for band in subitem.bands):
        if low <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(high, ranges[-1][1]))
        else:
            ranges.append((low, high))
    return ranges


def _label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def range_message(subitem: SubItem) -> str:
    """The Chinese alert shown for a score the sub-item does not accept."""
    ranges = accepted_ranges(subitem)
    message = f"“{subitem.name}”的评分须为整数，可填 {'、'.join(_label(*r) for r in ranges)} 分。"
    gaps = [(a[1] + 1, b[0] - 1) for a, b in itertools.pairwise(ranges)]
    if gaps:
        message += f"{'、'.join(_label(*g) for g in gaps)} 分不在任何评分标准内。"
    return message


def _ranges_literal(subitem: SubItem) -> str:
    return json.dumps([list(r) for r in accepted_ranges(subitem)])


def _check_committed(subitem: SubItem) -> str:
    """Reject a committed value the sub-item does not accept: Chinese alert, then empty or previous value.

    ``event.target.value`` equal to the rejected text means pdf.js, which has
    already stored it: commit an empty box there (stored, then the total is
    recalculated).  Elsewhere the field still holds the previous value, which
    ``event.rc = false`` brings back.
    """
    return (
        f"var ranges = {_ranges_literal(subitem)};\n"
        f"var typed = String(event.value){_TRIM};\n"
        'if (typed !== "" && !scoreAccepted(typed, ranges)) {\n'
        f"  app.alert({js_string(range_message(subitem))}, 0);\n"
        f'  if (event.target && String(event.target.value){_TRIM} === typed) event.value = "";\n'
        "  else event.rc = false;\n"
        "}"
    )


def score_keystroke(subitem: SubItem) -> str:
    """Keystroke script: refuse anything but digits while typing; check the value on commit."""
    return (
        _ACCEPTS + "if (!event.willCommit) {\n"
        "  if (/[^0-9]/.test(event.change)) event.rc = false;\n"
        "} else {\n" + textwrap.indent(_check_committed(subitem), "  ") + "\n}"
    )


def score_validate(subitem: SubItem) -> str:
    """Validation script: the same check, for viewers that validate without a commit keystroke."""
    return _ACCEPTS + _check_committed(subitem)


def total_calculate(scores: tuple[FormField, ...]) -> str:
    """Calculation script of the total: the sum of the accepted values in the score fields.

    Empty while every score box is empty, as on the blank form.
    """
    names = ", ".join(js_string(f.name) for f in scores)
    ranges = ", ".join(_ranges_literal(f.subitem) for f in scores if f.subitem is not None)
    assert all(f.subitem is not None for f in scores)
    return (
        _ACCEPTS + f"var names = [{names}];\n"
        f"var ranges = [{ranges}];\n"
        "var sum = 0, any = false;\n"
        "for (var i = 0; i < names.length; i++) {\n"
        "  var field = this.getField(names[i]);\n"
        "  if (!field) continue;\n"
        f"  var text = String(field.value){_TRIM};\n"
        "  if (scoreAccepted(text, ranges[i])) { sum += Number(text); any = true; }\n"
        "}\n"
        'event.value = any ? String(sum) : "";'
    )
