"""Broken variants of rubrics.toml: each is reported in Chinese with the file, key path and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.loader import RubricError, load

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "rubrics.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> RubricError:
    """Load the bundled file with ``old`` replaced by ``new``; return the error it raises."""
    assert GOOD.count(old) >= count, f"fixture text not found: {old!r}"
    path = tmp_path / "rubrics.toml"
    path.write_text(GOOD.replace(old, new, count), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load(path)
    return caught.value


def messages(error: RubricError) -> list[str]:
    return str(error).splitlines()[1:]


def only(error: RubricError) -> str:
    lines = messages(error)
    assert len(lines) == 1, lines
    assert lines[0].startswith("  rubrics.toml：")
    return lines[0]


STAR_ETHICS_BAND = '{ min = 1, max = 6, text = "热爱本职工作'


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    error = broken(tmp_path, 'id = "star"', 'id = "star')
    line = only(error)
    assert "第 11 行第" in line and "TOML 语法错误" in line
    assert str(tmp_path / "rubrics.toml") in str(error)


def test_missing_key(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'name = "道德高尚"\n', ""))
    assert line.endswith("rubric[1].items[1]：缺少必需的键 “name”")


def test_unknown_key(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'name = "道德高尚"\npoints = 10', 'name = "道德高尚"\npionts = 10\npoints = 10'))
    assert "rubric[1].items[1].pionts：未知的键 “pionts”" in line


def test_wrong_type(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'name = "道德高尚"\npoints = 10', 'name = "道德高尚"\npoints = "10"'))
    assert line.endswith("rubric[1].items[1].points：应为整数，实际是 文字 '10'")


def test_duplicate_rubric_id(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'id = "team"', 'id = "star"'))
    assert line.endswith("rubric[2].id：评分表 id “star” 重复（已在 rubric[1] 使用）")


def test_duplicate_subitem_id_across_items(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'id = "professionalism"', 'id = "moral_character"'))
    assert "rubric[1].items[2].subitems[1].id：评审细项 id “moral_character” 重复" in line


def test_bad_id_format(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'id = "ethics"', 'id = "Ethics-1"'))
    assert "rubric[1].items[1].id：评审项目 id “Ethics-1” 只能用小写英文字母、数字和下划线" in line


def test_item_points_differ_from_subitems(tmp_path: Path) -> None:
    error = broken(tmp_path, 'name = "作风优良"\npoints = 15', 'name = "作风优良"\npoints = 14')
    lines = messages(error)
    assert any(
        "rubric[1].items[2].points：评审项目“作风优良”的分值为 14 分，但其评审细项分值之和为 15 分" in x for x in lines
    )


def test_rubric_total_differs(tmp_path: Path) -> None:
    line = only(broken(tmp_path, "total = 100", "total = 90"))
    assert line.endswith("rubric[1].total：总分应为 90 分，但各评审项目分值之和为 100 分")


def test_overlapping_bands(tmp_path: Path) -> None:
    line = only(broken(tmp_path, '{ min = 7, max = 8, text = "能透过', '{ min = 6, max = 8, text = "能透过'))
    assert "rubric[1].items[1].subitems[1].bands[2]：评分标准（6-8分）与前一档分数区间重叠（前一档为（1-6分））" in line


def test_bands_not_ascending(tmp_path: Path) -> None:
    old = '{ min = 1, max = 2, text = "积极践行'
    error = broken(tmp_path, old, '{ min = 5, max = 6, text = "积极践行')
    assert any("bands[2]：评分标准（3-4分）没有按分数从低到高排列（前一档为（5-6分））" in x for x in messages(error))


def test_top_band_must_end_at_subitem_maximum(tmp_path: Path) -> None:
    line = only(
        broken(tmp_path, '{ min = 13, max = 20, text = "服务模式、方法', '{ min = 13, max = 19, text = "服务模式、方法')
    )
    assert "rubric[1].items[5].subitems[2].bands[3]：评审细项“服务模式得到认可和好评”满分 20 分" in line
    assert "没有止于 20 分" in line


def test_veto_band_must_be_fixed(tmp_path: Path) -> None:
    line = only(broken(tmp_path, "{ points = 3, veto = true", "{ min = 1, max = 3, veto = true"))
    assert (
        "rubric[3].items[3].subitems[3].bands[1]：一票否决的评分标准必须是固定分值（写 points = N），实际是区间 1-3"
        in line
    )


def test_veto_band_needs_its_note(tmp_path: Path) -> None:
    line = only(
        broken(
            tmp_path,
            'veto = true, note = "该项目为一票否决，得分为0时不得申报", text = "所在组织和',
            'veto = true, text = "所在组织和',
        )
    )
    assert "一票否决的评分标准必须写 note" in line


def test_band_with_both_range_and_points(tmp_path: Path) -> None:
    line = only(broken(tmp_path, STAR_ETHICS_BAND, '{ min = 1, max = 6, points = 6, text = "热爱本职工作'))
    assert "bands[1]：评分标准要么写分数区间 min 和 max，要么写固定分值 points，二者选一" in line


def test_band_range_reversed(tmp_path: Path) -> None:
    line = only(broken(tmp_path, STAR_ETHICS_BAND, '{ min = 6, max = 1, text = "热爱本职工作'))
    assert "分数区间 6-1 无效" in line


def test_negative_points(tmp_path: Path) -> None:
    error = broken(tmp_path, 'name = "道德高尚"\npoints = 10', 'name = "道德高尚"\npoints = -10')
    assert any("rubric[1].items[1].points：不能为负数（-10）" in x for x in messages(error))


def test_empty_text(tmp_path: Path) -> None:
    line = only(broken(tmp_path, 'title = "全国用户满意服务明星自评标准"', 'title = "  "'))
    assert line.endswith("rubric[1].title：不能为空")


def test_header_needs_exactly_one_total(tmp_path: Path) -> None:
    line = only(broken(tmp_path, '{ id = "total", label = "自评总分", kind = "total" },', ""))
    assert 'rubric[1].header：表头必须恰好有一个 kind = "total" 的自评总分项，实际有 0 个' in line


def test_empty_band_list(tmp_path: Path) -> None:
    old = GOOD[GOOD.index("bands = [", GOOD.index('id = "service_model"')) :]
    old = old[: old.index("]\n") + 1]
    line = only(broken(tmp_path, old, "bands = []"))
    assert line.endswith("rubric[1].items[5].subitems[2].bands：至少要有一个评分标准")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "rubrics.toml"
    text = GOOD.replace("total = 100", "total = 99", 3).replace('id = "team"', 'id = "star"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load(path)
    lines = messages(caught.value)
    assert len(lines) == 4
    assert "有 4 处错误" in str(caught.value).splitlines()[0]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError) as caught:
        load(tmp_path / "nope.toml")
    assert "nope.toml：文件：找不到这个文件" in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "rubrics.toml"
    path.write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(RubricError) as caught:
        load(path)
    assert "不是 UTF-8 编码" in str(caught.value)
