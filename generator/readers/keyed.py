"""The keying workbook (录入表.xlsx) read back: what the office keyed from the scans, checked like any form.

Scores on paper are never guessed from handwriting: ``read`` writes the
keying workbook (:mod:`generator.reports.keying`) — a sheet per rubric, a row
per scanned application, each box's crop beside an empty cell — and the
office types what the crops show.  Given back to ``read``, each keyed row goes
through :func:`~generator.readers.evaluate.evaluate` like the values of a PDF
or Word form, marked 纸质录入.

This module also holds the workbook's layout contract, which the writer
follows: the columns of a rubric's sheet (:func:`keying_columns`), the hidden
row naming each column by its field (so columns may be moved without harm),
and the hidden sheet :data:`MARKER_SHEET` that marks the workbook as ours,
with its format version and each rubric sheet's rubric id and fingerprint,
whatever the file is called.

Nothing in the file is trusted: the archive is checked before it is parsed,
the sheet read without its ``<dimension>`` and within :data:`MAX_ROWS` rows and
:data:`MAX_COLUMNS` columns, formulas and error values are refused cell by
cell; every problem is one Chinese sentence naming the sheet and the row.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from generator.model.fields import (
    FormField,
    header_field,
    organization_field,
    review_date_field,
    review_field,
    score_fields,
    seal_field,
)
from generator.model.rubric import Rubric, RubricSet
from generator.readers.evaluate import evaluate
from generator.readers.results import SEAL_TEXT, TOO_BIG, FormResult, SealState
from generator.readers.scores import quote
from generator.zipguard import OLE_SIGNATURE, archive_problem

KEYING_FORMAT = "2"
"""The layout version the marker sheet states; a reader reads its own, and :data:`PREFILLED_SEAL_FORMAT`."""
PREFILLED_SEAL_FORMAT = "1"
"""The version whose 印章 cells were prefilled with the scan's call: read, but its 印章 column is not taken
(the program's guess and the clerk's decision cannot be told apart there)."""
MARKER_SHEET = "rubric_forms_keying"
"""The hidden sheet marking a workbook as a keying workbook (ASCII: found as bytes in ``xl/workbook.xml``)."""
MARKER_FORMAT, MARKER_RUBRIC = "format", "sheet"
"""Row kinds of the marker sheet: ``format | <version>`` and ``sheet | <sheet> | <rubric id> | <fingerprint>``."""
TITLE_ROW, KEY_ROW, FIRST_ROW = 1, 2, 3
"""Row 1: what each column is, in Chinese; row 2 (hidden): its key; applications from row 3."""
ID_KEY, PAGES_KEY, IMAGE_PREFIX, SCAN_PREFIX = "application_id", "pages", "image:", "scan:"
ID_TITLE = "编号"
SCAN_SEAL_TITLE = "印章（识别结果）"
MAX_ROWS = 5000
MAX_COLUMNS = 400
"""Read no further: a rubric's sheet has some forty columns and a row per paper application."""
MAX_MARKER_ROWS = 1000

ColumnKind = Literal["id", "pages", "scan_seal", "seal", "image", "text", "score"]

ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_PART_CAP = 1 << 20
MARKER_PATTERN = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\bname="' + MARKER_SHEET.encode() + b'"')
OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")

MAX_MEMBERS = 100_000
"""Parts the archive may have (the other bounds are :mod:`generator.zipguard`'s): every crop is a part of its own,
some thirty an application, where a roster has a dozen parts in all."""

ENCRYPTED = "录入表设置了打开密码（或是旧版 .xls 格式），无法读取；请在 Excel 或 WPS 表格中取消密码后保存再试。"
NOT_A_WORKBOOK = "这不是有效的 .xlsx 工作簿（文件可能已损坏，或并非 Excel 工作簿），无法作为录入表读取。"
NOT_OURS = (
    f"这个工作簿不是本程序生成的录入表（找不到隐藏的标记工作表“{MARKER_SHEET}”），无法读取；"
    "请交回本程序生成的“录入表.xlsx”（可以改文件名，但不要把内容复制到新建的工作簿里）。"
)
PREFILLED_SEAL = (
    f"录入表是旧版格式（版本 {PREFILLED_SEAL_FORMAT}），其中“印章”一栏由程序按扫描结果预先填写，"
    "无法区分人工判断，未采用；其余录入的内容已读取。如有人工判断的盖章情况，请在新生成的录入表“印章”一栏中重新选择。"
)
BOMB = "解压后的内容超出安全上限（可能是恶意构造的压缩包），已拒绝读取；这不是正常的录入表。"


@dataclass(frozen=True, slots=True)
class KeyingColumn:
    """One column of a rubric's sheet: its key (row 2), its title (row 1), what it holds, and its field."""

    key: str
    title: str
    kind: ColumnKind
    field: FormField | None = None


