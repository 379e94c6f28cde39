"""The workspace folder: uploads, outputs and the app's state in SQLite, so nothing is lost on a restart.

Uploaded files are stored under generated ids (``uploads/<id><suffix>``); the
name the user gave is only ever data in the database.  Every path the app
serves or writes is checked to stay inside the workspace.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

DEFAULT_NAME = "rubric-forms-工作区"
STATE_NAME = "state.sqlite3"
UPLOADS = "uploads"
OUTPUTS = "outputs"
SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '', output TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, finished REAL
);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, stored TEXT NOT NULL, size INTEGER NOT NULL,
    created REAL NOT NULL, hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY, rubric_id TEXT NOT NULL, rank INTEGER NOT NULL, source TEXT NOT NULL,
    applicant TEXT NOT NULL, format TEXT NOT NULL, total INTEGER, eligibility TEXT NOT NULL, seal TEXT NOT NULL,
    problems TEXT NOT NULL, cells TEXT NOT NULL, detail BLOB
);
CREATE INDEX IF NOT EXISTS results_rubric ON results (rubric_id, rank);
CREATE TABLE IF NOT EXISTS problems (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, rubric TEXT NOT NULL, applicant TEXT NOT NULL, message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outcomes (
    upload_id TEXT PRIMARY KEY, hash TEXT NOT NULL, data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS collected (file TEXT PRIMARY KEY, upload_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS web_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, message TEXT NOT NULL, created REAL NOT NULL
);
"""
SCHEMA_VERSION = 2
"""Bumped when a table changes; the derived tables (results, problems, outcomes) of an older workspace are
dropped and rebuilt by the next reading — the uploads themselves are kept."""
DERIVED = ("results", "problems", "outcomes")

STATE_TEXT = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
    "resumed": "已继续",
    "cancelled": "已取消",
}
INTERRUPTED = "服务在任务完成前停止了，任务已中断；可以点“继续”接着完成。"
RESUMED = "已在新的任务中继续。"
CANCELLED = "任务已取消；已经完成的部分都已保留，可以点“继续”接着完成。"
CANCELLING = "正在取消……"
STOPPED = ("interrupted", "cancelled")
"""The states of a job that stopped before it was done, which a 继续 starts again."""


