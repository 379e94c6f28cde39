"""Scores as people type them, validated against the real rubrics (no PDFs needed)."""

from __future__ import annotations

import pytest

from generator.model.rubric import RubricSet, SubItem
from generator.readers.scores import MAX_TEXT, ScoreFormatError, allowed_scores, check_score, parse_score, quote


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("8", 8),
        (" 8 ", 8),
        ("\u30008\u3000", 8),
        ("８", 8),
        ("１５", 15),
        ("8分", 8),
        ("８ 分", 8),
        (" 12分 ", 12),
        ("0", 0),
        ("08", 8),
        ("-3", -3),
        ("－３", -3),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_accepted_spellings(typed: str | None, value: int | None) -> None:
    assert parse_score(typed) == value


@pytest.mark.parametrize("typed", ["8.5", "八", "八分", "十", "good", "8 9", "分", "8分分", "①", "1e1", "0x8", "٨"])
def test_rejected_spellings_quote_what_was_typed(typed: str) -> None:
    with pytest.raises(ScoreFormatError) as caught:
        parse_score(typed)
    assert caught.value.raw == typed


@pytest.fixture(scope="module")
def subitems(rubric_set: RubricSet) -> dict[str, SubItem]:
    manager = rubric_set.get("manager")
    assert manager is not None
    return {sub.id: sub for sub in manager.subitems}


def test_invalid_text_is_quoted_in_the_problem(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "8.5")
    assert check.value is None
    assert check.problem == "“立场坚定，社会责任感强”的评分“8.5”不是有效的分数（应填写 0-10 的整数）。"


def test_blank_is_missing(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "  ")
    assert check.missing and check.value is None
    assert check.problem == "“立场坚定，社会责任感强”未填写评分。"


@pytest.mark.parametrize("typed", ["11", "-1", "99"])
def test_out_of_range(subitems: dict[str, SubItem], typed: str) -> None:
    check = check_score(subitems["political_stance"], typed)
    assert check.value is None
    assert check.problem == f"“立场坚定，社会责任感强”的评分 {int(typed)} 超出范围（应为 0-10 分）。"


def test_full_width_score_with_unit_is_valid(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "９分")
    assert (check.value, check.problem, check.raw) == (9, None, "９分")


@pytest.mark.parametrize("typed", ["1", "2", "3", "4"])
def test_gap_below_the_fixed_veto_band_is_invalid(subitems: dict[str, SubItem], typed: str) -> None:
    check = check_score(subitems["satisfaction_program"], typed)
    assert check.value is None
    assert check.problem is not None
    assert "不在任何评分标准的分数区间内（可填：0、5、6-8、9-12、13-15 分）" in check.problem


def test_gap_of_the_second_veto_item(subitems: dict[str, SubItem]) -> None:
    assert allowed_scores(subitems["organization_performance"]) == "0、3、4-7、8-10"
    assert check_score(subitems["organization_performance"], "2").value is None
    assert check_score(subitems["organization_performance"], "3").value == 3


def test_zero_on_a_veto_item_says_not_eligible(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["satisfaction_program"], "0")
    assert check.veto_zero and check.value == 0
    assert check.problem == (
        "“积极推进用户满意工程活动在企业内的实施，积极参加全国用户满意服务明星创建活动”"
        "为一票否决项，得分为 0，不得申报。"
    )


def test_zero_elsewhere_is_a_valid_score(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "0")
    assert (check.value, check.problem, check.veto_zero) == (0, None, False)


def test_every_band_edge_is_accepted(rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        for sub in rubric.subitems:
            for band in sub.bands:
                for score in {band.min, band.max}:
                    assert check_score(sub, str(score)).value == score, (rubric.id, sub.id, score)


HUGE = [
    "1" * 5000,
    "-" + "1" * 5000,
    "１" * 5000,
    "－" + "９" * 5000,
    "9" * 33,
    "1e400",
    "1" * 5000 + "分",
    " " + "0" * 40,
]


@pytest.mark.parametrize(
    "typed", HUGE, ids=["digits", "negative", "full-width", "full-width-negative", "33", "1e400", "unit", "zeros"]
)
def test_numbers_too_long_for_any_score_are_not_scores(typed: str) -> None:
    with pytest.raises(ScoreFormatError) as caught:
        parse_score(typed)
    assert caught.value.raw == typed


def test_a_long_number_is_quoted_shortened_and_kept_bounded(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "1" * 5000)
    assert check.value is None and check.raw == "1" * MAX_TEXT + "…"
    assert check.problem == f"“立场坚定，社会责任感强”的评分“{'1' * 40}…”不是有效的分数（应填写 0-10 的整数）。"


def test_a_long_but_convertible_number_is_named_out_of_range(subitems: dict[str, SubItem]) -> None:
    check = check_score(subitems["political_stance"], "9" * 20)
    assert check.problem == f"“立场坚定，社会责任感强”的评分 {'9' * 20} 超出范围（应为 0-10 分）。"


def test_blank_padding_around_a_score_is_not_counted_as_length() -> None:
    assert parse_score(" " * 1000 + "8" + "\u3000" * 1000) == 8


@pytest.mark.parametrize(
    ("typed", "shown"), [("\x00\ufffe\uffff", "“\\u0000\\ufffe\\uffff”"), ("\x1b[31m8", "“\\u001b[31m8”")]
)
def test_unprintable_characters_are_shown_escaped(typed: str, shown: str) -> None:
    assert quote(typed) == shown


def test_quoting_a_megabyte_looks_at_the_start_only() -> None:
    assert quote("\x00" * 1_000_000) == "“" + "\\u0000" * 6 + "\\u00…”"
