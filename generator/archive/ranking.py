"""The ranking table: one row per application in archive order, across as many pages as it takes.

Cells wrap by the Chinese line-breaking rules of the forms; a row never
splits across pages, and each page repeats the header row.  A cell is cut at
:data:`MAX_LINES` lines (a 500-character unit name must not outgrow a page).
Each row links to the application's first page; the 页码 column gives that
page's label for the printed copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm

from generator.archive.document import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    LINE_SPACING,
    MARGIN,
    ArchiveCanvas,
    Band,
    roman,
)
from generator.archive.entries import Entry
from generator.model.rubric import Rubric

TITLE = "排名表"
CONTINUED = "排名表（续）"
NOTE = (
    "按核算总分从高到低排列，总分相同者名次并列；纸质表格尚未录入评分的列在最后，名次为“待录入”。"
    "核算总分只计有效的评分；“盖章”一栏为纸质原件上的印章或电子版的电子签章。"
)
SIZE = 9.0
HEAD_SIZE = 9.0
PAD = 1.2 * mm
MAX_LINES = 8
HEAD_GREY = 0.9
CENTERED = frozenset({"名次", "总分", "申报资格", "盖章", "页码"})


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width_mm: float


@dataclass(frozen=True, slots=True)
class Table:
    """The table as text: its columns and, per application, its cells."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Entry, tuple[str, ...]], ...]

    def texts(self) -> list[str]:
        return [TITLE, CONTINUED, NOTE, *(c.header for c in self.columns), *(t for _, r in self.rows for t in r)]


def ranking_titles() -> list[str]:
    """What the table sets in the title font."""
    return [TITLE, CONTINUED]


def columns(rubric: Rubric) -> tuple[Column, ...]:
    name = rubric.name_field.label
    total = f"总分（{rubric.total}分）"
    if rubric.unit_field is None:
        widths = (("名次", 10.0), (name, 40.0), (total, 14.0), ("申报资格", 16.0), ("盖章", 20.0))
        return tuple(Column(h, w) for h, w in (*widths, ("问题", 58.0), ("页码", 12.0)))
    widths = (("名次", 10.0), (name, 24.0), (rubric.unit_field.label, 35.0), (total, 14.0), ("申报资格", 16.0))
    return tuple(Column(h, w) for h, w in (*widths, ("盖章", 20.0), ("问题", 39.0), ("页码", 12.0)))


def ranking_table(rubric: Rubric, entries: Sequence[Entry], form_pages: int) -> Table:
    cols = columns(rubric)
    rows = []
    for entry in entries:
        cells = [entry.rank_text, entry.name]
        if rubric.unit_field is not None:
            cells.append(entry.unit)
        cells += [
            entry.total_text,
            entry.result.eligibility_text,
            entry.seal_text,
            entry.problems_cell(form_pages),
            f"{entry.label_prefix}1",
        ]
        rows.append((entry, tuple(cells)))
    return Table(cols, tuple(rows))


def _cell_lines(doc: ArchiveCanvas, text: str, width: float) -> list[str]:
    lines = doc.wrap(text, width - 2 * PAD, SIZE)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][:-1] + "…"]
    return lines


class RankingWriter:
    """Draws the table page by page; pages are labelled ii, iii … (the cover is i)."""

    def __init__(self, doc: ArchiveCanvas, table: Table, band: Band) -> None:
        self.doc, self.table, self.band = doc, table, band
        self.x = [MARGIN]
        for column in table.columns:
            self.x.append(self.x[-1] + column.width_mm * mm)
        self.leading = SIZE * LINE_SPACING

    def draw(self) -> None:
        doc = self.doc
        top = self.start_page(first=True)
        if not self.table.rows:
            doc.text(MARGIN, top - 8 * mm, "没有这份评分表的申报材料。", 11)
        for entry, cells in self.table.rows:
            lines = [_cell_lines(doc, text, c.width_mm * mm) for text, c in zip(cells, self.table.columns, strict=True)]
            height = max(len(cell) for cell in lines) * self.leading + 2 * PAD
            if top - height < CONTENT_BOTTOM:
                doc.end_page()
                top = self.start_page(first=False)
            self.row(top, height, lines, bold=False)
            doc.link(entry.key, (self.x[0], top - height, self.x[-1], top))
            top -= height
        doc.end_page()

    def start_page(self, first: bool) -> float:
        """Running heads, the title (the note under it on the first page) and the header row; the y below."""
        doc = self.doc
        doc.band(self.band, roman(doc.page + 1))
        top = CONTENT_TOP
        if first:
            doc.text(MARGIN, top - 16, TITLE, 16, font=doc.title, bold=True)
            top = doc.paragraph(MARGIN, top - 22, NOTE, self.x[-1] - MARGIN, 9, grey=0.3) - 3 * mm
        else:
            doc.text(MARGIN, top - 12, CONTINUED, 12, font=doc.title, bold=True)
            top -= 20
        heads = [_cell_lines(doc, c.header, c.width_mm * mm) for c in self.table.columns]
        height = max(len(h) for h in heads) * self.leading + 2 * PAD
        canvas = doc.canvas
        canvas.saveState()
        canvas.setFillGray(HEAD_GREY)
        canvas.rect(self.x[0], top - height, self.x[-1] - self.x[0], height, stroke=0, fill=1)
        canvas.restoreState()
        self.row(top, height, heads, bold=True)
        return top - height

    def row(self, top: float, height: float, cells: list[list[str]], bold: bool) -> None:
        doc, canvas = self.doc, self.doc.canvas
        canvas.setLineWidth(0.5)
        for index, (lines, column) in enumerate(zip(cells, self.table.columns, strict=True)):
            x0, x1 = self.x[index], self.x[index + 1]
            canvas.rect(x0, top - height, x1 - x0, height)
            centered = bold or column.header in CENTERED or column.header.startswith("总分")
            y = top - PAD - (height - 2 * PAD - len(lines) * self.leading) / 2 if centered else top - PAD
            for line in lines:
                baseline = y - self.leading + (self.leading - SIZE) / 2 + 0.12 * SIZE
                if centered:
                    doc.text((x0 + x1) / 2, baseline, line, SIZE, "center", fit=x1 - x0 - 2 * PAD, bold=bold)
                else:
                    doc.text(x0 + PAD, baseline, line, SIZE, fit=x1 - x0 - 2 * PAD)
                y -= self.leading
