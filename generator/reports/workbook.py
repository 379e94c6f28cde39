"""The workbook: a sheet per rubric (a row per form, best total first), with a roster the 名单核对 sheet,
a 问题 sheet and a 重复提交 sheet.

Headers are frozen, columns sized to their contents, applicant text stored
as text that can never become a formula (see :mod:`generator.reports.cells`).

openpyxl makes the package — workbook, styles, each sheet's column widths,
frozen panes and print setup — in write-only mode, with no rows; the rows
themselves, thousands of cells, are written here as the XML openpyxl would
write for them (inline strings, numbers, a style id per styled cell, a
height per wrapped row) and put into each saved sheet: openpyxl's
cell-by-cell writing took most of the time of a large ``read``.
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable, Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from generator.model.rubric import RubricSet
from generator.reports.cells import display_width, formula_like, safe_text, sheet_names
from generator.reports.roster_check import RosterCheck
from generator.reports.tabulate import PROBLEM_HEADERS, Cell, RubricTable, Tabulation

PROBLEM_SHEET = "问题"
DUPLICATE_SHEET = "重复提交"
DUPLICATE_HEADERS = ("评分表", "申报人", "份数", "文件")
ROSTER_SHEET = "名单核对"
ROSTER_HEADERS = (
    "花名册位置",
    "评分表",
    "姓名/班组名称",
    "单位",
    "邮箱",
    "状态",
    "份数",
    "交回文件",
    "格式",
    "形式",
    "说明",
)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
WRAP = Alignment(wrap_text=True, vertical="top")
MIN_WIDTH, MAX_WIDTH, HEADER_MAX_WIDTH = 6, 60, 24
LINE_HEIGHT = 15.0
CELL_TEXT_MAX = 32767  # Excel's limit; openpyxl cuts longer text to it
# Where a saved write-only sheet (given no rows) takes its rows, and its dimension (the cells it uses,
# which a write-only sheet leaves out): each written exactly once by openpyxl
EMPTY_ROWS, VIEWS = b"<sheetData></sheetData>", b"<sheetViews>"
XML_TEXT = {"\r": "&#13;"}  # beyond & < >: a carriage return kept as one (a parser reads a bare one as \n)


class _Book:
    """The workbook being made: openpyxl's write-only workbook, each sheet's rows as XML, and the
    style ids of the formats the cells use."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)  # no default sheet, no cells kept
        self.sheets: list[tuple[Worksheet, dict[bytes, bytes]]] = []
        self.style_ids: dict[tuple[bool, bool, bool], int] = {}
        self.texts: dict[tuple[str, bool], str] = {}  # many cells repeat a text: a status, a rubric's name

    def add(self, name: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], frozen: str) -> None:
        """Sheet ``name``: the header row (bold, shaded, wrapped, frozen with ``frozen``), then ``rows``."""
        sheet: Worksheet = self.workbook.create_sheet(name)  # a WriteOnlyWorksheet: a Worksheet's layout
        titles = [safe_text(title) for title in headers]
        texts = [[safe_text(value) if isinstance(value, str) else value for value in cells] for cells in rows]
        widths = _size_columns(sheet, titles, texts)
        sheet.freeze_panes = frozen
        _print_setup(sheet)
        letters = [get_column_letter(column) for column in range(1, len(titles) + 1)]
        xml = [_row(1, titles, letters, functools.partial(self.text_cell, sheet, header=True), None)]
        text_cell = functools.partial(self.text_cell, sheet, header=False)
        for number, cells in enumerate(texts, start=2):
            xml.append(_row(number, cells, letters, text_cell, _height(cells, widths)))
        used = f'<dimension ref="A1:{letters[-1]}{len(xml)}"/>'.encode()
        self.sheets.append(
            (sheet, {EMPTY_ROWS: b"<sheetData>" + "".join(xml).encode() + b"</sheetData>", VIEWS: used + VIEWS})
        )

    def text_cell(self, sheet: Worksheet, text: str, header: bool) -> str:
        """A cell holding ``text`` after its reference, as openpyxl writes it: always text (an inline
        string, never a formula or an error value, whatever it looks like), cut to Excel's limit."""
        key = (text, header)
        if key not in self.texts:
            style = self.style_id(sheet, text, header)
            attributes = (f' s="{style}"' if style else "") + ' t="inlineStr"'
            kept = text[:CELL_TEXT_MAX]
            space = ' xml:space="preserve"' if kept != kept.strip() else ""
            self.texts[key] = (
                f"{attributes}><is><t{space}>{escape(kept, XML_TEXT)}</t></is></c>" if kept else f"{attributes}/>"
            )
        return self.texts[key]

    def style_id(self, sheet: Worksheet, text: str, header: bool) -> int:
        """The format of a cell holding ``text``, registered with openpyxl when first used (0: none):
        text that looks like a formula gets the quote prefix, long or multi-line text wraps, a header is
        also bold and shaded."""
        quoted = formula_like(text)
        wrapped = header or "\n" in text or display_width(text) > MAX_WIDTH
        key = (header, quoted, wrapped)
        if key not in self.style_ids:
            cell = WriteOnlyCell(sheet)
            if quoted:
                cell.quotePrefix = True
            if wrapped:
                cell.alignment = WRAP
            if header:
                cell.font = HEADER_FONT
                cell.fill = HEADER_FILL
            self.style_ids[key] = cell.style_id if cell.has_style else 0
        return self.style_ids[key]

    def saved(self) -> bytes:
        """The package openpyxl saves, each sheet with its rows and dimension put in."""
        buffer = BytesIO()
        self.workbook.save(buffer)
        additions = {sheet.path.lstrip("/"): replacements for sheet, replacements in self.sheets}
        out = BytesIO()
        with zipfile.ZipFile(buffer) as saved, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for info in saved.infolist():
                part = saved.read(info)
                for marker, replacement in additions.pop(info.filename, {}).items():
                    if part.count(marker) != 1:
                        raise RuntimeError(f"openpyxl wrote {info.filename} in a way this version does not know")
                    part = part.replace(marker, replacement)
                package.writestr(info, part)
        if additions:
            raise RuntimeError(f"openpyxl saved no {', '.join(additions)}")
        return out.getvalue()


