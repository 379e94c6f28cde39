"""The roster: who gets which form, read from an .xlsx or .csv file with Chinese column names.

Columns: 表格 (the rubric: its id, its Chinese name or its title), one column
per applicant blank of the rubrics, named by its label (姓名 or 班组名称, 单位,
岗位), and 邮箱.  Other columns (序号, 备注, …) are ignored.  The header row is
the first row with a 表格 cell, so a title row above it is fine.

Every worksheet that has such a header is read, each with its own header; a
worksheet with content but no header is reported, so no row is dropped
unseen.  When more than one worksheet has content, messages name the sheet.

Every row is checked on its own; a bad row becomes a :class:`RowProblem` that
names the row, and the good rows are still returned.  Only a file that cannot
be read at all, or has no 表格 column anywhere, raises :class:`~generator.errors.UserError`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.distribute.email_address import email_problem, normalize_email
from generator.distribute.plain_text import CONTROL, ENCODED_WORD, ENCODED_WORD_SHOWN, quoted
from generator.distribute.roster_files import RawRow, RosterFileError, Sheet, read_sheets
from generator.model.rubric import HeaderField, Rubric, RubricSet
from generator.terminal import terminal_text

RUBRIC_COLUMN = "表格"
EMAIL_COLUMN = "邮箱"
COLUMN_ALIASES = {
    RUBRIC_COLUMN: ("表格", "评分表", "表格类型"),
    EMAIL_COLUMN: ("邮箱", "电子邮箱", "电子邮件", "邮件地址", "email", "e-mail"),
}
HEADER_SEARCH_ROWS = 10
MAX_VALUE_LENGTH = 100
ROSTER_KEY_DIGITS = 16
BLANKS = re.compile(r"\s+")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")


def where(sheet: str, row: int) -> str:
    """How a message names a row: 第 3 行, or 工作表“二组”第 3 行 when the roster has several sheets."""
    return f"工作表“{quoted(sheet)}”第 {row} 行" if sheet else f"第 {row} 行"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one roster row was not used; ``sheet`` is set when the roster has more than one worksheet."""

    row: int
    message: str
    sheet: str = ""

    @property
    def where(self) -> str:
        return where(self.sheet, self.row)

    def __str__(self) -> str:
        return terminal_text(f"{self.where}：{self.message}")


@dataclass(frozen=True, slots=True)
class Applicant:
    """One good roster row: the rubric, the header values to pre-fill, the e-mail address."""

    row: int
    rubric: Rubric
    values: tuple[tuple[str, str], ...]
    email: str
    sheet: str = ""

    @property
    def name(self) -> str:
        """The 姓名 or 班组名称: the blank whose role is ``name``."""
        return self.value(self.rubric.name_field.id)

    @property
    def unit(self) -> str:
        """The 单位, if the rubric has a blank whose role is ``unit``."""
        unit = self.rubric.unit_field
        return self.value(unit.id) if unit else ""

    @property
    def where(self) -> str:
        """第 3 行, or 工作表“二组”第 3 行."""
        return where(self.sheet, self.row)

    def value(self, header_id: str) -> str:
        return dict(self.values).get(header_id, "")

    @property
    def key(self) -> str:
        """Who this applicant is, independent of row order: rubric, header values and address."""
        parts = [self.rubric.id, *(value for _, value in self.values), self.email.lower()]
        return "\x1f".join(parts)

    @property
    def roster_key(self) -> str:
        """The key a personalised form carries (hidden field, document metadata): 16 hex digits of the
        SHA-256 of :attr:`key`, so a return finds this row even when its header was retyped."""
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:ROSTER_KEY_DIGITS]


@dataclass(frozen=True, slots=True)
class Roster:
    source: Path
    applicants: tuple[Applicant, ...]
    problems: tuple[RowProblem, ...]


def canonical(text: str) -> str:
    """A cell value as used: NFC, zero-width characters dropped, runs of blanks made one space, trimmed."""
    return BLANKS.sub(" ", INVISIBLE.sub("", unicodedata.normalize("NFC", text))).strip()


def _column_key(text: str) -> str:
    """A header cell as compared: NFKC, no blanks, no trailing colon, lower case."""
    return BLANKS.sub("", unicodedata.normalize("NFKC", text)).rstrip(":").lower()


