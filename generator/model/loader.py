"""Load ``rubrics.toml`` into the model, checking every rule on the way.

This is the only code that parses the TOML.  All problems found are
collected and reported together, each naming the file, the key path
(1-based: ``rubric[2].items[1].points`` is the first item of the second
rubric) and the rule broken, in Chinese.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator.errors import UserError
from generator.model.canonical import fingerprint
from generator.model.names import check_file_names, unprintable
from generator.model.rubric import Band, Columns, Footer, HeaderField, Item, Rubric, RubricSet, SubItem
from generator.model.toml_source import Problem, SourceError, read_toml

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
TYPE_NAMES: dict[type, str] = {
    str: "文字",
    int: "整数",
    bool: "true 或 false",
    list: "列表",
    dict: "表",
    float: "小数",
    datetime.datetime: "日期时间",
    datetime.date: "日期",
    datetime.time: "时间",
}


class RubricError(UserError):
    """``rubrics.toml`` cannot be used; carries every problem found."""

    def __init__(self, source: Path, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"评分标准文件 {self.source} 有 {len(self.problems)} 处错误："
        lines = [f"  {self.source.name}：{p.path}：{p.message}" for p in self.problems]
        return "\n".join([head, *lines])


@dataclass
class _Checker:
    """Collects problems while walking the parsed TOML."""

    problems: list[Problem] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def table(self, value: Any, path: str, required: dict[str, type], optional: dict[str, type]) -> dict | None:
        """Check a table's keys and value types; return only the well-typed values."""
        if not isinstance(value, dict):
            self.fail(path, f"应为表（{{ … }} 或 [[…]]），实际是 {_describe(value)}")
            return None
        for key in value.keys() - required.keys() - optional.keys():
            allowed = "、".join([*required, *optional])
            self.fail(f"{path}.{key}", f"未知的键 “{key}”（此处允许的键：{allowed}）")
        good: dict[str, Any] = {}
        for key, expected in {**required, **optional}.items():
            if key not in value:
                if key in required:
                    self.fail(path, f"缺少必需的键 “{key}”")
                continue
            if self._typed(value[key], expected, f"{path}.{key}"):
                good[key] = value[key]
        return good

    def _typed(self, value: Any, expected: type, path: str) -> bool:
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if not ok:
            self.fail(path, f"应为{TYPE_NAMES[expected]}，实际是 {_describe(value)}")
        elif expected is str and not value.strip():
            self.fail(path, "不能为空")
            ok = False
        elif expected is str and (bad := unprintable(value)):
            self.fail(path, f"含有{bad}，请删除")
            ok = False
        elif expected is int and value < 0:
            self.fail(path, f"不能为负数（{value}）")
            ok = False
        return ok

    def ids(self, entries: list[tuple[str, str]], what: str) -> None:
        """Check id format and uniqueness; ``entries`` are (path, id) pairs."""
        seen: dict[str, str] = {}
        for path, ident in entries:
            if not ID_PATTERN.fullmatch(ident):
                self.fail(f"{path}.id", f"{what} id “{ident}” 只能用小写英文字母、数字和下划线，且以字母开头")
            if ident in seen:
                self.fail(f"{path}.id", f"{what} id “{ident}” 重复（已在 {seen[ident]} 使用）")
            seen.setdefault(ident, path)

    def children(self, good: dict[str, Any], key: str, path: str, what: str) -> list[Any]:
        """The entries of list ``key``; a missing or mistyped key was reported already."""
        if key not in good:
            return []
        if not good[key]:
            self.fail(path, f"至少要有一个{what}")
        return good[key]


def _describe(value: Any) -> str:
    for kind, name in TYPE_NAMES.items():
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return f"{name} {value!r}" if kind in (str, int, bool, float) else name
    return type(value).__name__


def load(path: str | Path) -> RubricSet:
    """Parse and validate a rubrics file; raise :class:`RubricError` on any problem."""
    source = Path(path)
    try:
        data = read_toml(source)
    except SourceError as exc:
        raise RubricError(source, [exc.problem]) from None
    checker = _Checker()
    rubrics = _rubrics(checker, data)
    if not checker.problems:
        checker.problems += check_file_names([(f"rubric[{n}]", r) for n, r in enumerate(rubrics, 1)])
    if checker.problems:
        raise RubricError(source, checker.problems)
    return RubricSet(source, tuple(replace(r, fingerprint=fingerprint(r)) for r in rubrics))


