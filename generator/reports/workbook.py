"""The workbook: a sheet per rubric (a row per form, best total first), with a roster the 名单核对 sheet,
a 问题 sheet and a 重复提交 sheet.

Headers are frozen, columns sized to their contents, applicant text stored
as text that can never become a formula (see :mod:`generator.reports.cells`).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook
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


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    if isinstance(value, str):
        value = safe_text(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
        if "\n" in value or display_width(value) > MAX_WIDTH:
            cell.alignment = WRAP


def _fill(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Cell]], frozen: str) -> None:
    for column, title in enumerate(headers, start=1):
        _put(sheet, 1, column, title)
        sheet.cell(row=1, column=column).font = HEADER_FONT
        sheet.cell(row=1, column=column).fill = HEADER_FILL
        sheet.cell(row=1, column=column).alignment = WRAP
    for row_number, cells in enumerate(rows, start=2):
        for column, value in enumerate(cells, start=1):
            _put(sheet, row_number, column, value)
    sheet.freeze_panes = frozen
    widths = _size_columns(sheet, headers, rows)
    for row_number, cells in enumerate(rows, start=2):
        _size_row(sheet, row_number, cells, widths)
    _print_setup(sheet)


def _size_row(sheet: Worksheet, row_number: int, cells: Sequence[Cell], widths: Sequence[float]) -> None:
    """Room for every line of wrapped text (spreadsheet programs do not re-measure on opening)."""
    lines = 1
    for value, width in zip(cells, widths, strict=True):
        if isinstance(value, str) and (2 * len(value) > width - 1 or "\n" in value):
            lines = max(lines, sum(-(-display_width(part) // int(width - 1)) or 1 for part in value.split("\n")))
    if lines > 1:
        sheet.row_dimensions[row_number].height = LINE_HEIGHT * lines


def _print_setup(sheet: Worksheet) -> None:
    """Printed: A4 landscape, all columns on the page width, the header row on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
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


def _rubric_sheet(workbook: Workbook, table: RubricTable, name: str) -> None:
    sheet = workbook.create_sheet(name)
    first_name_column = 4  # 名次, 来源文件, 格式, then the name: kept in view when scrolling right
    _fill(sheet, table.headers, [row.cells for row in table.rows], f"{get_column_letter(first_name_column + 1)}2")


def _problem_sheet(workbook: Workbook, tabulation: Tabulation, name: str) -> None:
    sheet = workbook.create_sheet(name)
    rows = [(p.source, p.rubric, p.applicant, p.message) for p in tabulation.problems]
    _fill(sheet, PROBLEM_HEADERS, rows, "B2")


def _duplicate_sheet(workbook: Workbook, tabulation: Tabulation, name: str) -> None:
    """One row per copy, grouped by applicant: the list every copy's problem points to."""
    sheet = workbook.create_sheet(name)
    rows = [(g.rubric.name, g.who, len(g.sources), s) for g in tabulation.duplicates for s in g.sources]
    _fill(sheet, DUPLICATE_HEADERS, rows, "A2")


def _roster_sheet(workbook: Workbook, check: RosterCheck, rubrics: RubricSet, name: str) -> None:
    """Each roster row with its status and files, then each return no row claims (名单外)."""
    sheet = workbook.create_sheet(name)
    rows: list[tuple[Cell, ...]] = []
    for line in check.lines:
        entry = line.entry
        rows.append(
            (entry.where, entry.rubric.name, entry.name, entry.unit, entry.email,
             line.status, len(line.returns), line.files, line.formats, "电子" if line.returns else "", line.note)
        )  # fmt: skip
    for result in check.unmatched:
        rubric = rubrics.get(result.rubric_id or "")
        name = result.applicant.get(rubric.name_field.id, "") if rubric else ""
        unit = rubric.unit_field if rubric else None
        rows.append(
            ("", rubric.name if rubric else "", name, result.applicant.get(unit.id, "") if unit else "", "",
             "名单外", 1, result.source, result.format_text, "电子", "花名册中没有对应的人")
        )  # fmt: skip
    _fill(sheet, ROSTER_HEADERS, rows, "C2")


def workbook_bytes(tabulation: Tabulation) -> bytes:
    """The workbook as bytes: a sheet per rubric, then 问题 and, when there are any, 重复提交."""
    workbook = Workbook()
    default_sheet = workbook.active
    assert default_sheet is not None  # a new workbook has one sheet, and it is the active one
    workbook.remove(default_sheet)
    count = len(tabulation.tables)
    names = sheet_names([t.rubric.name for t in tabulation.tables] + [PROBLEM_SHEET, DUPLICATE_SHEET, ROSTER_SHEET])
    for table, name in zip(tabulation.tables, names[:count], strict=True):
        _rubric_sheet(workbook, table, name)
    if tabulation.roster is not None:
        _roster_sheet(workbook, tabulation.roster, tabulation.rubrics, names[count + 2])
    _problem_sheet(workbook, tabulation, names[count])
    if tabulation.duplicates:
        _duplicate_sheet(workbook, tabulation, names[count + 1])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