class OutsideWorkspace(Exception):
    """A path that would leave the workspace."""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    state: str
    done: int
    total: int
    message: str
    output: str

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def public(self) -> dict[str, Any]:
        """The job as the progress script polls it."""
        return {
            "id": self.id,
            "state": self.state,
            "state_text": self.state_text,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    name: str
    path: Path
    hash: str = ""
    """The SHA-256 of the stored bytes, taken as they were written (stored files never change); "" when unknown."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One form in the results index: what the table shows, and every cell for the detail view."""

    id: int
    rubric_id: str
    rank: int
    source: str
    applicant: str
    format: str
    total: int | None
    eligibility: str
    seal: str
    problems: str
    cells: tuple[Any, ...]

    def index_values(self) -> tuple[Any, ...]:
        """The indexed columns, in the order of :data:`RESULT_COLUMNS` after the id."""
        return (
            self.rubric_id,
            self.rank,
            self.source,
            self.applicant,
            self.format,
            self.total,
            self.eligibility,
            self.seal,
            self.problems,
        )


@dataclass(frozen=True, slots=True)
class ProblemRow:
    source: str
    rubric: str
    applicant: str
    message: str


def display_upload_name(name: str) -> str:
    """The last component of an uploaded file's name, whatever its separators: shown, never used as a path."""
    last = PureWindowsPath(PurePosixPath(name).name).name
    return "".join(c for c in last if c.isprintable())[:200] or "未命名文件"


def stored_suffix(name: str) -> str:
    """The upload's suffix, lower-cased, when it is a plain one (``.pdf``); else none."""
    suffix = PurePosixPath(display_upload_name(name)).suffix.lower()
    return suffix if SUFFIX.fullmatch(suffix) else ""


class Workspace:
    """The folder and its state database; every call opens its own connection, so any thread may use it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        for folder in (self.root, self.root / UPLOADS, self.root / OUTPUTS):
            folder.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                for table in DERIVED:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
            db.executescript(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(uploads)")}
            if "hash" not in columns:  # a workspace from before uploads kept their content hash
                db.execute("ALTER TABLE uploads ADD COLUMN hash TEXT NOT NULL DEFAULT ''")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction, committed on success."""
        with closing(sqlite3.connect(self.root / STATE_NAME, timeout=30)) as db, db:
            yield db

    def inside(self, relative: str) -> Path:
        """``relative`` resolved under the workspace; raises :class:`OutsideWorkspace` when it would leave it."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise OutsideWorkspace(relative)
        return path

    # Jobs

    def create_job(self, kind: str) -> str:
        job_id = uuid.uuid4().hex
        with self.connect() as db:
            db.execute("INSERT INTO jobs (id, kind, state, created) VALUES (?, ?, 'queued', ?)", (job_id, kind, now()))
        return job_id

    def update_job(self, job_id: str, **values: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        with self.connect() as db:
            db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values.values(), job_id))

    def job(self, job_id: str) -> Job | None:
        with self.connect() as db:
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(*row) if row else None

    def latest_job(self, kind: str) -> Job | None:
        with self.connect() as db:
            row = db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE kind = ? ORDER BY created DESC LIMIT 1", (kind,)
            ).fetchone()
        return Job(*row) if row else None

    def claim_stopped(self, job_id: str) -> Job | None:
        """The interrupted or cancelled job, now marked resumed (so it is resumed once); None when it is neither."""
        with self.connect() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'resumed', message = ? WHERE id = ? AND state IN ('interrupted', 'cancelled')",
                (RESUMED, job_id),
            ).rowcount
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(*row) if changed and row else None

    def start_job(self, job_id: str) -> bool:
        """Mark a queued job running; False when it is no longer queued (cancelled while it waited)."""
        with self.connect() as db:
            query = "UPDATE jobs SET state = 'running' WHERE id = ? AND state = 'queued'"
            return db.execute(query, (job_id,)).rowcount == 1

    def cancel_queued(self, job_id: str) -> bool:
        """Cancel a job still waiting in the queue; False when it is not queued (running, or over)."""
        with self.connect() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'cancelled', message = ?, finished = ? WHERE id = ? AND state = 'queued'",
                (CANCELLED, now(), job_id),
            ).rowcount
        return changed == 1

    def mark_cancelling(self, job_id: str) -> bool:
        """Say a running job is being cancelled; False when it is not running (it has just ended)."""
        with self.connect() as db:
            query = "UPDATE jobs SET message = ? WHERE id = ? AND state = 'running'"
            return db.execute(query, (CANCELLING, job_id)).rowcount == 1

    def interrupt_unfinished(self) -> None:
        """Jobs a previous server left queued or running: they say they were interrupted."""
        with self.connect() as db:
            db.execute(
                "UPDATE jobs SET state = 'interrupted', message = ?, finished = ? WHERE state IN ('queued', 'running')",
                (INTERRUPTED, now()),
            )

    # Uploads

    def add_upload(self, kind: str, name: str, data: Iterator[bytes]) -> Upload:
        """Store an upload under a generated id; its given name is kept as data only."""
        upload_id = uuid.uuid4().hex
        stored = f"{UPLOADS}/{upload_id}{stored_suffix(name)}"
        path = self.inside(stored)
        size = 0
        digest = hashlib.sha256()
        with path.open("xb") as handle:
            for chunk in data:
                size += len(chunk)
                digest.update(chunk)
                handle.write(chunk)
        shown = display_upload_name(name)
        with self.connect() as db:
            db.execute(
                "INSERT INTO uploads (id, kind, name, stored, size, created, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (upload_id, kind, shown, stored, size, now(), digest.hexdigest()),
            )
        return Upload(upload_id, shown, path, digest.hexdigest())

    def uploads(self, kind: str) -> list[Upload]:
        with self.connect() as db:
            query = "SELECT id, name, stored, hash FROM uploads WHERE kind = ? ORDER BY created"
            rows = db.execute(query, (kind,)).fetchall()
        return [Upload(upload_id, name, self.inside(stored), digest) for upload_id, name, stored, digest in rows]

    def count_uploads(self, kind: str) -> int:
        with self.connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM uploads WHERE kind = ?", (kind,)).fetchone()[0])

    def remove_upload(self, upload: Upload) -> None:
        """An upload gone: its row, its file and its cached outcome (an unpacked zip, once its members are in)."""
        with self.connect() as db:
            db.execute("DELETE FROM uploads WHERE id = ?", (upload.id,))
            db.execute("DELETE FROM outcomes WHERE upload_id = ?", (upload.id,))
        upload.path.unlink(missing_ok=True)

    # Files the mailbox collection saved, once each is an upload

    def collected(self) -> set[str]:
        with self.connect() as db:
            return {name for (name,) in db.execute("SELECT file FROM collected")}

    def mark_collected(self, name: str, upload_id: str) -> None:
        with self.connect() as db:
            db.execute("INSERT OR REPLACE INTO collected (file, upload_id) VALUES (?, ?)", (name, upload_id))

    # Settings the pages keep (never a password)

    def setting(self, name: str) -> str:
        with self.connect() as db:
            row = db.execute("SELECT value FROM web_settings WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else ""

    def set_settings(self, values: dict[str, str]) -> None:
        with self.connect() as db:
            db.executemany(
                "INSERT INTO web_settings (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    # Notes: what an upload told the user (an archive that could not be unpacked, ...)

    def add_note(self, kind: str, message: str) -> None:
        with self.connect() as db:
            db.execute("INSERT INTO notes (kind, message, created) VALUES (?, ?, ?)", (kind, message, now()))

    def notes(self, kind: str) -> list[str]:
        with self.connect() as db:
            rows = db.execute("SELECT message FROM notes WHERE kind = ? ORDER BY id", (kind,)).fetchall()
        return [message for (message,) in rows]

    # The read outcome of each upload, so a new upload reads only the new files

    def outcomes(self) -> dict[str, tuple[str, bytes]]:
        """Every cached outcome: upload id → (content hash, the pickled outcome)."""
        with self.connect() as db:
            rows = db.execute("SELECT upload_id, hash, data FROM outcomes").fetchall()
        return {upload_id: (digest, bytes(data)) for upload_id, digest, data in rows}

    def store_outcomes(self, outcomes: Sequence[tuple[str, str, bytes]]) -> None:
        """``(upload id, content hash, pickled outcome)`` for each newly read upload."""
        with self.connect() as db:
            db.executemany("INSERT OR REPLACE INTO outcomes (upload_id, hash, data) VALUES (?, ?, ?)", outcomes)

    # Results

    def replace_results(
        self, rows: Sequence[ResultRow], problems: Sequence[ProblemRow], details: Sequence[bytes] | None = None
    ) -> None:
        """The results index of the latest reading, in one transaction: a window never sees half of it.

        ``details``, one per row, is the row's whole result (pickled) for the detail view.
        """
        blobs = list(details) if details is not None else [None] * len(rows)
        with self.connect() as db:
            db.execute("DELETE FROM results")
            db.execute("DELETE FROM problems")
            db.executemany(
                "INSERT INTO results (rubric_id, rank, source, applicant, format, total, eligibility, seal, problems,"
                " cells, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (*r.index_values(), json.dumps(r.cells, ensure_ascii=False), blob)
                    for r, blob in zip(rows, blobs, strict=True)
                ],
            )
            db.executemany(
                "INSERT INTO problems (source, rubric, applicant, message) VALUES (?, ?, ?, ?)",
                [(p.source, p.rubric, p.applicant, p.message) for p in problems],
            )

    def results(
        self,
        rubric_id: str,
        *,
        only_problems: bool = False,
        order: str = "rank",
        filters: dict[str, str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[ResultRow]:
        """One rubric's rows, those with problems only or with the given values of :data:`FILTERS`, in ``order``;
        ``limit`` rows from ``offset`` (a page of the table), all when ``limit`` is None."""
        where, values = result_filter(rubric_id, only_problems, filters)
        order_by = RESULT_ORDERS[order] if order in RESULT_ORDERS else RESULT_ORDERS["rank"]
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        with self.connect() as db:
            rows = db.execute(
                f"SELECT {RESULT_COLUMNS} FROM results WHERE {where} ORDER BY {order_by}{page}", values
            ).fetchall()
        return [result_row(row) for row in rows]

    def count_results(
        self, rubric_id: str, *, only_problems: bool = False, filters: dict[str, str] | None = None
    ) -> int:
        """How many rows :meth:`results` gives with these filters and no limit."""
        where, values = result_filter(rubric_id, only_problems, filters)
        with self.connect() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM results WHERE {where}", values).fetchone()[0])

    def counts(self) -> dict[str, int]:
        """How many rows each rubric has."""
        with self.connect() as db:
            rows = db.execute("SELECT rubric_id, COUNT(*) FROM results GROUP BY rubric_id").fetchall()
        return {rubric_id: int(count) for rubric_id, count in rows}

    def choices(self, rubric_id: str) -> dict[str, list[str]]:
        """Each filter column's distinct values in one rubric's rows, for the filter menus."""
        with self.connect() as db:
            return {
                column: [
                    value
                    for (value,) in db.execute(
                        f"SELECT DISTINCT {column} FROM results WHERE rubric_id = ? ORDER BY {column}", (rubric_id,)
                    )
                ]
                for column in FILTERS
            }

    def detail(self, result_id: int) -> bytes | None:
        """The row's whole result, pickled, as :meth:`replace_results` stored it."""
        with self.connect() as db:
            row = db.execute("SELECT detail FROM results WHERE id = ?", (result_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def result(self, result_id: int) -> ResultRow | None:
        with self.connect() as db:
            row = db.execute(f"SELECT {RESULT_COLUMNS} FROM results WHERE id = ?", (result_id,)).fetchone()
        return result_row(row) if row else None

    def problems(self, limit: int | None = None) -> list[ProblemRow]:
        """The problems of the latest reading, the first ``limit`` of them (all when None)."""
        page = "" if limit is None else f" LIMIT {int(limit)}"
        with self.connect() as db:
            rows = db.execute(f"SELECT source, rubric, applicant, message FROM problems ORDER BY id{page}").fetchall()
        return [ProblemRow(*row) for row in rows]

    def count_problems(self) -> int:
        with self.connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM problems").fetchone()[0])


JOB_COLUMNS = "id, kind, state, done, total, message, output"
RESULT_COLUMNS = "id, rubric_id, rank, source, applicant, format, total, eligibility, seal, problems, cells"
RESULT_ORDERS = {
    "rank": "rank = 0, rank, source",
    "total": "total IS NULL, total DESC, source",
    "source": "source",
    "applicant": "applicant, source",
    "eligibility": "eligibility, rank = 0, rank, source",
    "seal": "seal, rank = 0, rank, source",
    "format": "format, rank = 0, rank, source",
    "problems": "problems = '', rank = 0, rank, source",
}
FILTERS = ("eligibility", "seal", "format")
"""The columns the results table filters on by value (申报资格, 印章/电子签章, 格式)."""


def result_filter(rubric_id: str, only_problems: bool, filters: dict[str, str] | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its values) choosing one rubric's rows by the table's filters."""
    where = "rubric_id = ?" + (" AND problems != ''" if only_problems else "")
    values: list[Any] = [rubric_id]
    for column, value in (filters or {}).items():
        if column in FILTERS and value:
            where += f" AND {column} = ?"
            values.append(value)
    return where, values


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def result_row(row: tuple[Any, ...]) -> ResultRow:
    result_id, rubric_id, rank, source, applicant, format_text, total, eligibility, seal, problems, cells = row
    return ResultRow(
        result_id,
        rubric_id,
        rank,
        source,
        applicant,
        format_text,
        total,
        eligibility,
        seal,
        problems,
        tuple(json.loads(cells)),
    )


def now() -> float:
    return time.time()
