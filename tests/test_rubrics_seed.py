"""rubrics.toml against the official seed text, character for character."""

from __future__ import annotations

import dataclasses
import re

import pytest

from generator.model.rubric import Rubric, RubricSet

# The seed prints two band ranges without 分; the model prints every range the same way.
SEED_CORRECTIONS = (("（1-18）", "（1-18分）"), ("（19-21）", "（19-21分）"))


def seed_sections(seed_text: str) -> dict[str, str]:
    """The seed split at each form's title line, keyed by title."""
    titles = re.findall(r"^(全国用户满意服务\S+自评标准)$", seed_text, flags=re.MULTILINE)
    parts = re.split(r"^全国用户满意服务\S+自评标准$", seed_text, flags=re.MULTILINE)[1:]
    return dict(zip(titles, parts, strict=True))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def seed_table(section: str) -> str:
    """The table body of one form: after the column heads, before the review line, no whitespace."""
    body = section.split("评分标准", 1)[1].split("评分", 1)[1]
    body = body.split("所在组织（或推荐机构）审核意见", 1)[0]
    for wrong, right in SEED_CORRECTIONS:
        body = body.replace(wrong, right)
    return squeeze(body)


def model_table(rubric: Rubric) -> str:
    """The same table printed from the model, in reading order."""
    parts = []
    for item in rubric.items:
        parts.append(item.label)
        for sub in item.subitems:
            parts.append(sub.label)
            parts.extend(band.display_text for band in sub.bands)
    return "".join(parts)


def test_seed_has_the_three_forms_the_file_has(rubric_set: RubricSet, seed_text: str) -> None:
    assert list(seed_sections(seed_text)) == [r.title for r in rubric_set]


def test_every_table_text_matches_the_seed(rubric_set: RubricSet, seed_text: str) -> None:
    sections = seed_sections(seed_text)
    for rubric in rubric_set:
        assert model_table(rubric) == seed_table(sections[rubric.title]), rubric.id


def test_each_text_has_no_stray_whitespace(rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        texts = [i.name for i in rubric.items] + [s.name for s in rubric.subitems]
        texts += [b.text for s in rubric.subitems for b in s.bands]
        assert all(t == squeeze(t) for t in texts), rubric.id


def test_header_line_subject_and_labels_in_printed_order(rubric_set: RubricSet, seed_text: str) -> None:
    sections = seed_sections(seed_text)
    for rubric in rubric_set:
        header_line = next(line for line in sections[rubric.title].splitlines() if line.startswith("评审对象"))
        assert squeeze(header_line).startswith(squeeze(rubric.subject_line))
        labels = re.findall(r"([^\s_：]+)_+", header_line.split(rubric.subject, 1)[1])
        assert labels == [f.label for f in rubric.header]


def test_footer_texts_come_from_the_seed(rubric_set: RubricSet, seed_text: str) -> None:
    sections = seed_sections(seed_text)
    for rubric in rubric_set:
        section = sections[rubric.title]
        assert f"{rubric.footer.review}:" in section
        assert re.search(rf"^{re.escape(rubric.footer.organization)}_+\({rubric.footer.seal}\)$", section, re.M)


def test_points_add_up_to_one_hundred(rubric_set: RubricSet) -> None:
    for rubric in rubric_set:
        assert rubric.total == 100 == sum(item.points for item in rubric.items)
        for item in rubric.items:
            assert item.points == sum(sub.points for sub in item.subitems)


def test_manager_veto_bands_are_fixed_and_leave_gaps(rubric_set: RubricSet) -> None:
    manager = rubric_set.get("manager")
    assert manager is not None
    vetoes = {sub.id: sub.veto_band for sub in manager.subitems if sub.veto_band}
    assert {k: (b.min, b.max) for k, b in vetoes.items()} == {
        "satisfaction_program": (5, 5),
        "organization_performance": (3, 3),
    }
    assert all(b.note == "该项目为一票否决，得分为0时不得申报" for b in vetoes.values())
    program = manager.subitem("satisfaction_program")
    assert [s for s in range(16) if not program.accepts(s)] == [1, 2, 3, 4]
    performance = manager.subitem("organization_performance")
    assert [s for s in range(11) if not performance.accepts(s)] == [1, 2]
    assert not performance.accepts(11)
    assert all(not sub.veto_band for r in rubric_set if r.id != "manager" for sub in r.subitems)


def test_labels_are_printed_from_numbers(rubric_set: RubricSet) -> None:
    manager = rubric_set.get("manager")
    assert manager is not None
    recognition = manager.subitem("organization_recognition")
    assert [b.label for b in recognition.bands] == ["（1-18分）", "（19-21分）", "（22-25分）"]
    veto = manager.subitem("organization_performance").bands[0]
    assert veto.display_text.endswith("（3分）（注：该项目为一票否决，得分为0时不得申报）")


def test_ids_are_stable_ascii_and_unique(rubric_set: RubricSet) -> None:
    assert [r.id for r in rubric_set] == ["star", "team", "manager"]
    for rubric in rubric_set:
        sub_ids = [s.id for s in rubric.subitems]
        assert len(sub_ids) == len(set(sub_ids))
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in [*sub_ids, *(i.id for i in rubric.items)])


def test_model_is_immutable(rubric_set: RubricSet) -> None:
    rubric = next(iter(rubric_set))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rubric.items[0].points = 99  # type: ignore[misc]
    assert isinstance(rubric.items, tuple) and isinstance(rubric.items[0].subitems[0].bands, tuple)


def test_fingerprints_are_short_distinct_and_content_bound(rubric_set: RubricSet) -> None:
    prints = [r.fingerprint for r in rubric_set]
    assert all(re.fullmatch(r"[0-9a-f]{12}", p) for p in prints) and len(set(prints)) == 3


def test_column_heads_come_from_the_seed(rubric_set: RubricSet, seed_text: str) -> None:
    sections = seed_sections(seed_text)
    for rubric in rubric_set:
        cells = [line.strip() for line in sections[rubric.title].splitlines() if line.startswith("\t")]
        heads = rubric.columns
        assert cells[:4] == [heads.item, heads.subitem, heads.band, heads.score], rubric.id