@dataclass(frozen=True, slots=True)
class KeyedEntry:
    """One row of a rubric's sheet: an application's keyed values and their result.

    ``sheet`` and ``row`` say where it is (rows numbered as Excel numbers
    them).  ``values`` holds only what was keyed: field name → text as typed,
    a number as Excel shows it (``8``, not ``8.0``).  ``seal`` is the 印章
    column, the clerk's decision (``None`` when blank or not one of the three
    choices); ``complete`` says every score and every applicant blank is
    keyed.  ``result`` is the row checked and totalled like any form,
    ``format`` ``"keyed"``, its seal the keyed one.  ``keyed_values`` is what
    to write back into the next workbook: ``values`` and, when one was chosen,
    the seal (under the rubric's seal field), sorted.
    """

    application_id: str
    rubric_id: str
    sheet: str
    row: int
    values: dict[str, str]
    seal: SealState | None
    complete: bool
    result: FormResult
    keyed_values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class KeyedWorkbook:
    """Every application row of the keying workbook ``source`` (a 编号 may repeat: the batch, seeing every
    workbook, takes the last), and what is wrong with the workbook: each a part of it not read or not taken."""

    source: str
    entries: tuple[KeyedEntry, ...] = ()
    problems: tuple[str, ...] = ()


def image_key(name: str) -> str:
    """The key of the column showing the crop of field ``name``."""
    return f"{IMAGE_PREFIX}{name}"


def keyed_fields(rubric: Rubric) -> tuple[FormField, ...]:
    """The fields the office keys from a scan, in form order: header blanks, scores, review, organisation, date."""
    return (
        *(header_field(rubric, h) for h in rubric.header),
        *score_fields(rubric),
        review_field(rubric),
        organization_field(rubric),
        review_date_field(rubric),
    )


def crop_title(form_field: FormField) -> str:
    """What a crop column's title calls the box: short, the input column beside it gives the full label."""
    if form_field.subitem is not None:
        return form_field.subitem.name
    return {"review": "审核意见", "organization": "组织名称"}.get(form_field.kind, form_field.label)


def scan_key(name: str) -> str:
    """The key of the column showing what the scan reader made of field ``name`` (the seal)."""
    return f"{SCAN_PREFIX}{name}"


def keying_columns(rubric: Rubric) -> tuple[KeyingColumn, ...]:
    """A rubric sheet's columns: 编号, 来源; the seal as the scan shows it, its crop, and the clerk's 印章 cell;
    then each keyed field's crop and input cell."""
    seal = seal_field(rubric)
    columns = [
        KeyingColumn(ID_KEY, ID_TITLE, "id"),
        KeyingColumn(PAGES_KEY, "来源", "pages"),
        KeyingColumn(scan_key(seal.name), SCAN_SEAL_TITLE, "scan_seal", seal),
        KeyingColumn(image_key(seal.name), "印章（图）", "image", seal),
        KeyingColumn(seal.name, "印章", "seal", seal),
    ]
    for form_field in keyed_fields(rubric):
        kind: ColumnKind = "score" if form_field.kind == "score" else "text"
        columns.append(KeyingColumn(image_key(form_field.name), f"{crop_title(form_field)}（图）", "image", form_field))
        columns.append(KeyingColumn(form_field.name, form_field.label, kind, form_field))
    return tuple(columns)


def seal_state(text: str) -> SealState | None:
    """The seal state the 印章 column names; ``None`` for a blank or anything else."""
    return next((state for state, shown in SEAL_TEXT.items() if shown and shown == text.strip()), None)


