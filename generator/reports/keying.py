"""The keying workbook 录入表.xlsx: the crops of scanned paper applications beside empty cells to key them into.

Nothing is guessed from handwriting.  Each rubric with scanned applications
gets a sheet (its layout: :func:`generator.readers.keyed.keying_columns`), each
application a row: its 编号 and where its pages were found (grey, locked),
what the scan reader made of the seal (locked, grey) and the seal's crop, the
印章 cell for the clerk's own call (empty unless the clerk chose one: the
program's guess is never read back as the clerk's), then for every header
blank, score, the review, the organisation's name and the review date the
crop and an empty cell.  Score cells accept only the
scores the sub-item allows (data validation, with a Chinese prompt and error
message); the sheet is protected but for the cells to key, so the 编号 the
reader goes by stays as written.

Crops come at about 100 dpi and are shown scaled down to fit a row of
reasonable height (:data:`IMAGE_BOXES`); row heights and column widths are
set to hold them.  What was keyed before (``keyed``) is written back into the
cells, so rewriting the workbook on every ``read`` never loses a keyed value,
not even of an application whose scan is not in this run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from types import MappingProxyType

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from generator.model.fields import FieldKind, seal_field
from generator.model.rubric import Rubric, RubricSet, SubItem
from generator.readers.keyed import (
    FIRST_ROW,
    KEY_ROW,
    KEYING_FORMAT,
    MARKER_FORMAT,
    MARKER_RUBRIC,
    MARKER_SHEET,
    TITLE_ROW,
    KeyingColumn,
    keyed_fields,
    keying_columns,
)
from generator.readers.results import SEAL_TEXT, Crop, FormResult
from generator.readers.scores import allowed_scores
from generator.reports.cells import display_width, formula_like, safe_text, sheet_names

NOTHING_KEYED: Mapping[str, Mapping[str, str]] = MappingProxyType({})
NOT_SCANNED = "本次未读到扫描件"
"""The 来源 of a row kept only for what was keyed earlier."""

IMAGE_BOXES: Mapping[FieldKind, tuple[int, int]] = MappingProxyType(
    {"score": (200, 60), "review": (600, 150), "seal": (240, 150)}
)
"""The largest a crop is shown, width and height in pixels, by the kind of box; others: :data:`TEXT_BOX`."""
TEXT_BOX = (480, 60)
PAD_PX = 4
MIN_ROW_PX = 30
LINE_PX = 20
EMU_PER_PX = 9525
POINTS_PER_PX = 0.75
INPUT_WIDTHS: Mapping[FieldKind, int] = MappingProxyType(
    {"score": 12, "total": 10, "review": 28, "organization": 24, "review_date": 16, "seal": 11}
)
"""Each input column's width in characters, by the kind of field; others (header blanks): 16."""
TEXT_WIDTH, ID_WIDTHS, PAGES_WIDTHS, MIN_IMAGE_WIDTH, MAX_VALUE_WIDTH = 16, (8, 24), (8, 30), 8, 40
PX_PER_CHAR, CELL_PAD_PX = 7, 5
"""A column ``w`` characters wide is ``7 w + 5`` pixels (the default font's digit, and the cell's margins)."""
PRINT_PX_PER_CHAR = 10
"""What a character of column width may take on paper: where Excel's font is missing (LibreOffice on Linux
draws Calibri as DejaVu Sans) a character is nearly 10 pixels, not 7."""
LINE_POINTS = 15.0
PRINT_SCALE = 70
MARGIN_IN = 0.4
PRINTABLE_PX = (11.69 - 2 * MARGIN_IN) * 96
"""Across an A4 page in landscape, within the margins, in pixels at 96 per inch."""
MAX_ROW_ID = 1048575
MAX_LIST = 255  # characters Excel allows in a list validation's formula
MESSAGE_NAME = 40  # characters of a sub-item's name quoted in a validation message (Excel allows 255 in all)
INTEGER = re.compile(r"[+-]?[0-9]{1,9}")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
UNLOCKED = Protection(locked=False)
TEXT_FORMAT = "@"


