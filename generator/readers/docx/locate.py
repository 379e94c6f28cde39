"""Where each field's value is in a returned Word form, and what it says.

A form as written has a content control per field, tagged with the field's
name (:mod:`generator.model.fields`).  A field's value is the text of the
table cell holding its control — so a value typed beside the control, in
the same cell, counts too — less the printed label where one shares the cell
(the review opinion's).  When the controls are gone (WPS or a user deleted
them, the table was pasted into a new document), each field's cell is found
by the printed text around it instead: a sub-item's score is the last cell
of the row naming the sub-item, a header value the cell after its label, the
organisation's name the cell after 所在组织（或推荐机构）, the review opinion
the cell that starts with its label, the date the cell printed 年　月　日.
When even the table is gone, the header values are read from a line such as
``姓名　张三　单位　某公司``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from generator.model.fields import FormField, form_fields
from generator.model.rubric import Rubric
from generator.readers.docx.text import W, control_title, repeats_previous_control, text_of
from generator.readers.results import UnreadableForm

BLANK_RULE = re.compile(r"[_＿\s]+")
NUMERAL = r"[\d〇零一二两三四五六七八九十]"
DATE = re.compile(f"{NUMERAL}{{0,5}}年{NUMERAL}{{0,3}}月{NUMERAL}{{0,3}}日")
"""A cell holding the review date: the printed 年　月　日, filled in or not."""


def squeeze(text: str) -> str:
    """Text without whitespace or rule characters, for comparing printed labels."""
    return BLANK_RULE.sub("", text)


@dataclass(frozen=True, slots=True)
class Located:
    """The values found, by field name, and whether any content control was there."""

    values: dict[str, str]
    controls: bool


class _Table:
    """Every table row of the document, as lists of cells (nested tables included)."""

    def __init__(self, body: etree._Element) -> None:
        self.rows = [list(tr.iter(f"{W}tc")) for tr in body.iter(f"{W}tr")]
        self.text: dict[etree._Element, str] = {}

    def cell_text(self, tc: etree._Element) -> str:
        if tc not in self.text:
            self.text[tc] = text_of(tc)
        return self.text[tc]

    def cells_where(self, wanted: str, prefix: bool = False) -> list[tuple[list[etree._Element], int]]:
        """(row, index) of every cell whose squeezed text is ``wanted`` (or starts with it)."""
        found = []
        for row in self.rows:
            for index, tc in enumerate(row):
                text = squeeze(self.cell_text(tc))
                if text == wanted or (prefix and text.startswith(wanted)):
                    found.append((row, index))
        return found


def _single(found: list[tuple[list[etree._Element], int]], what: str) -> tuple[list[etree._Element], int] | None:
    if len(found) > 1:
        raise UnreadableForm(
            f"文档中“{what}”出现了 {len(found)} 次，似乎有不止一份评分表；请每份表格单独保存为一个文件后重新发送。"
        )
    return found[0] if found else None


def _after_label(text: str, label: str) -> str:
    """``text`` without the printed ``label`` it starts with (spaces inside the label ignored)."""
    wanted = squeeze(label)
    taken = 0
    for position, char in enumerate(text):
        if taken == len(wanted):
            return text[position:]
        if squeeze(char):
            taken += 1
    return "" if taken == len(wanted) else text


def control_cells(body: etree._Element, fields: Iterable[FormField]) -> dict[str, etree._Element]:
    """The element holding each field's control's value: its table cell, else the control's content.

    A control is the field's by its tag, or — when an editor dropped the tags (LibreOffice does) —
    by its title, the field's label.
    """
    by_tag = {f.name: f.name for f in fields}
    by_title = {f.label: f.name for f in fields}
    found: dict[str, etree._Element] = {}
    counts: Counter[str] = Counter()
    for sdt in body.iter(f"{W}sdt"):
        tag, title = control_title(sdt)
        name = by_tag.get(tag or "") if tag is not None else by_title.get(title or "")
        if name is None or (tag is None and repeats_previous_control(sdt)):
            continue
        counts[name] += 1
        holder = next((a for a in sdt.iterancestors(f"{W}tc")), None)
        if holder is None:
            holder = sdt.find(f"{W}sdtContent")
        found[name] = holder if holder is not None else sdt
    repeated = [name for name, count in counts.items() if count > 1]
    if repeated:
        raise UnreadableForm(
            f"文档中填写项 {repeated[0]} 出现了 {counts[repeated[0]]} 次，似乎有不止一份评分表；"
            "请每份表格单独保存为一个文件后重新发送。"
        )
    return found


def _by_table(table: _Table, rubric: Rubric, field: FormField) -> etree._Element | None:
    """The cell of ``field`` found by the printed text around it."""
    footer = rubric.footer
    if field.kind == "score" and field.subitem is not None:
        hit = _single(table.cells_where(squeeze(field.subitem.label)), field.subitem.label)
        return hit[0][-1] if hit else None
    label = {"applicant": field.label, "total": field.label, "organization": footer.organization}.get(field.kind)
    if label is not None:
        hits = table.cells_where(squeeze(label)) + table.cells_where(squeeze(label) + "：")
        hit = _single(hits, label)
        return hit[0][hit[1] + 1] if hit and hit[1] + 1 < len(hit[0]) else None
    if field.kind == "review":
        hit = _single(table.cells_where(squeeze(footer.review), prefix=True), footer.review)
        return hit[0][hit[1]] if hit else None
    if field.kind == "review_date":
        dates = [tc for row in table.rows for tc in row if DATE.fullmatch(squeeze(table.cell_text(tc)))]
        return dates[0] if dates else None
    return None


def _value(field: FormField, rubric: Rubric, text: str) -> str:
    """A field's value from its cell's text: labels sharing the cell removed, the date guide blank."""
    if field.kind == "review":
        text = _after_label(text.lstrip(), f"{rubric.footer.review}：")
    if field.kind == "review_date":
        guide = rubric.footer.date
        if squeeze(text) == squeeze(guide):
            return ""
        text = text.replace(guide, "")  # a date typed beside the printed guide
    return text.strip()


def _header_line(paragraphs: Iterable[str], rubric: Rubric) -> dict[str, str]:
    """Header values from a printed line ``姓名 张三 单位 某公司`` (the table gone)."""
    labels = [f.label for f in form_fields(rubric) if f.kind in ("applicant", "total")]
    pattern = "|".join(re.escape(label) for label in labels)
    values: dict[str, str] = {}
    for text in paragraphs:
        parts = re.split(f"({pattern})[：:]?", text)
        for label, value in zip(parts[1::2], parts[2::2], strict=True):
            values.setdefault(label, BLANK_RULE.sub(" ", value).strip())
    return values


def locate(body: etree._Element, rubric: Rubric) -> Located:
    """The value of every field of ``rubric`` that the document holds, by field name."""
    fields = [f for f in form_fields(rubric) if f.kind != "seal"]
    cells = control_cells(body, fields)
    table = _Table(body)
    values: dict[str, str] = {}
    for field in fields:
        cell = cells.get(field.name)
        if cell is None:
            cell = _by_table(table, rubric, field)
        if cell is not None:
            values[field.name] = _value(field, rubric, text_of(cell))
    if not all(f.name in values for f in fields if f.kind in ("applicant", "total")):
        line = _header_line((text_of(p) for p in body.iter(f"{W}p")), rubric)
        for field in fields:
            if field.kind in ("applicant", "total") and field.name not in values and field.label in line:
                values[field.name] = line[field.label]
    return Located(values, controls=bool(cells))