def read_roster(source: Path, rubrics: RubricSet, *, require_email: bool) -> Roster:
    """Read and check a roster; ``require_email`` makes a missing or empty 邮箱 a problem."""
    sheets = [sheet for sheet in read_sheets(source) if sheet.rows]
    if not sheets:
        raise RosterFileError(source, "文件是空的")
    several = len(sheets) > 1
    checker = _RowChecker(rubrics, require_email)
    found = [_check_sheet(checker, source, sheet, sheet.name if several else "") for sheet in sheets]
    if not any(found):
        sheets_shown = "各工作表的" if several else ""
        raise RosterFileError(source, f"找不到表头：{sheets_shown}前 {HEADER_SEARCH_ROWS} 行中没有“{RUBRIC_COLUMN}”列")
    return Roster(source, tuple(checker.applicants), tuple(checker.problems))


def _check_sheet(checker: _RowChecker, source: Path, sheet: Sheet, label: str) -> bool:
    """Check every row under the sheet's header; ``False`` (and a problem naming the sheet) when it has none."""
    header = _find_header(sheet.rows)
    _refuse_broken_header(source, sheet, header, label)
    if header is None:
        checker.problems.append(_headless(sheet, label))
        return False
    checker.start_sheet(label, _columns(source, sheet.rows[header], label))
    for raw in sheet.rows[header + 1 :]:
        checker.check(raw)
    return True


def _find_header(rows: tuple[RawRow, ...]) -> int | None:
    """The index in ``rows`` of the header: the first of the sheet's first rows with a 表格 cell."""
    wanted = {_column_key(alias) for alias in COLUMN_ALIASES[RUBRIC_COLUMN]}
    for index, raw in enumerate(rows):
        if raw.number > HEADER_SEARCH_ROWS:
            break
        if wanted & {_column_key(cell) for cell in raw.cells}:
            return index
    return None


def _refuse_broken_header(source: Path, sheet: Sheet, header: int | None, label: str) -> None:
    """Stop when the header row, or a row where it should be, is spoilt by the file format (a stray quote)."""
    if header is not None and not sheet.rows[header].problem:
        return
    broken = next((raw for raw in sheet.rows if raw.number <= HEADER_SEARCH_ROWS and raw.problem), None)
    if broken is not None:
        raise RosterFileError(source, f"表头无法读取（{where(label, broken.number)}）：{broken.problem}")


def _headless(sheet: Sheet, label: str) -> RowProblem:
    """The problem for a worksheet that has content but no header: none of its rows can be read."""
    message = (
        f"这张工作表有 {len(sheet.rows)} 行内容，但前 {HEADER_SEARCH_ROWS} 行中没有“{RUBRIC_COLUMN}”列（表头），"
        "整张表没有读取；如果是花名册，请加上表头，否则请删除这张工作表"
    )
    return RowProblem(sheet.rows[0].number, message, label)


def _columns(source: Path, header: RawRow, sheet: str) -> dict[str, int]:
    """Column key → index; aliases of 表格 and 邮箱 are folded to those two names."""
    alias_of = {_column_key(a): name for name, aliases in COLUMN_ALIASES.items() for a in aliases}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header.cells):
        key = _column_key(cell)
        if not key:
            continue
        key = alias_of.get(key, key)
        if key in columns:
            named = where(sheet, header.number)
            raise RosterFileError(source, f"{named}表头中“{quoted(cell.strip())}”列出现了两次")
        columns[key] = index
    return columns