@dataclass(frozen=True, slots=True)
class _Row:
    """One application's row: its id, where its pages were found, its crops by field name, what was keyed."""

    application_id: str
    pages: str
    crops: Mapping[str, Crop]
    scan_seal: str
    seal: str
    values: Mapping[str, str]


def keying_workbook(
    results: Sequence[FormResult], rubrics: RubricSet, keyed: Mapping[str, Mapping[str, str]] = NOTHING_KEYED
) -> bytes | None:
    """The keying workbook for the scanned ``results`` (a sheet per rubric, a row per application), as bytes.

    A result's input cells hold what its scan evidence says was keyed
    (``keyed_values``), then what ``keyed`` says: application id → field name →
    text, the seal under the rubric's seal field
    (:func:`~generator.model.fields.seal_field`); an application found only in
    ``keyed`` keeps its row, without crops.  The 印章 cell holds only the keyed
    seal; the scan's own call is shown, locked, in the column before the seal's
    crop.  ``None`` when there is no row to write.
    """
    rows = _rows_by_rubric(results, rubrics, keyed)
    if not rows:
        return None
    book = Workbook()
    book.remove(book.worksheets[0])
    names = sheet_names([MARKER_SHEET, *(rubric.name for rubric in rows)])[1:]
    for (rubric, sheet_rows), name in zip(rows.items(), names, strict=True):
        _rubric_sheet(book.create_sheet(name), rubric, sheet_rows)
    _marker_sheet(book.create_sheet(MARKER_SHEET), dict(zip(names, rows, strict=True)))
    book.active = 0
    book.security = WorkbookProtection(lockStructure=True)  # no sheet renamed, deleted or added by accident
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows_by_rubric(
    results: Sequence[FormResult], rubrics: RubricSet, keyed: Mapping[str, Mapping[str, str]]
) -> dict[Rubric, list[_Row]]:
    """Each rubric's rows, in rubric order: its scanned applications as given, then those only ``keyed`` has."""
    rows: dict[str, list[_Row]] = {}
    written: set[str] = set()
    for result in results:
        rubric = rubrics.get(result.rubric_id or "")
        scan = result.scan
        if scan is None or rubric is None or not scan.application_id or scan.application_id in written:
            continue
        written.add(scan.application_id)
        values = {**dict(scan.keyed_values), **keyed.get(scan.application_id, {})}
        seal = values.get(seal_field(rubric).name, "")
        crops = {crop.name: crop for crop in scan.crops}
        if scan.seal_crop is not None:  # the seal's crop, whatever it is named, goes in the seal's crop column
            crops[seal_field(rubric).name] = scan.seal_crop
        row = _Row(scan.application_id, "\n".join(scan.pages), crops, SEAL_TEXT[scan.seal], seal, values)
        rows.setdefault(rubric.id, []).append(row)
    for application_id in sorted(keyed.keys() - written):
        earlier = keyed[application_id]
        rubric = _rubric_of(earlier, rubrics)
        if rubric is not None:
            seal = earlier.get(seal_field(rubric).name, "")
            rows.setdefault(rubric.id, []).append(_Row(application_id, NOT_SCANNED, {}, "", seal, earlier))
    return {rubric: rows[rubric.id] for rubric in rubrics if rubric.id in rows}


def _rubric_of(values: Mapping[str, str], rubrics: RubricSet) -> Rubric | None:
    """The rubric whose fields the keyed values are of."""
    for rubric in rubrics:
        names = {f.name for f in keyed_fields(rubric)} | {seal_field(rubric).name}
        if names & values.keys():
            return rubric
    return None


