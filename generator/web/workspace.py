"""The workspace folder: uploads, outputs and the app's state in SQLite, so nothing is lost on a restart.

Uploaded files are stored under generated ids (``uploads/<id><suffix>``); the
name the user gave is only ever data in the database.  Every path the app
serves or writes is checked to stay inside the workspace.
"""

from __future__ import annotations

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
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY, rubric_id TEXT NOT NULL, rank INTEGER NOT NULL, source TEXT NOT NULL,
    applicant TEXT NOT NULL, format TEXT NOT NULL, total INTEGER, eligibility TEXT NOT NULL, seal TEXT NOT NULL,
    problems TEXT NOT NULL, cells TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_rubric ON results (rubric_id, rank);
CREATE TABLE IF NOT EXISTS problems (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, rubric TEXT NOT NULL, applicant TEXT NOT NULL, message TEXT NOT NULL
);
"""

STATE_TEXT = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败", "interrupted": "已中断"}
INTERRUPTED = "服务在任务完成前停止了，任务已中断；请重新开始。"


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
            db.executescript(SCHEMA)

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
        with path.open("xb") as handle:
            for chunk in data:
                size += len(chunk)
                handle.write(chunk)
        shown = display_upload_name(name)
        with self.connect() as db:
            db.execute(
                "INSERT INTO uploads (id, kind, name, stored, size, created) VALUES (?, ?, ?, ?, ?, ?)",
                (upload_id, kind, shown, stored, size, now()),
            )
        return Upload(upload_id, shown, path)

    def uploads(self, kind: str) -> list[Upload]:
        with self.connect() as db:
            query = "SELECT id, name, stored FROM uploads WHERE kind = ? ORDER BY created"
            rows = db.execute(query, (kind,)).fetchall()
        return [Upload(upload_id, name, self.inside(stored)) for upload_id, name, stored in rows]

    def count_uploads(self, kind: str) -> int:
        with self.connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM uploads WHERE kind = ?", (kind,)).fetchone()[0])

    # Results

    def replace_results(self, rows: Sequence[ResultRow], problems: Sequence[ProblemRow]) -> None:
        """The results index of the latest reading, in one transaction: a window never sees half of it."""
        with self.connect() as db:
            db.execute("DELETE FROM results")
            db.execute("DELETE FROM problems")
            db.executemany(
                "INSERT INTO results (rubric_id, rank, source, applicant, format, total, eligibility, seal, problems,"
                " cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r.index_values(), json.dumps(r.cells, ensure_ascii=False)) for r in rows],
            )
            db.executemany(
                "INSERT INTO problems (source, rubric, applicant, message) VALUES (?, ?, ?, ?)",
                [(p.source, p.rubric, p.applicant, p.message) for p in problems],
            )

    def results(self, rubric_id: str, *, only_problems: bool = False, order: str = "rank") -> list[ResultRow]:
        where = "rubric_id = ?" + (" AND problems != ''" if only_problems else "")
        with self.connect() as db:
            rows = db.execute(
                f"SELECT {RESULT_COLUMNS} FROM results WHERE {where} ORDER BY {RESULT_ORDERS[order]}", (rubric_id,)
            ).fetchall()
        return [result_row(row) for row in rows]

    def result(self, result_id: int) -> ResultRow | None:
        with self.connect() as db:
            row = db.execute(f"SELECT {RESULT_COLUMNS} FROM results WHERE id = ?", (result_id,)).fetchone()
        return result_row(row) if row else None

    def problems(self) -> list[ProblemRow]:
        with self.connect() as db:
            rows = db.execute("SELECT source, rubric, applicant, message FROM problems ORDER BY id").fetchall()
        return [ProblemRow(*row) for row in rows]


JOB_COLUMNS = "id, kind, state, done, total, message, output"
RESULT_COLUMNS = "id, rubric_id, rank, source, applicant, format, total, eligibility, seal, problems, cells"
RESULT_ORDERS = {
    "rank": "rank = 0, rank, source",
    "total": "total IS NULL, total DESC, source",
    "source": "source",
    "applicant": "applicant, source",
}


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