def is_keying_workbook(data: bytes) -> bool:
    """Whether ``data`` is an .xlsx holding the marker sheet: only ``xl/workbook.xml`` is read, at most 1 MB of it."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = next((i for i in archive.infolist() if i.filename.lstrip("/").lower() == WORKBOOK_PART), None)
            if info is None or info.file_size > WORKBOOK_PART_CAP:
                return False
            with archive.open(info) as part:
                xml = part.read(WORKBOOK_PART_CAP + 1)
    except Exception:  # zipfile and zlib raise many kinds of error for a damaged archive: not ours, then
        return False
    return MARKER_PATTERN.search(xml) is not None


def read_keying_workbook(data: bytes, source: str, rubrics: RubricSet) -> KeyedWorkbook:
    """Every application row of the keying workbook in ``data``; ``source`` names the file in each row's result.

    Never raises for a bad file: a file that cannot be read at all gives no
    entries and the one problem saying why.
    """
    problem = _package_problem(data)
    if problem:
        return KeyedWorkbook(source, problems=(problem,))
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except MemoryError:
        return KeyedWorkbook(source, problems=(TOO_BIG,))
    except Exception:  # openpyxl, lxml and zipfile raise many kinds of error for a damaged workbook
        return KeyedWorkbook(source, problems=(NOT_A_WORKBOOK,))
    try:
        return _read_book(book, source, rubrics)
    except MemoryError:
        return KeyedWorkbook(source, problems=(TOO_BIG,))
    except Exception:  # a part openpyxl parses only when a sheet is read
        return KeyedWorkbook(source, problems=(NOT_A_WORKBOOK,))
    finally:
        book.close()


def _package_problem(data: bytes) -> str:
    """Why the archive is not read at all ('' when it may be): encrypted, not a zip, or beyond the bounds.

    A keying workbook is a zip from its first byte: anything else is not one (unless an encrypted workbook).
    """
    if not data.startswith((ZIP_MAGIC, OLE_SIGNATURE)):
        return NOT_A_WORKBOOK
    problem = archive_problem(data, MAX_MEMBERS)
    if problem is None:
        return ""
    match problem.kind:
        case "encrypted":
            return ENCRYPTED
        case "damaged":
            return NOT_A_WORKBOOK
        case "out_of_memory":
            return TOO_BIG
        case "members":
            return f"录入表包含 {problem.amount} 个部件（上限 {problem.limit} 个），不像是普通的录入表，已拒绝读取。"
        case "total" | "member" | "ratio":
            return BOMB


def _read_book(book: Any, source: str, rubrics: RubricSet) -> KeyedWorkbook:
    """The rubric sheets the marker sheet lists, read in workbook order; each other sheet is a problem."""
    if MARKER_SHEET not in book.sheetnames:
        return KeyedWorkbook(source, problems=(NOT_OURS,))
    version, registered = _marker(book[MARKER_SHEET])
    if version not in (KEYING_FORMAT, PREFILLED_SEAL_FORMAT):
        return KeyedWorkbook(source, problems=(_version_problem(version),))
    prefilled = version == PREFILLED_SEAL_FORMAT
    problems: list[str] = [PREFILLED_SEAL] if prefilled else []
    entries: list[KeyedEntry] = []
    for name in book.sheetnames:
        if name == MARKER_SHEET:
            continue
        if name not in registered:
            problems.append(f"工作表“{name}”不是录入表生成的评分表，其中的内容未读取。")
            continue
        rubric_id, fingerprint = registered.pop(name)
        rubric = rubrics.get(rubric_id)
        if rubric is None:
            problems.append(f"工作表“{name}”对应的评分表 {quote(rubric_id)} 不在当前的评分细则中，其中的内容未读取。")
            continue
        notes = () if fingerprint == rubric.fingerprint else (_older_rubric(name, rubric),)
        sheet = _SheetReader(book[name], name, rubric, source, notes, read_seal=not prefilled)
        entries += sheet.entries()
        problems += sheet.problems
    problems += [f"录入表中的工作表“{name}”不见了（可能被删除或改名），其中的内容未读取。" for name in registered]
    return KeyedWorkbook(source, tuple(entries), tuple(problems))


def _older_rubric(sheet: str, rubric: Rubric) -> str:
    """The note of each row of a sheet made for an earlier version of its rubric: read, but to be looked at."""
    return f"录入表的工作表“{sheet}”是按旧版“{rubric.name}”评分细则生成的；已按当前版本核对，请留意改动过的细项。"


def _version_problem(version: str) -> str:
    if not version:
        return f"录入表的标记工作表“{MARKER_SHEET}”被改动过，无法确认格式，未读取。"
    return (
        f"录入表的格式版本为 {quote(version)}，本程序只能读取版本 {KEYING_FORMAT}；请使用生成该录入表的程序版本读取。"
    )


def _marker(sheet: Any) -> tuple[str, dict[str, tuple[str, str]]]:
    """The format version the marker sheet states, and each rubric sheet's rubric id and fingerprint."""
    version = ""
    registered: dict[str, tuple[str, str]] = {}
    sheet.reset_dimensions()
    for cells in sheet.iter_rows(max_row=MAX_MARKER_ROWS, max_col=4, values_only=True):
        kind, *rest = [_text(value) for value in (*cells, None, None, None, None)[:4]]
        if kind == MARKER_FORMAT:
            version = rest[0]
        elif kind == MARKER_RUBRIC and rest[0]:
            registered[rest[0]] = (rest[1], rest[2])
    return version, registered