def _rubric_sheet(sheet: Worksheet, rubric: Rubric, rows: Sequence[_Row]) -> None:
    """The sheet: titles, the hidden key row, a row per application; validations, protection, panes, printing."""
    columns = keying_columns(rubric)
    widths = [_width(column, rows) for column in columns]
    for index, (column, width) in enumerate(zip(columns, widths, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        _header(_cell(sheet, TITLE_ROW, index), column.title)
        _text(_cell(sheet, KEY_ROW, index), column.key)
    sheet.row_dimensions[TITLE_ROW].height = _lines([c.title for c in columns], widths) * LINE_POINTS
    sheet.row_dimensions[KEY_ROW].hidden = True
    for number, row in enumerate(rows, start=FIRST_ROW):
        _application_row(sheet, number, columns, widths, row)
    last = FIRST_ROW + len(rows) - 1
    for index, column in enumerate(columns, start=1):
        validation = _validation(column)
        if validation is not None:
            letter = get_column_letter(index)
            validation.add(f"{letter}{FIRST_ROW}:{letter}{last}")
            sheet.add_data_validation(validation)
    first_field = next(i for i, c in enumerate(columns, start=1) if c.field is not None)
    sheet.freeze_panes = _cell(sheet, FIRST_ROW, first_field).coordinate
    _protect(sheet)
    _print_setup(sheet, columns, widths, first_field)


def _application_row(
    sheet: Worksheet, number: int, columns: Sequence[KeyingColumn], widths: Sequence[float], row: _Row
) -> None:
    """One application: 编号, 来源 and the scan's seal call locked, the input cells unlocked with what was keyed,
    the crops placed
    in a row high enough for the tallest, each centred on the row's height."""
    crops = {index: (crop, _fitted(crop, column)) for index, column, crop in _crops(columns, row)}
    pages = LINE_PX * _lines([row.pages], [widths[[c.kind for c in columns].index("pages")]])
    height = max(MIN_ROW_PX, pages, *(size[1] + 2 * PAD_PX for _, size in crops.values()))
    sheet.row_dimensions[number].height = height * POINTS_PER_PX
    for index, column in enumerate(columns, start=1):
        cell = _cell(sheet, number, index)
        cell.border = GRID
        if column.kind in ("id", "pages", "scan_seal"):
            _text(cell, {"id": row.application_id, "pages": row.pages, "scan_seal": row.scan_seal}[column.kind])
            cell.fill, cell.alignment = LOCKED_FILL, WRAP
        elif column.kind != "image":
            _input(cell, column, row.seal if column.kind == "seal" else row.values.get(column.key, ""))
        elif index in crops:
            crop, size = crops[index]
            _place(sheet, cell, crop, size, (height - size[1]) // 2)


def _crops(columns: Sequence[KeyingColumn], row: _Row) -> list[tuple[int, KeyingColumn, Crop]]:
    """(column number, column, crop) of each crop column whose crop the row has."""
    found = []
    for index, column in enumerate(columns, start=1):
        crop = row.crops.get(column.field.name) if column.kind == "image" and column.field else None
        if crop is not None and crop.width > 0 and crop.height > 0:
            found.append((index, column, crop))
    return found


def _input(cell: Cell, column: KeyingColumn, keyed: str) -> None:
    """An input cell: unlocked and shaded; text cells stored as text (a name, a date stays as typed)."""
    cell.fill, cell.border, cell.alignment, cell.protection = INPUT_FILL, GRID, WRAP, UNLOCKED
    if column.kind == "score" and INTEGER.fullmatch(keyed.strip()):
        cell.value = int(keyed.strip())
        return
    if column.kind == "text":
        cell.number_format = TEXT_FORMAT
    if keyed:
        _text(cell, keyed)


def _place(sheet: Worksheet, cell: Cell, crop: Crop, size: tuple[int, int], top: int) -> None:
    """Put the crop in ``cell`` at ``size`` (pixels), ``top`` pixels down and a few in from the left."""
    width, height = size
    image = Image(BytesIO(crop.jpeg))
    image.width, image.height = width, height
    corner = AnchorMarker(col=cell.column - 1, colOff=PAD_PX * EMU_PER_PX, row=cell.row - 1, rowOff=top * EMU_PER_PX)
    image.anchor = OneCellAnchor(_from=corner, ext=XDRPositiveSize2D(width * EMU_PER_PX, height * EMU_PER_PX))
    sheet.add_image(image)


def _fitted(crop: Crop, column: KeyingColumn) -> tuple[int, int]:
    """The crop's size as shown: its own, or scaled down (keeping its shape) into its kind's box."""
    box = IMAGE_BOXES.get(column.field.kind, TEXT_BOX) if column.field else TEXT_BOX
    scale = min(1.0, box[0] / crop.width, box[1] / crop.height)
    return max(1, round(crop.width * scale)), max(1, round(crop.height * scale))


def _width(column: KeyingColumn, rows: Sequence[_Row]) -> float:
    """A column's width in characters: a crop column as wide as its widest crop, the others by their kind."""
    if column.kind == "id":
        low, high = ID_WIDTHS
        return max(low, min(high, max(display_width(row.application_id) for row in rows) + 2))
    if column.kind == "pages":
        low, high = PAGES_WIDTHS
        return max(low, min(high, max(display_width(row.pages) for row in rows) + 2))
    if column.kind == "image":
        name = column.field.name if column.field else ""
        shown = [_fitted(row.crops[name], column)[0] for row in rows if name in row.crops]
        return max(MIN_IMAGE_WIDTH, math.ceil((max(shown, default=0) + 2 * PAD_PX - CELL_PAD_PX) / PX_PER_CHAR))
    base = INPUT_WIDTHS.get(column.field.kind, TEXT_WIDTH) if column.field else TEXT_WIDTH
    keyed = [display_width(row.values.get(column.key, "")) + 2 for row in rows]
    return max(base, min(MAX_VALUE_WIDTH, max(keyed, default=0)))


def _lines(texts: Sequence[str], widths: Sequence[float]) -> int:
    """The most lines any of ``texts`` wraps to in its column."""
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        per_line = max(1, int(width) - 1)
        lines = max(lines, sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n")))
    return lines


def _cell(sheet: Worksheet, row: int, column: int) -> Cell:
    cell = sheet.cell(row, column)
    assert isinstance(cell, Cell)  # nothing is merged in these sheets
    return cell


def _text(cell: Cell, text: str) -> None:
    """``text`` stored as text, whatever it looks like: never a formula (shown with Excel's quote prefix)."""
    cell.value = safe_text(text)
    cell.data_type = "s"
    if formula_like(text):
        cell.quotePrefix = True


def _header(cell: Cell, title: str) -> None:
    _text(cell, title)
    cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, GRID, WRAP


def _validation(column: KeyingColumn) -> DataValidation | None:
    """The rule of a score or 印章 column; ``None`` for other columns."""
    if column.kind == "seal":
        choices = "、".join(text for text in SEAL_TEXT.values() if text)
        listed = ",".join(text for text in SEAL_TEXT.values() if text)
        rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        return _explained(
            rule, "印章", f"看右边的印章图，从下拉列表中选择：{choices}。", f"请从下拉列表中选择：{choices}。"
        )
    if column.kind == "score" and column.field and column.field.subitem:
        return _score_validation(column.field.subitem)
    return None


def _score_validation(subitem: SubItem) -> DataValidation:
    """Whole numbers the sub-item accepts: a range when they run unbroken, else a list (a range when too long)."""
    allowed = [score for score in range(subitem.points + 1) if subitem.accepts(score)]
    listed = ",".join(map(str, allowed))
    if allowed == list(range(allowed[0], allowed[-1] + 1)) or len(listed) + 2 > MAX_LIST:
        low, high = str(allowed[0]), str(allowed[-1])
        rule = DataValidation(type="whole", operator="between", formula1=low, formula2=high, allow_blank=True)
    else:
        rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
    name = subitem.name if len(subitem.name) <= MESSAGE_NAME else subitem.name[:MESSAGE_NAME] + "…"
    said = allowed_scores(subitem)
    return _explained(
        rule,
        "评分",
        f"照左边图中的评分填写整数（可填：{said} 分）；看不清请留空，不要猜。",
        f"“{name}”的评分只能是 {said} 分中的整数；看不清或未填写请留空。",
    )


def _explained(rule: DataValidation, title: str, prompt: str, error: str) -> DataValidation:
    """The rule with its input prompt (shown on selecting the cell) and the message refusing a wrong value."""
    rule.showInputMessage = rule.showErrorMessage = True
    rule.promptTitle, rule.prompt = title, prompt
    rule.errorTitle, rule.error = f"{title}有误", error
    return rule


def _protect(sheet: Worksheet) -> None:
    """Locked but for the input cells; rows and columns may still be resized, the crops not moved."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.objects = True


def _print_setup(sheet: Worksheet, columns: Sequence[KeyingColumn], widths: Sequence[float], first: int) -> None:
    """Printed: A4 landscape at :data:`PRINT_SCALE` %, the title row and the 编号 column on every page, and a
    page break only ever before a field's columns (``first`` the first of them), so a crop and its cell print
    together."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.scale = PRINT_SCALE
    sheet.page_margins = PageMargins(left=MARGIN_IN, right=MARGIN_IN, top=MARGIN_IN, bottom=MARGIN_IN)
    _print_titles(sheet, "$A:$A", f"${TITLE_ROW}:${TITLE_ROW}")
    room = PRINTABLE_PX * 100 / PRINT_SCALE - _px(widths[0])
    used = 0.0
    for index, width in enumerate(widths[first - 1 :], start=first):
        starts_field = columns[index - 2].field != columns[index - 1].field
        if starts_field and used + _field_px(columns, widths, index) > room and used:
            sheet.col_breaks.append(Break(id=index - 1, max=MAX_ROW_ID))
            used = 0.0
        used += _px(width)


def _print_titles(sheet: Worksheet, columns: str, rows: str) -> None:
    """The columns and rows printed on every page, named as Excel names them: columns first (LibreOffice
    saves openpyxl's rows-first name twice, and Excel refuses a workbook naming a sheet's titles twice)."""
    sheet_name = quote_sheetname(sheet.title)
    sheet.defined_names.add(DefinedName("Print_Titles", attr_text=f"{sheet_name}!{columns},{sheet_name}!{rows}"))


def _field_px(columns: Sequence[KeyingColumn], widths: Sequence[float], first: int) -> float:
    """How wide, in pixels, the columns of the field whose first column is ``first`` print together."""
    field = columns[first - 1].field
    return sum(_px(w) for c, w in zip(columns[first - 1 :], widths[first - 1 :], strict=True) if c.field == field)


def _px(width: float) -> float:
    """A column width in characters as pixels on paper, at most (see :data:`PRINT_PX_PER_CHAR`)."""
    return width * PRINT_PX_PER_CHAR + CELL_PAD_PX


def _marker_sheet(sheet: Worksheet, rubrics: Mapping[str, Rubric]) -> None:
    """The hidden sheet marking the workbook as ours: its format version, each sheet's rubric and fingerprint."""
    rows = [
        ("说明", "本工作表供程序识别录入表，请勿修改。"),
        (MARKER_FORMAT, KEYING_FORMAT),
        *((MARKER_RUBRIC, name, rubric.id, rubric.fingerprint) for name, rubric in rubrics.items()),
    ]
    for number, values in enumerate(rows, start=1):
        for index, value in enumerate(values, start=1):
            _text(_cell(sheet, number, index), value)
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True
