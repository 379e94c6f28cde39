"""The archive's cover: which programme and rubric, when it was made, and the counts of the batch.

``rubrics.toml`` has no separate programme name: the rubric's title names it
(全国用户满意服务明星自评标准), so the cover shows the title under the
rubric's short name.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm

from generator.archive.document import CONTENT_WIDTH, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, ArchiveCanvas
from generator.archive.entries import Entry
from generator.model.rubric import Rubric
from generator.version import __version__

HEADING = "评审档案"
CONTENTS = "目录"
LABEL_WIDTH = 30 * mm
ROW_SIZE = 12.0
NOTE_SIZE = 9.5
PAPER_FORMATS = ("scan", "keyed")
PAGE_NOTE = (
    "页码说明：封面和排名表用 i、ii、iii… 编号；每份申报材料的页码为“序号-页”，序号即排名表中的次序，"
    "例如 3-2 是第 3 份材料的第 2 页。每份材料依次为：按读取结果重新生成的申报表、"
    "纸质表格的原件扫描页（纸质交回的才有）、读取时发现的问题（有问题的才有）。"
    "阅读器的书签栏按名次列出每位申报人；点击排名表中的一行可跳到该份材料。"
)


@dataclass(frozen=True, slots=True)
class Cover:
    """Everything the cover says, as text."""

    name: str
    title: str
    rows: tuple[tuple[str, str], ...]
    contents: tuple[tuple[str, str], ...]
    note: str
    footnote: str

    def titles(self) -> list[str]:
        """What the cover sets in the title font."""
        return [HEADING, CONTENTS, self.name, self.title]

    def texts(self) -> list[str]:
        return [
            HEADING,
            CONTENTS,
            self.name,
            self.title,
            *(t for row in (*self.rows, *self.contents) for t in row),
            self.note,
            self.footnote,
        ]


def date_text(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def _formats(entries: Sequence[Entry]) -> str:
    results = [e.result for e in entries]
    pdf = sum(1 for r in results if r.format == "pdf")
    paper = sum(1 for r in results if r.format in PAPER_FORMATS)
    word = len(results) - pdf - paper
    both = sum(1 for r in results if r.format not in PAPER_FORMATS and r.scan is not None)
    parts = [f"PDF 表单 {pdf} 份", f"Word 表格 {word} 份", f"纸质表格 {paper} 份"]
    text = "，".join(parts)
    return text + (f"；另有 {both} 份电子版同时交回了盖章的纸质表格" if both else "")


def _totals(entries: Sequence[Entry]) -> str:
    totals = [e.result.total or 0 for e in entries if e.scored]
    if not totals:
        return "—"
    return f"最高 {max(totals)} 分，最低 {min(totals)} 分，平均 {statistics.fmean(totals):.1f} 分"


def cover_text(rubric: Rubric, entries: Sequence[Entry], generated: datetime, first_ranking_page: str) -> Cover:
    results = [e.result for e in entries]
    scored = sum(1 for e in entries if e.scored)
    eligibility = {
        text: sum(1 for r in results if r.eligibility_text == text) for text in ("可申报", "不得申报", "待核实")
    }
    with_problems = [r for r in results if r.problems]
    scan_pages = sum(len(e.scan_pages) for e in entries)
    rows = [
        ("评分标准", f"{rubric.title}（满分 {rubric.total} 分）"),
        (rubric.subject_label, rubric.subject),
        ("生成时间", date_text(generated)),
        ("申报材料", f"共 {len(entries)} 份"),
        ("交回形式", _formats(entries)),
        (
            "计分情况",
            f"已计分 {scored} 份" + (f"，纸质表格待录入 {len(entries) - scored} 份" if scored < len(entries) else ""),
        ),
        ("申报资格", "，".join(f"{text} {count} 份" for text, count in eligibility.items())),
        ("核算总分", _totals(entries)),
        ("存在问题", f"{len(with_problems)} 份（共 {sum(len(r.problems) for r in with_problems)} 项）"),
        ("原件扫描页", f"共 {scan_pages} 页"),
    ]
    contents = [("排名表", f"第 {first_ranking_page} 页")]
    if entries:
        contents.append(("申报材料（按排名表次序）", f"第 {entries[0].label_prefix}1 页起"))
    footnote = f"评分标准版本指纹 {rubric.fingerprint}　·　由 rubric-forms {__version__} 生成"
    return Cover(rubric.name, rubric.title, tuple(rows), tuple(contents), PAGE_NOTE, footnote)


def draw_cover(doc: ArchiveCanvas, cover: Cover) -> None:
    """The cover page (closed when done)."""
    middle = PAGE_WIDTH / 2
    doc.text(middle, PAGE_HEIGHT - 52 * mm, HEADING, 16, "center", font=doc.title, grey=0.25)
    doc.text(middle, PAGE_HEIGHT - 70 * mm, cover.name, 28, "center", font=doc.title, bold=True)
    doc.text(middle, PAGE_HEIGHT - 82 * mm, cover.title, 14, "center", font=doc.title, fit=CONTENT_WIDTH)
    canvas = doc.canvas
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN + 20 * mm, PAGE_HEIGHT - 90 * mm, PAGE_WIDTH - MARGIN - 20 * mm, PAGE_HEIGHT - 90 * mm)
    top = PAGE_HEIGHT - 100 * mm
    left = MARGIN + 10 * mm
    value_width = CONTENT_WIDTH - 20 * mm - LABEL_WIDTH
    for label, value in cover.rows:
        doc.text(left, top - ROW_SIZE * 1.05, label, ROW_SIZE, grey=0.3)
        top = doc.paragraph(left + LABEL_WIDTH, top, value, value_width, ROW_SIZE) - 1.6 * mm
    top -= 6 * mm
    doc.text(left, top - ROW_SIZE * 1.05, CONTENTS, ROW_SIZE, font=doc.title, bold=True)
    top -= ROW_SIZE * 1.25 + 1.6 * mm
    right = PAGE_WIDTH - MARGIN - 10 * mm
    for label, page in cover.contents:
        baseline = top - ROW_SIZE * 1.05
        width = doc.text(left + 6 * mm, baseline, label, ROW_SIZE)
        page_width = doc.width(page, ROW_SIZE)
        canvas.saveState()
        canvas.setDash(1, 2)
        canvas.setLineWidth(0.5)
        canvas.setStrokeGray(0.5)
        canvas.line(left + 6 * mm + width + 2 * mm, baseline, right - page_width - 2 * mm, baseline)
        canvas.restoreState()
        doc.text(right, baseline, page, ROW_SIZE, "right")
        top -= ROW_SIZE * 1.25 + 1.6 * mm
    top -= 4 * mm
    doc.paragraph(left, top, cover.note, CONTENT_WIDTH - 20 * mm, NOTE_SIZE, grey=0.25)
    doc.text(middle, MARGIN, cover.footnote, 8.5, "center", grey=0.4, fit=CONTENT_WIDTH)
    doc.end_page()