@dataclass
class _SheetReader:
    """One rubric sheet: its key row found, then each application row read into an entry."""

    sheet: Any
    name: str
    rubric: Rubric
    source: str
    notes: tuple[str, ...] = ()
    """Said of every row: the sheet was made for an earlier version of the rubric."""
    read_seal: bool = True
    """Whether the 印章 column is the clerk's (not in a :data:`PREFILLED_SEAL_FORMAT` workbook)."""
    problems: list[str] = field(default_factory=list)

    def entries(self) -> list[KeyedEntry]:
        """Each application row's entry, the rows streamed up to :data:`MAX_ROWS`, whatever ``<dimension>`` says."""
        self.sheet.reset_dimensions()
        columns: dict[str, int] | None = None
        found: list[KeyedEntry] = []
        for number, cells in enumerate(self.sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS), start=1):
            if number > MAX_ROWS:
                self.problems.append(f"工作表“{self.name}”超过 {MAX_ROWS} 行，不像是录入表；只读取了前 {MAX_ROWS} 行。")
            elif number == KEY_ROW:
                columns = self._columns(cells)
            elif number >= FIRST_ROW and columns is not None:
                entry = self._entry(number, tuple(cells), columns)
                found += [entry] if entry is not None else []
        if columns is None:
            self.problems.append(f"工作表“{self.name}”找不到“{ID_TITLE}”一列（可能被删除），无法对应扫描件，未读取。")
            return []
        return found

    def _columns(self, keys: tuple[Any, ...]) -> dict[str, int] | None:
        """Where each key's column is (the first, should one repeat); ``None`` without a 编号 column.  A missing
        input column is a problem of the sheet: its cells read as not keyed."""
        columns: dict[str, int] = {}
        for index, cell in enumerate(keys):
            columns.setdefault(_text(cell.value), index)
        if ID_KEY not in columns:
            return None
        inputs = [c for c in keying_columns(self.rubric) if c.kind in ("seal", "text", "score")]
        missing = [f"“{c.title}”" for c in inputs if c.key not in columns]
        if missing:
            names = "、".join(missing)
            self.problems.append(
                f"工作表“{self.name}”缺少 {len(missing)} 列（可能被删除）：{names}；相应内容按未录入处理。"
            )
        return columns

    def _entry(self, number: int, cells: tuple[Any, ...], columns: Mapping[str, int]) -> KeyedEntry | None:
        """The row's entry; ``None`` for a blank row, and for a row without 编号 (a problem when it holds anything)."""
        notes: list[str] = list(self.notes)
        keyed = [(f, self._cell(cells, columns.get(f.name), f.label, notes)) for f in keyed_fields(self.rubric)]
        values = {f.name: text for f, text in keyed if text.strip()}
        seal_name = seal_field(self.rubric).name
        seal_text = self._cell(cells, columns.get(seal_name), "印章", notes) if self.read_seal else ""
        application_id = self._cell(cells, columns[ID_KEY], ID_TITLE, notes).strip()
        if not application_id:
            if values or notes[len(self.notes) :]:
                self.problems.append(f"工作表“{self.name}”第 {number} 行没有编号，无法对应扫描件，录入的内容未采用。")
            return None
        seal = seal_state(seal_text)
        if seal is None and seal_text.strip():
            choices = "、".join(text for text in SEAL_TEXT.values() if text)
            notes.append(f"“印章”一栏填写的{quote(seal_text.strip())}不是可选的值（{choices}），未采用。")
        where = f"{self.source} {self.name} 第 {number} 行"
        blanks = {f.name: "" for f in keyed_fields(self.rubric)}
        result = evaluate(self.rubric, blanks | values, source=where, notes=tuple(notes), format="keyed")
        result = replace(result, seal=seal or "")
        kept = sorted((values | ({seal_name: SEAL_TEXT[seal]} if seal else {})).items())
        return KeyedEntry(
            application_id, self.rubric.id, self.name, number, values, seal, self._complete(values), result, tuple(kept)
        )

    def _complete(self, values: Mapping[str, str]) -> bool:
        wanted = [*(header_field(self.rubric, h) for h in self.rubric.applicant_fields), *score_fields(self.rubric)]
        return all(values.get(f.name, "").strip() for f in wanted)

    def _cell(self, cells: tuple[Any, ...], index: int | None, title: str, notes: list[str]) -> str:
        """A cell's text as Excel shows it; '' for a missing column, and for a formula or an error value (noted)."""
        cell = cells[index] if index is not None and index < len(cells) else None
        if cell is None or cell.value is None:
            return ""
        if cell.data_type == "f":
            notes.append(f"“{title}”一栏是公式，录入表只采用直接填写的内容，未采用；请直接填写。")
            return ""
        if cell.data_type == "e":
            notes.append(f"“{title}”一栏是错误值 {quote(_text(cell.value))}，未采用；请直接填写。")
            return ""
        return _text(cell.value)


def _text(value: object) -> str:
    """A cell value as Excel shows it: ``8`` not ``8.0``, a date as ``2024-05-06``, OOXML escapes decoded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, str):
        return OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return str(value)
