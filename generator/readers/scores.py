"""Scores as people type them: parsing, and checking one score against its sub-item.

Accepted: surrounding spaces (ASCII, full-width or non-breaking), full-width
digits and signs (``８``, ``－３``), a trailing ``分`` and, after it, a remark
in brackets (``9分（自评）``, ``9分(自评)``).  Anything else — a
fraction (``8.5``), a Chinese numeral (``八``), words, a number too long to
be any score (Python refuses to convert more than 4,300 digits) — is not a
score; the problem message quotes what was typed, shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.model.rubric import SubItem

FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
SPACES = " \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)
REMARK = re.compile(r"分[ \u3000]*[（(][^（）()]*[）)]$")
"""A bracketed remark after the unit: ``9分（自评）``."""
SCORE_UNIT = "分"
MAX_QUOTED = 40
MAX_TEXT = 500  # characters kept of any one field value: far beyond any name, unit, post or score
MAX_SCORE_CHARS = 32  # longer (once trimmed) is no score; still short enough to name in an out-of-range message


class ScoreFormatError(ValueError):
    """What was typed is not a whole number of points."""

    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw


def parse_score(raw: str | None) -> int | None:
    """The whole number typed, or ``None`` for a blank; raises :class:`ScoreFormatError`."""
    text = (raw or "").strip(SPACES)
    if len(text) > MAX_SCORE_CHARS:
        raise ScoreFormatError(raw or "")
    text = REMARK.sub(SCORE_UNIT, text.translate(FULL_WIDTH))
    if text.endswith(SCORE_UNIT):
        text = text.removesuffix(SCORE_UNIT).rstrip(SPACES)
        if not text:
            raise ScoreFormatError(raw or "")
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        raise ScoreFormatError(raw or "")
    return int(text)


def quote(raw: str) -> str:
    """A typed value for a message: in quotes, control characters shown, long values cut."""
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in raw[: MAX_QUOTED + 1])
    if len(shown) > MAX_QUOTED:
        shown = shown[:MAX_QUOTED] + "…"
    return f"“{shown}”"


def clip(text: str) -> str:
    """``text`` cut to :data:`MAX_TEXT` characters, marked with an ellipsis when cut."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def allowed_scores(subitem: SubItem) -> str:
    """The scores a sub-item accepts, as a reader would say them: ``0、5、6-8、9-12、13-15``."""
    parts = ["0"]
    for band in subitem.bands:
        parts.append(str(band.min) if band.is_fixed else f"{band.min}-{band.max}")
    return "、".join(parts)


@dataclass(frozen=True, slots=True)
class ScoreCheck:
    """One sub-item's score after parsing and validation.

    ``raw`` is what was typed (cut to :data:`MAX_TEXT` characters); ``value``
    is set only for a valid score, the only kind that counts toward the
    totals; ``problem`` says what is wrong otherwise.
    """

    raw: str
    value: int | None
    problem: str | None = None
    veto_zero: bool = False
    missing: bool = False


def check_score(subitem: SubItem, raw: str | None) -> ScoreCheck:
    """Parse a typed score and check it against the sub-item's maximum and bands; ``raw`` is kept :func:`clip`-ped."""
    typed = raw or ""
    kept = clip(typed)
    name = f"“{subitem.name}”"
    try:
        value = parse_score(typed)
    except ScoreFormatError:
        return ScoreCheck(kept, None, f"{name}的评分{quote(typed)}不是有效的分数（应填写 0-{subitem.points} 的整数）。")
    if value is None:
        return ScoreCheck(kept, None, f"{name}未填写评分。", missing=True)
    if value < 0 or value > subitem.points:
        return ScoreCheck(kept, None, f"{name}的评分 {value} 超出范围（应为 0-{subitem.points} 分）。")
    if not subitem.accepts(value):
        allowed = allowed_scores(subitem)
        return ScoreCheck(kept, None, f"{name}的评分 {value} 不在任何评分标准的分数区间内（可填：{allowed} 分）。")
    veto = subitem.veto_band
    if value == 0 and veto is not None:
        return ScoreCheck(kept, 0, f"{name}为一票否决项，得分为 0，不得申报。", veto_zero=True)
    return ScoreCheck(kept, value)