def _rubrics(checker: _Checker, data: dict[str, Any]) -> list[Rubric]:
    top = checker.table(data, "（顶层）", {"rubric": list}, {}) or {}
    entries = checker.children(top, "rubric", "rubric", "评分表 [[rubric]]")
    rubrics = [_rubric(checker, raw, f"rubric[{n}]") for n, raw in enumerate(entries, 1)]
    checker.ids([(f"rubric[{n}]", r.id) for n, r in enumerate(rubrics, 1) if r], "评分表")
    return [r for r in rubrics if r is not None]


RUBRIC_KEYS = {
    "id": str,
    "name": str,
    "title": str,
    "subject_label": str,
    "subject": str,
    "total": int,
    "header": list,
    "columns": dict,
    "footer": dict,
}


def _rubric(checker: _Checker, raw: Any, path: str) -> Rubric | None:
    good = checker.table(raw, path, {**RUBRIC_KEYS, "items": list}, {})
    if good is None:
        return None
    header = _header(checker, checker.children(good, "header", f"{path}.header", "表头填写项"), f"{path}.header")
    columns = _strings(checker, good.get("columns"), f"{path}.columns", Columns)
    footer = _strings(checker, good.get("footer"), f"{path}.footer", Footer)
    items = _items(checker, checker.children(good, "items", f"{path}.items", "评审项目"), path)
    if len(good) != len(RUBRIC_KEYS) + 1 or header is None or columns is None or footer is None or items is None:
        return None
    total = sum(item.points for item in items)
    if total != good["total"]:
        checker.fail(f"{path}.total", f"总分应为 {good['total']} 分，但各评审项目分值之和为 {total} 分")
    texts = (good["id"], good["name"], good["title"], good["subject_label"], good["subject"])
    return Rubric(*texts, good["total"], header, columns, footer, items)


HEADER_KEYS = {"kind": str, "role": str, "wide": bool}
HEADER_CHOICES = {"kind": ("text", "total"), "role": ("name", "unit", "other")}


def _header_entry(checker: _Checker, entry: Any, path: str) -> HeaderField | None:
    good = checker.table(entry, path, {"id": str, "label": str}, HEADER_KEYS)
    if good is None or "id" not in good or "label" not in good:
        return None
    for key, choices in HEADER_CHOICES.items():
        if good.get(key, choices[0]) not in choices:
            allowed = "、".join(f"“{c}”" for c in choices)
            checker.fail(f"{path}.{key}", f"{key} 只能是 {allowed}，实际是 “{good[key]}”")
            return None
    kind, role = good.get("kind", "text"), good.get("role", "other")
    if kind == "total" and role != "other":
        checker.fail(f"{path}.role", '自评总分项（kind = "total"）不能再写 role')
    return HeaderField(good["id"], good["label"], kind, role, good.get("wide", False))


def _header(checker: _Checker, entries: list[Any], path: str) -> tuple[HeaderField, ...] | None:
    fields = [(f"{path}[{n}]", _header_entry(checker, entry, f"{path}[{n}]")) for n, entry in enumerate(entries, 1)]
    found = [(p, f) for p, f in fields if f is not None]
    checker.ids([(p, f.id) for p, f in found], "表头填写项")
    counts = {
        ("kind", "total", "自评总分项"): sum(1 for _, f in found if f.kind == "total"),
        ("role", "name", "申报人姓名或班组名称项"): sum(1 for _, f in found if f.role == "name"),
    }
    if entries:
        for (key, value, what), count in counts.items():
            if count != 1:
                checker.fail(path, f'表头必须恰好有一个 {key} = "{value}" 的{what}，实际有 {count} 个')
        units = sum(1 for _, f in found if f.role == "unit")
        if units > 1:
            checker.fail(path, f'表头最多只能有一个 role = "unit" 的单位项，实际有 {units} 个')
    if len(found) != len(entries) or any(count != 1 for count in counts.values()):
        return None
    return tuple(f for _, f in found)


def _strings(checker: _Checker, raw: Any, path: str, kind: type[Columns] | type[Footer]) -> Any:
    """A table of text keys (``columns``, ``footer``) as the model's dataclass ``kind``."""
    keys: dict[str, type] = dict.fromkeys((f.name for f in dataclasses.fields(kind)), str)
    good = checker.table(raw, path, keys, {})
    return kind(**good) if good is not None and len(good) == len(keys) else None


