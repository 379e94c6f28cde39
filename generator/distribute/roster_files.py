"""Read a roster file (.xlsx, or .csv in UTF-8, UTF-8 with BOM, GB18030 or UTF-16) into sheets of rows of text.

This layer knows file formats and encodings only; what the columns mean is
:mod:`generator.distribute.roster`'s business.  Each row keeps the number a user sees in
Excel (1-based), so messages can name it.

No row is lost quietly.  A row the file format itself spoils carries the
reason: in a CSV file, a quote that is never closed or closed in the wrong
place, and a line break inside a value that hides further rows (the mark of
an unbalanced quote); in an .xlsx file, see :mod:`.roster_xlsx`.  A file
larger than any roster is refused before it is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UserError

CSV_DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "逗号", ";": "分号", "\t": "制表符"}
KB, MB, GB = 1 << 10, 1 << 20, 1 << 30
MAX_CSV_BYTES = 10 * MB
MAX_XLSX_BYTES = 50 * MB
CHECK_QUOTES = "请用记事本打开花名册检查引号"


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a roster file: its 1-based row number and its cells as text.

    ``problem`` says why the file format spoils the whole row; ``cell_problems``
    pairs a column index with why that cell's value is unknown (the text
    follows the column's name: “姓名”是公式，…).
    """

    number: int
    cells: tuple[str, ...]
    problem: str = ""
    cell_problems: tuple[tuple[int, str], ...] = ()

    @property
    def is_blank(self) -> bool:
        return not (self.problem or self.cell_problems or any(cell.strip() for cell in self.cells))

    def cell_problem(self, index: int) -> str:
        return dict(self.cell_problems).get(index, "")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet's rows that are not blank (a CSV file is one sheet with no name)."""

    name: str
    rows: tuple[RawRow, ...]


class RosterFileError(UserError):
    """The roster file as a whole cannot be read."""

    def __init__(self, source: Path, reason: str) -> None:
        super().__init__(f"花名册 {source}：{reason}")


def size_text(size: int) -> str:
    """A byte count as people read it: 5.2 GB, 64.0 MB, 300 KB."""
    if size >= GB:
        return f"{size / GB:.1f} GB"
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size / KB:.0f} KB"


def read_sheets(source: Path) -> list[Sheet]:
    """Every worksheet of an .xlsx roster, or the one sheet of a CSV roster, with its rows that are not blank."""
    suffix = source.suffix.lower()
    if suffix == ".xls":
        raise RosterFileError(source, "不支持旧版 Excel 格式（.xls），请在 Excel 中另存为 .xlsx 或 CSV")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise RosterFileError(source, f"不支持的文件类型“{source.suffix}”，请使用 .xlsx 或 .csv")
    workbook = suffix in (".xlsx", ".xlsm")
    data = _read_bytes(source, MAX_XLSX_BYTES if workbook else MAX_CSV_BYTES, ".xlsx" if workbook else "CSV")
    if workbook:
        from generator.distribute.roster_xlsx import xlsx_sheets

        return xlsx_sheets(source, data)
    return [Sheet("", tuple(row for row in _csv_rows(decode_text(source, data)) if not row.is_blank))]


def _read_bytes(source: Path, limit: int, kind: str) -> bytes:
    """The file's bytes; a Chinese error when it is missing, unreadable or larger than ``limit``."""
    try:
        with source.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(limit + 1) if size <= limit else b""
    except FileNotFoundError:
        raise RosterFileError(source, "找不到这个文件") from None
    except IsADirectoryError:
        raise RosterFileError(source, "这是一个文件夹，不是花名册文件") from None
    except OSError as exc:
        raise RosterFileError(source, f"无法读取（{exc.strerror}）") from None
    if size > limit or len(data) > limit:
        shown = size_text(max(size, len(data)))
        raise RosterFileError(source, f"文件过大（{shown}，{kind} 花名册最大 {limit // MB} MB），请确认选对了文件")
    return data


def decode_text(source: Path, data: bytes) -> str:
    """Decode a text roster: a BOM decides; otherwise strict UTF-8, then GB18030 (Excel's "CSV" in China)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(source, "无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8、GB18030/GBK 和 UTF-16）")


def _csv_rows(text: str) -> list[RawRow]:
    """Every record of the CSV text, numbered as Excel numbers them; a record the quotes spoil carries why.

    Only the delimiter is guessed; quoting is always Excel's (``"``, doubled
    inside a quoted value), and strict, so a closing quote followed by
    anything but a delimiter or a line break is an error for that record alone.
    """
    try:
        delimiter = str(csv.Sniffer().sniff(text[:8192], delimiters=CSV_DELIMITERS).delimiter)
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter, strict=True)
    rows: list[RawRow] = []
    last_line = 0
    while True:
        number, first_line = len(rows) + 1, last_line + 1
        try:
            cells = tuple(next(reader))
        except StopIteration:
            return rows
        except csv.Error as exc:
            rows.append(RawRow(number, (), problem=_quote_error(str(exc), delimiter, first_line, reader.line_num)))
        else:
            rows.append(RawRow(number, cells, problem=_hidden_rows(cells, delimiter, first_line, reader.line_num)))
        last_line = reader.line_num


def _hidden_rows(cells: tuple[str, ...], delimiter: str, first: int, last: int) -> str:
    """Why a record that swallowed other rows is unusable: a value with a line break, then a delimiter.

    Excel writes a value typed with Alt+Enter as a quoted value with a line
    break, and that is fine; but a line after the break that holds the
    delimiter is another row, pulled in by an unbalanced quote.
    """
    for cell in cells:
        if any(delimiter in line for line in cell.splitlines()[1:]):
            return (
                f'一格中含有换行，文件的第 {first}～{last} 行被并成了这一行（多半是有一个英文双引号 " 没有配对），'
                f"这几行都没有读取；{CHECK_QUOTES}"
            )
    return ""


def _quote_error(error: str, delimiter: str, first: int, last: int) -> str:
    """The Chinese for a strict CSV reader's error on one record."""
    if "unexpected end of data" in error:
        return (
            f'从文件第 {first} 行起的英文双引号 " 没有配对，直到文件末尾（第 {last} 行）都被并进了一格，'
            f"这几行都没有读取；{CHECK_QUOTES}"
        )
    if "expected after" in error:
        where = DELIMITER_NAMES.get(delimiter, f"分隔符“{delimiter}”")
        return f'英文双引号 " 的位置不对（右引号后面应紧跟{where}或换行），这一行没有读取；{CHECK_QUOTES}'
    if "field larger than field limit" in error:
        return f"这一行有一格超过 {csv.field_size_limit()} 个字，没有读取；{CHECK_QUOTES}"
    return f"CSV 格式错误（{error}），这一行没有读取"


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees: 13800138000, not 13800138000.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)
