"""The form scripts (Acrobat JavaScript) of the score fields and the total.

Score fields take whole numbers only and check the value against the
sub-item's bands: 0 (no credit) or a score inside some band, which is
0..maximum except where a veto band leaves a gap (the manager rubric's
``5`` then ``6-8``… accepts 0 and 5-15 but not 1-4).  The total sums the
score fields live (AFSimple_Calculate).  Script sources are kept ASCII: the
Chinese alert texts are written as ``\\uXXXX`` escapes, which every viewer's
JavaScript engine reads back the same way.
"""

from __future__ import annotations

import itertools
import json

from generator.model.fields import FormField
from generator.model.rubric import SubItem

NUMBER_KEYSTROKE = (
    'AFNumber_Keystroke(0, 0, 0, 0, "", true);\n'
    "if (event.rc && !event.willCommit && /[^0-9]/.test(event.change)) event.rc = false;"
)
NUMBER_FORMAT = 'AFNumber_Format(0, 0, 0, 0, "", true);'


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


def score_validate(subitem: SubItem) -> str:
    """Validation script: reject anything but an accepted whole number, with a Chinese alert."""
    ranges = json.dumps([list(r) for r in accepted_ranges(subitem)])
    return (
        f"var ranges = {ranges};\n"
        'if (event.value !== "") {\n'
        "  var v = Number(event.value), ok = false;\n"
        "  for (var i = 0; i < ranges.length; i++)\n"
        "    if (Math.floor(v) === v && v >= ranges[i][0] && v <= ranges[i][1]) ok = true;\n"
        f"  if (!ok) {{ app.alert({js_string(range_message(subitem))}, 0); event.rc = false; }}\n"
        "}"
    )


def total_calculate(scores: tuple[FormField, ...]) -> str:
    """Calculation script of the total: the sum of the score fields."""
    names = ", ".join(js_string(f.name) for f in scores)
    return f'AFSimple_Calculate("SUM", new Array({names}));'