def _items(checker: _Checker, entries: list[Any], rubric_path: str) -> tuple[Item, ...] | None:
    path = f"{rubric_path}.items"
    items = [_item(checker, entry, f"{path}[{n}]") for n, entry in enumerate(entries, 1)]
    checker.ids([(f"{path}[{n}]", i.id) for n, i in enumerate(items, 1) if i], "评审项目")
    subs = [
        (f"{path}[{n}].subitems[{m}]", sub.id)
        for n, item in enumerate(items, 1)
        if item
        for m, sub in enumerate(item.subitems, 1)
    ]
    checker.ids(subs, "评审细项")
    found = tuple(item for item in items if item is not None)
    return found if found and len(found) == len(items) else None


def _item(checker: _Checker, raw: Any, path: str) -> Item | None:
    good = checker.table(raw, path, {"id": str, "name": str, "points": int, "subitems": list}, {})
    if good is None:
        return None
    entries = checker.children(good, "subitems", f"{path}.subitems", "评审细项")
    subs = [_subitem(checker, entry, f"{path}.subitems[{n}]") for n, entry in enumerate(entries, 1)]
    if len(good) != 4 or not subs or not all(subs):
        return None
    checked = tuple(s for s in subs if s is not None)
    total = sum(sub.points for sub in checked)
    if total != good["points"]:
        checker.fail(
            f"{path}.points",
            f"评审项目“{good['name']}”的分值为 {good['points']} 分，但其评审细项分值之和为 {total} 分",
        )
    return Item(good["id"], good["name"], good["points"], checked)


def _subitem(checker: _Checker, raw: Any, path: str) -> SubItem | None:
    good = checker.table(raw, path, {"id": str, "name": str, "points": int, "bands": list}, {})
    if good is None:
        return None
    entries = checker.children(good, "bands", f"{path}.bands", "评分标准")
    bands = [_band(checker, entry, f"{path}.bands[{n}]") for n, entry in enumerate(entries, 1)]
    if len(good) != 4 or not bands or not all(bands):
        return None
    checked = tuple(b for b in bands if b is not None)
    _check_band_order(checker, checked, good["name"], good["points"], f"{path}.bands")
    return SubItem(good["id"], good["name"], good["points"], checked)


BAND_KEYS = {"min": int, "max": int, "points": int, "veto": bool, "note": str}


def _band(checker: _Checker, raw: Any, path: str) -> Band | None:
    good = checker.table(raw, path, {"text": str}, BAND_KEYS)
    if good is None or "text" not in good or len(good) != len(raw):
        return None
    low_high = _band_range(checker, good, path)
    if low_high is None:
        return None
    band = Band(good["text"], *low_high, veto=good.get("veto", False), note=good.get("note", ""))
    if band.veto and not band.is_fixed:
        checker.fail(path, f"一票否决的评分标准必须是固定分值（写 points = N），实际是区间 {band.min}-{band.max}")
    if band.veto and not band.note:
        checker.fail(path, "一票否决的评分标准必须写 note（注释），例如“该项目为一票否决，得分为0时不得申报”")
    return band


def _band_range(checker: _Checker, good: dict[str, Any], path: str) -> tuple[int, int] | None:
    has_range = "min" in good or "max" in good
    if has_range == ("points" in good):
        checker.fail(path, "评分标准要么写分数区间 min 和 max，要么写固定分值 points，二者选一")
        return None
    if "points" in good:
        return good["points"], good["points"]
    if "min" not in good or "max" not in good:
        checker.fail(path, "分数区间必须同时写 min 和 max")
        return None
    if good["min"] < 1 or good["min"] > good["max"]:
        checker.fail(path, f"分数区间 {good['min']}-{good['max']} 无效：min 至少为 1，且不能大于 max")
        return None
    return good["min"], good["max"]


def _check_band_order(checker: _Checker, bands: tuple[Band, ...], name: str, points: int, path: str) -> None:
    rules: list[tuple[Callable[[Band, Band], bool], str]] = [
        (lambda prev, band: band.min < prev.min, "没有按分数从低到高排列"),
        (lambda prev, band: band.min <= prev.max, "与前一档分数区间重叠"),
    ]
    for n, (prev, band) in enumerate(itertools.pairwise(bands), 2):
        for broken, reason in rules:
            if broken(prev, band):
                checker.fail(f"{path}[{n}]", f"评分标准{band.label}{reason}（前一档为{prev.label}）")
                break
    if bands[-1].max != points:
        checker.fail(
            f"{path}[{len(bands)}]",
            f"评审细项“{name}”满分 {points} 分，但最高一档评分标准{bands[-1].label}没有止于 {points} 分",
        )
