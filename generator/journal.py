"""Append-only JSON-lines journals that survive a crash: the send log and the collection ledger.

A journal is locked while a run uses it (an operating-system lock through
:mod:`filelock`, on Windows too), read once, then appended to line by line,
each line forced to disk before the caller goes on.  A last line cut short
by a crash is dropped when the journal is next opened for writing; any other
damaged line is an error to fix by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Self, TypeVar

from filelock import FileLock, Timeout

from generator.errors import UserError

Entry = TypeVar("Entry")


def hold_lock(path: Path, busy: str, failed: str) -> FileLock:
    """The lock ``<path>.lock``, held; a :class:`UserError` at once when another run holds it (``busy``)
    or it cannot be made (``failed``, followed by the reason in brackets)."""
    lock = FileLock(f"{path}.lock", timeout=0, thread_local=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise UserError(busy) from None
    except OSError as exc:
        raise UserError(f"{failed}（{exc.strerror or exc}）") from None
    return lock


class HeldJournal:
    """A journal held open by one run: its lock (taken by the caller with :func:`hold_lock`) and,
    once the first line is written, its append handle; closing releases both."""

    def __init__(self, path: Path, lock: FileLock) -> None:
        self.path = path
        self._lock: FileLock | None = lock
        self._handle: IO[str] | None = None
        self._torn_at: int | None = None

    def __enter__(self) -> Self:
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

    def _append_handle(self) -> IO[str]:
        """The handle lines are appended to, opened (a torn last line dropped) on first use."""
        if self._lock is None:
            raise ValueError(f"journal {self.path} is closed")  # a programming error: lines need the lock
        if self._handle is None:
            self._handle = open_for_append(self.path, self._torn_at)
            self._torn_at = None
        return self._handle


def read_journal(path: Path, what: str, parse: Callable[[bytes], Entry | None]) -> tuple[list[Entry], int | None]:
    """The entries ``parse`` accepts, and where a torn last line starts (``None`` when there is none).

    ``what`` names the journal in messages (``发送记录``).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        raise UserError(f"{what} {path} 无法读取（{exc.strerror or exc}）") from None
    lines = data.split(b"\n")
    entries: list[Entry] = []
    offset = 0
    for number, line in enumerate(lines, 1):
        entry = parse(line) if line.strip() else None
        if entry is not None:
            entries.append(entry)
        elif number == len(lines) and line.strip():
            return entries, offset  # cut short by a crash
        elif line.strip():
            raise UserError(f"{what} {path} 第 {number} 行已损坏，请检查或修复后再运行")
        offset += len(line) + 1
    return entries, None


def parse_object(line: bytes) -> dict[str, Any] | None:
    """A line as a JSON object, or ``None`` when it is none."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def open_for_append(path: Path, torn_at: int | None) -> IO[str]:
    """The journal opened for appending: a torn last line (from ``torn_at``) dropped, a missing final
    newline added, a new file's directory entry made durable."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    if torn_at is not None:
        os.truncate(path, torn_at)
    handle = path.open("a", encoding="utf-8", newline="\n")
    if not created and not _ends_with_newline(path):
        handle.write("\n")
    if created:
        fsync_directory(path.parent)
    return handle


def append_line(handle: IO[str], entry: dict[str, Any]) -> None:
    """Write ``entry`` as one line and force it to disk before returning."""
    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    handle.flush()
    os.fsync(handle.fileno())


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return True
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def fsync_directory(folder: Path) -> None:
    """Make new directory entries durable (POSIX; Windows cannot open a folder as a file)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