class _RowChecker:
    """Checks rows one by one, sheet by sheet, remembering the applicants seen for duplicate detection."""

    def __init__(self, rubrics: RubricSet, require_email: bool) -> None:
        self.rubrics = rubrics
        self.require_email = require_email
        self.sheet = ""
        self.columns: dict[str, int] = {}
        self.applicants: list[Applicant] = []
        self.problems: list[RowProblem] = []
        self.seen: dict[tuple[str, ...], tuple[str, int]] = {}

    def start_sheet(self, sheet: str, columns: dict[str, int]) -> None:
        self.sheet, self.columns = sheet, columns

    def cell(self, raw: RawRow, column: str, problems: list[str]) -> str | None:
        """The column's value in ``raw``; ``None``, with the reason added to ``problems``, when it is unknown."""
        index = self.columns[_column_key(column)]
        problem = raw.cell_problem(index)
        if problem:
            problems.append(f"“{column}”{problem}")
            return None
        return canonical(raw.cells[index]) if index < len(raw.cells) else ""

    def check(self, raw: RawRow) -> None:
        if raw.problem:
            self.problems.append(RowProblem(raw.number, raw.problem, self.sheet))
            return
        problems: list[str] = []
        rubric = self._rubric(raw, problems)
        values = self._values(raw, rubric, problems) if rubric else ()
        email = self._email(raw, problems)
        if not problems and rubric:
            problems += self._duplicate(raw, rubric, values)
        if problems or rubric is None:
            self.problems += [RowProblem(raw.number, message, self.sheet) for message in problems]
        else:
            self.applicants.append(Applicant(raw.number, rubric, values, email, self.sheet))

    def _rubric(self, raw: RawRow, problems: list[str]) -> Rubric | None:
        text = self.cell(raw, RUBRIC_COLUMN, problems)
        if text is None:
            return None
        if not text:
            problems.append(f"“{RUBRIC_COLUMN}”为空，应填写评分表名称（{self._rubric_names()}）")
            return None
        rubric = find_rubric(self.rubrics, text)
        if rubric is None:
            problems.append(f"未知的表格“{quoted(text)}”，应为：{self._rubric_names()}")
        return rubric

    def _rubric_names(self) -> str:
        return "、".join(f"{r.name}（{r.id}）" for r in self.rubrics)

    def _values(self, raw: RawRow, rubric: Rubric, problems: list[str]) -> tuple[tuple[str, str], ...]:
        values: list[tuple[str, str]] = []
        for header in rubric.applicant_fields:
            if _column_key(header.label) not in self.columns:
                problems.append(f"花名册缺少“{header.label}”列（表格“{rubric.name}”需要填写{header.label}）")
                continue
            value = self.cell(raw, header.label, problems)
            if value is not None:
                problems += _value_problems(header, value, required=header.role == "name")
                values.append((header.id, value))
        return tuple(values)

    def _email(self, raw: RawRow, problems: list[str]) -> str:
        if _column_key(EMAIL_COLUMN) not in self.columns:
            if self.require_email:
                problems.append(f"花名册缺少“{EMAIL_COLUMN}”列，无法发送邮件")
            return ""
        text = self.cell(raw, EMAIL_COLUMN, problems)
        if text is None:
            return ""
        email = normalize_email(text)
        if not email:
            if self.require_email:
                problems.append(f"“{EMAIL_COLUMN}”为空，无法发送邮件")
            return ""
        problem = email_problem(email)
        if problem:
            problems.append(problem)
        return email

    def _duplicate(self, raw: RawRow, rubric: Rubric, values: tuple[tuple[str, str], ...]) -> list[str]:
        key = (rubric.id, *(_column_key(value) for _, value in values))
        first = self.seen.setdefault(key, (self.sheet, raw.number))
        if first == (self.sheet, raw.number):
            return []
        labels = "、".join(["表格", *(h.label for h in rubric.applicant_fields)])
        first_sheet, first_row = first
        earlier = f"第 {first_row} 行" if first_sheet == self.sheet else where(first_sheet, first_row)
        return [f"与{earlier}重复（{labels}都相同），未重复生成"]


def _value_problems(header: HeaderField, value: str, *, required: bool) -> Iterable[str]:
    if required and not value:
        yield f"“{header.label}”为空"
    if CONTROL.search(value):
        yield f"“{header.label}”含有控制字符（{quoted(value)}），请删除"
    if ENCODED_WORD.search(value):
        yield f"“{header.label}”含有{ENCODED_WORD_SHOWN}邮件编码文字，请改为普通文字"
    if len(value) > MAX_VALUE_LENGTH:
        yield f"“{header.label}”过长（{len(value)} 个字，最多 {MAX_VALUE_LENGTH} 个）"


def find_rubric(rubrics: RubricSet, text: str) -> Rubric | None:
    """The rubric a 表格 cell names: its id (any case), its Chinese name or its title."""
    key = _column_key(text)
    for rubric in rubrics:
        if key in (_column_key(rubric.id), _column_key(rubric.name), _column_key(rubric.title)):
            return rubric
    return None
