"""An .xlsx roster read whole and safely: the zip checked before any XML is parsed; every sheet, every row.

- The archive is checked by :func:`generator.zipguard.archive_problem` —
  its directory's bounds, then every member read through — before openpyxl
  sees the file: a 4 MB file that unpacks to gigabytes (a "zip bomb") is
  refused at once, in a message naming the bound it passed.
- Read-only worksheets trust the ``<dimension>`` record, which other programs
  leave stale (a sheet claiming ``A1:F2`` yields two rows); it is reset so
  every row and column is read.
- A workbook with formulas is read twice, for saved values and for
  formulas: a formula whose file holds no saved result (openpyxl and many
  scripts write none) would read as blank, and an error value (#REF!) as a
  name; both are reported for the cell instead.
- Text is decoded as Excel shows it: ``_x000D_`` is the OOXML escape of a
  carriage return, ``_x001B_`` of ESC (which the roster then refuses).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any

from generator.distribute.plain_text import quoted
from generator.distribute.roster_files import MB, RawRow, RosterFileError, Sheet, cell_text, size_text
from generator.zipguard import ZipProblem, archive_problem

NOT_A_WORKBOOK = "不是有效的 .xlsx 文件（文件可能已损坏，或并非 Excel 工作簿）"
BOMB = "可能是恶意构造的压缩包（“zip 炸弹”），已拒绝读取"
OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
UNCACHED = "是公式，但文件中没有保存计算结果；请在 Excel 中打开并保存后再试"


def xlsx_sheets(source: Path, data: bytes) -> list[Sheet]:
    """Every worksheet of the workbook in ``data``, after the archive itself has been checked."""
    check_archive(source, data)
    try:
        return _read_workbook(data)
    except Exception:  # openpyxl, lxml and zipfile raise many kinds of error for a damaged workbook
        raise RosterFileError(source, NOT_A_WORKBOOK) from None


def check_archive(source: Path, data: bytes) -> None:
    """Refuse, with a Chinese message, anything but a zip archive of sane size and ratio."""
    problem = archive_problem(data)
    if problem is not None:
        raise RosterFileError(source, _wording(problem))


def _wording(problem: ZipProblem) -> str:
    """What the roster's reader is told of ``problem``."""
    name = quoted(problem.name)
    match problem.kind:
        case "encrypted":
            return "文件设置了打开密码，或其实是旧版 .xls 格式：请在 Excel 中取消密码，或另存为 .xlsx 后再试"
        case "members":
            return f"包含 {problem.amount} 个部件（上限 {problem.limit}），不像是普通的 Excel 工作簿，已拒绝读取"
        case "total":
            return f"解压后共 {size_text(problem.amount)}（上限 {problem.limit // MB} MB），{BOMB}"
        case "member":
            return f"其中“{name}”解压后有 {size_text(problem.amount)}（上限 {problem.limit // MB} MB），{BOMB}"
        case "ratio":
            return f"其中“{name}”的压缩比异常（{problem.ratio:.0f} 比 1，上限 {problem.limit} 比 1），{BOMB}"
        case "damaged" | "out_of_memory":
            return NOT_A_WORKBOOK


def _read_workbook(data: bytes) -> list[Sheet]:
    """Every worksheet; formulas are read in a second pass, only when the archive has any."""
    from openpyxl import load_workbook

    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False) if has_formulas(data) else None
    try:
        typed = formulas.worksheets if formulas else [None] * len(values.worksheets)
        return [_sheet(shown, kinds) for shown, kinds in zip(values.worksheets, typed, strict=True)]
    finally:
        values.close()
        if formulas:
            formulas.close()


def has_formulas(data: bytes) -> bool:
    """Whether any XML part of the archive has an ``<f>`` (formula) element: a quick scan, before parsing."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = (name for name in archive.namelist() if name.lower().endswith(".xml"))
        return any(FORMULA_ELEMENT.search(archive.read(name)) for name in parts)


def _sheet(values: Any, formulas: Any | None) -> Sheet:
    """One worksheet, every row of it whatever its ``<dimension>`` says; blank rows left out."""
    values.reset_dimensions()
    kinds: Iterable[Any] = ()
    if formulas is not None:
        formulas.reset_dimensions()
        kinds = formulas.iter_rows()
    rows = (
        _row(number, cells, formula_cells)
        for number, (cells, formula_cells) in enumerate(zip_longest(values.iter_rows(), kinds), 1)
    )
    return Sheet(str(values.title), tuple(row for row in rows if not row.is_blank))


def _row(number: int, cells: Iterable[Any] | None, formula_cells: Iterable[Any] | None) -> RawRow:
    cells, formula_cells = tuple(cells or ()), tuple(formula_cells or ())
    is_formula = [getattr(cell, "data_type", "") == "f" for cell in formula_cells]
    problems = tuple(_cell_problems(cells, is_formula))
    return RawRow(number, tuple(_text(cell.value) for cell in cells), cell_problems=problems)


def _text(value: object) -> str:
    """A cell's value as Excel shows it, OOXML ``_xHHHH_`` escapes decoded (``_x005F_`` is the underscore)."""
    text = cell_text(value)
    return OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text) if isinstance(value, str) else text


def _cell_problems(cells: tuple[Any, ...], is_formula: list[bool]) -> Iterator[tuple[int, str]]:
    """(column index, why) for each cell whose value is not what Excel shows: no saved result, or an error."""
    for index, formula in enumerate(is_formula):
        cell = cells[index] if index < len(cells) else None
        saved = cell is not None and (cell.value is not None or cell.data_type == "str")  # "" is saved as <v/>
        if formula and not saved:
            yield index, UNCACHED
    for index, cell in enumerate(cells):
        if cell.data_type == "e":
            yield index, f"是错误值 {quoted(str(cell.value), 20)}，请在 Excel 中改正后再试"
