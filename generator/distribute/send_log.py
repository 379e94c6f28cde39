"""The send log: an append-only JSON-lines file that says, per applicant, what happened.

Before a message goes out an ``attempt`` line is written and forced to disk;
after the server answers, a ``sent`` or ``failed`` line.  A re-run therefore
skips everyone with ``sent`` and retries everyone with ``failed``.  An
``attempt`` with no outcome means the run stopped while the server had the
message (a crash, a dropped connection): whether it arrived is unknown, so it
is not sent again unless the user asks — nobody gets the form twice.

While a log is open its lock file, ``<log>.lock``, is held (an operating-system
lock through :mod:`filelock`, on Windows too; it goes with the process that
holds it, so a crash leaves no stale lock).  It is taken without waiting,
before the log is read: a second run on the same log stops at once instead of
sending everything a second time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Literal

from filelock import FileLock, Timeout

from generator.distribute.roster import Applicant
from generator.errors import UserError

Event = Literal["attempt", "sent", "failed"]
Status = Literal["sent", "failed", "uncertain"]
OUTCOME: dict[str, Status] = {"attempt": "uncertain", "sent": "sent", "failed": "failed"}


@dataclass(frozen=True, slots=True)
class LogEntry:
    event: Event
    key: str


class SendLog:
    """The log file of one mailing: read once when opened, then appended to line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.status: dict[str, Status] = {}
        self._handle: IO[str] | None = None
        self._lock: FileLock | None = _lock(path)
        try:
            entries, self._torn_at = _read_entries(path)
        except BaseException:
            self.close()
            raise
        for entry in entries:
            self.status[entry.key] = OUTCOME[entry.event]

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file and release the lock; harmless when already closed."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def record(self, event: Event, applicant: Applicant, **details: str) -> None:
        """Append one line and force it to disk before returning."""
        entry = {
            "time": datetime.now().astimezone().isoformat(timespec="seconds"),
            "event": event,
            "row": applicant.row,
            "rubric": applicant.rubric.id,
            "name": applicant.name,
            "email": applicant.email,
            **details,
            "key": applicant.key,
        }
        handle = self._open()
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        self.status[applicant.key] = OUTCOME[event]

    def _open(self) -> IO[str]:
        if self._lock is None:
            raise ValueError(f"send log {self.path} is closed")  # a programming error: records need the lock
        if self._handle is None:
            created = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._torn_at is not None:
                os.truncate(self.path, self._torn_at)  # drop a line a crash cut short
            self._handle = self.path.open("a", encoding="utf-8")
            if not created and not _ends_with_newline(self.path):
                self._handle.write("\n")
            if created:
                _fsync_directory(self.path.parent)
        return self._handle


def _lock(path: Path) -> FileLock:
    """The log's lock, held; a Chinese error at once when another run holds it."""
    lock = FileLock(f"{path}.lock", timeout=0, thread_local=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise UserError(f"另一个发送任务正在使用发送记录 {path}，请等它结束后再运行") from None
    except OSError as exc:
        raise UserError(f"无法锁定发送记录 {path}（{exc.strerror or exc}）") from None
    return lock


def _read_entries(path: Path) -> tuple[list[LogEntry], int | None]:
    """The entries, and where a torn last line starts (``None`` when there is none)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        raise UserError(f"发送记录 {path} 无法读取（{exc.strerror}）") from None
    lines = data.split(b"\n")
    entries, offset = [], 0
    for number, line in enumerate(lines, 1):
        entry = _parse(line) if line.strip() else None
        if entry is not None:
            entries.append(entry)
        elif number == len(lines) and line.strip():
            return entries, offset  # cut short by a crash: its attempt line, if any, already counts
        elif line.strip():
            raise UserError(f"发送记录 {path} 第 {number} 行已损坏，请检查或修复后再运行")
        offset += len(line) + 1
    return entries, None


def _parse(line: bytes) -> LogEntry | None:
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("event") not in OUTCOME or not isinstance(data.get("key"), str):
        return None
    return LogEntry(data["event"], data["key"])


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return True
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _fsync_directory(folder: Path) -> None:
    """Make the new log file's directory entry durable too (POSIX; Windows cannot open a folder as a file)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
