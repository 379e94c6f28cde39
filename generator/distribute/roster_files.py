"""Read a roster file (.xlsx, or .csv in UTF-8, UTF-8 with BOM, GB18030 or UTF-16) into rows of text.

This layer knows file formats and encodings only; what the columns mean is
:mod:`generator.distribute.roster`'s business.  Each row keeps the number a user sees in
Excel (1-based), so messages can name it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UserError

CSV_DELIMITERS = ",;\t"


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a roster file: its 1-based row number and its cells as text."""

    number: int
    cells: tuple[str, ...]

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


class RosterFileError(UserError):
    """The roster file as a whole cannot be read."""

    def __init__(self, source: Path, reason: str) -> None:
        super().__init__(f"花名册 {source}：{reason}")


def read_rows(source: Path) -> list[RawRow]:
    """All rows of the roster's first worksheet (or of the CSV file), as text."""
    suffix = source.suffix.lower()
    if suffix == ".xls":
        raise RosterFileError(source, "不支持旧版 Excel 格式（.xls），请在 Excel 中另存为 .xlsx 或 CSV")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise RosterFileError(source, f"不支持的文件类型“{source.suffix}”，请使用 .xlsx 或 .csv")
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise RosterFileError(source, "找不到这个文件") from None
    except IsADirectoryError:
        raise RosterFileError(source, "这是一个文件夹，不是花名册文件") from None
    except OSError as exc:
        raise RosterFileError(source, f"无法读取（{exc.strerror}）") from None
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(source, data)
    return _csv_rows(source, decode_text(source, data))


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


def _csv_rows(source: Path, text: str) -> list[RawRow]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    rows: list[RawRow] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(RawRow(len(rows) + 1, tuple(cells)))
    except csv.Error as exc:
        raise RosterFileError(source, f"CSV 格式错误（第 {len(rows) + 1} 行：{exc}）") from None
    return rows


def _xlsx_rows(source: Path, data: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise RosterFileError(source, "不是有效的 .xlsx 文件（文件可能已损坏，或并非 Excel 工作簿）") from None
    try:
        sheet = workbook.worksheets[0]
        return [
            RawRow(number, tuple(cell_text(value) for value in values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees: 13800138000, not 13800138000.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)