def _row(
    number: int, cells: Sequence[Cell], letters: Sequence[str], text_cell: Callable[[str], str], height: float | None
) -> str:
    """Row ``number`` as openpyxl writes it: text as ``text_cell`` has it, numbers as numbers, no cell
    for None; a height when wrapped text needs one."""
    parts = [f'<row r="{number}">' if height is None else f'<row r="{number}" customHeight="1" ht="{height:.16g}">']
    for letter, value in zip(letters, cells, strict=True):
        if value is None:
            continue
        if isinstance(value, bool):
            parts.append(f'<c r="{letter}{number}" t="b"><v>{value:d}</v></c>')
        elif not isinstance(value, str):
            parts.append(f'<c r="{letter}{number}" t="n"><v>{value:.16g}</v></c>')
        else:
            parts.append(f'<c r="{letter}{number}"{text_cell(value)}')
    parts.append("</row>")
    return "".join(parts)


def _height(cells: Sequence[Cell], widths: Sequence[float]) -> float | None:
    """Room for every line of wrapped text (spreadsheet programs do not re-measure on opening); None
    for a row of single lines."""
    lines = 1
    for value, width in zip(cells, widths, strict=True):
        if isinstance(value, str) and (2 * len(value) > width - 1 or "\n" in value):
            lines = max(lines, sum(-(-display_width(part) // int(width - 1)) or 1 for part in value.split("\n")))
    return LINE_HEIGHT * lines if lines > 1 else None


def _print_setup(sheet: Worksheet) -> None:
    """Printed: A4 landscape, all columns on the page width, the header row on every page."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    page_setup_properties = sheet.sheet_properties.pageSetUpPr
    assert page_setup_properties is not None  # openpyxl gives every new sheet its own
    page_setup_properties.fitToPage = True
    sheet.print_title_rows = "1:1"


def _size_columns(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Each column as wide as its widest value (within bounds); returns the widths."""
    widths: list[int] = []
    for column, title in enumerate(headers, start=1):
        contents = [display_width(str(row[column - 1])) for row in rows if row[column - 1] not in (None, "")]
        widest = max([min(display_width(title), HEADER_MAX_WIDTH), *contents])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, widest + 2)))
        sheet.column_dimensions[get_column_letter(column)].width = widths[-1]
    return widths


def _rubric_sheet(book: _Book, table: RubricTable, name: str) -> None:
    first_name_column = 4  # 名次, 来源文件, 格式, then the name: kept in view when scrolling right
    book.add(name, table.headers, [row.cells for row in table.rows], f"{get_column_letter(first_name_column + 1)}2")


def _problem_sheet(book: _Book, tabulation: Tabulation, name: str) -> None:
    rows = [(p.source, p.rubric, p.applicant, p.message) for p in tabulation.problems]
    book.add(name, PROBLEM_HEADERS, rows, "B2")


def _duplicate_sheet(book: _Book, tabulation: Tabulation, name: str) -> None:
    """One row per copy, grouped by applicant: the list every copy's problem points to."""
    rows = [(g.rubric.name, g.who, len(g.sources), s) for g in tabulation.duplicates for s in g.sources]
    book.add(name, DUPLICATE_HEADERS, rows, "A2")


def _roster_sheet(book: _Book, check: RosterCheck, rubrics: RubricSet, name: str) -> None:
    """Each roster row with its status and files, then each return no row claims (名单外)."""
    rows: list[tuple[Cell, ...]] = []
    for line in check.lines:
        entry = line.entry
        rows.append(
            (entry.where, entry.rubric.name, entry.name, entry.unit, entry.email,
             line.status, len(line.returns), line.files, line.formats, "电子" if line.returns else "", line.note)
        )  # fmt: skip
    for result in check.unmatched:
        rubric = rubrics.get(result.rubric_id or "")
        who = result.applicant.get(rubric.name_field.id, "") if rubric else ""
        unit = rubric.unit_field if rubric else None
        rows.append(
            ("", rubric.name if rubric else "", who, result.applicant.get(unit.id, "") if unit else "", "",
             "名单外", 1, result.source, result.format_text, "电子", "花名册中没有对应的人")
        )  # fmt: skip
    book.add(name, ROSTER_HEADERS, rows, "C2")


def workbook_bytes(tabulation: Tabulation) -> bytes:
    """The workbook as bytes: a sheet per rubric, then 问题 and, when there are any, 重复提交."""
    book = _Book()
    count = len(tabulation.tables)
    names = sheet_names([t.rubric.name for t in tabulation.tables] + [PROBLEM_SHEET, DUPLICATE_SHEET, ROSTER_SHEET])
    for table, name in zip(tabulation.tables, names[:count], strict=True):
        _rubric_sheet(book, table, name)
    if tabulation.roster is not None:
        _roster_sheet(book, tabulation.roster, tabulation.rubrics, names[count + 2])
    _problem_sheet(book, tabulation, names[count])
    if tabulation.duplicates:
        _duplicate_sheet(book, tabulation, names[count + 1])
    return book.saved()
