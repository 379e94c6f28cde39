"""Atomic file output: a crash never leaves a half-written file behind, and a failure is told in Chinese.

:func:`write_bytes_atomic` writes one file; :func:`write_file_set` writes the
files of one run (a workbook, CSV files, a report) as one consistent set.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from filelock import FileLock, Timeout

from generator.errors import UserError

CAUSES = {
    errno.ENOTDIR: "路径中有一级不是文件夹，而是文件",
    errno.EEXIST: "已有同名的文件，无法建立文件夹",
    errno.EISDIR: "已有同名的文件夹",
    errno.EACCES: "没有写入权限，或文件正被其他程序（如 Excel、WPS）打开",
    errno.EPERM: "没有写入权限，或文件正被其他程序（如 Excel、WPS）打开",
    errno.EROFS: "所在的磁盘或文件系统是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.ENAMETOOLONG: "文件名过长",
}


LOCK_NAME = ".rubric-forms.lock"
LOCK_WAIT_S = 120.0
"""How long a run waits for another run writing into the same folder before giving up."""


class OutputError(UserError):
    """An output file could not be written; the message names the file and the cause."""


def output_error(path: Path, exc: OSError) -> OutputError:
    cause = CAUSES.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"无法写入 {path}：{cause}")


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one step.

    Raises :class:`OutputError` when the folder cannot be made or the file cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from None
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows (before Python 3.13) files get the folder's permissions
            os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    """The process umask (mkstemp creates files 0600; outputs get the usual permissions)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_output(path) as handle:
        handle.write(data)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock file (works on Windows too); waits for another run, then gives up in Chinese."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / LOCK_NAME, timeout=LOCK_WAIT_S)
        with lock:
            yield
    except Timeout:
        raise OutputError(f"另一个任务正在写入 {folder}，等待 {LOCK_WAIT_S:g} 秒后仍未结束；请稍后再运行") from None
    except OSError as exc:
        raise output_error(folder, exc) from None


def _manifest(folder: Path, owner: str) -> Path:
    return folder / f".rubric-forms-{owner}.json"


def _previous_names(folder: Path, owner: str) -> set[str]:
    """The files the previous set of ``owner`` wrote here (plain names only; nothing else is touched)."""
    try:
        names = json.loads(_manifest(folder, owner).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str) and n and Path(n).name == n} if isinstance(names, list) else set()


def write_file_set(folder: Path, files: Mapping[str, bytes], owner: str) -> list[Path]:
    """Write ``files`` (plain name → bytes) into ``folder`` as one set; return their paths.

    Every file is first written (and synced) into a staging folder; only when
    all are there are they moved into place, under the folder's lock, so a
    full disk leaves the previous set untouched and two runs into the same
    folder never mix.  Files the previous set of the same ``owner`` had and
    this one has not (a rubric since removed) are deleted, so what is in the
    folder is one run's outputs.
    """
    with folder_lock(folder):
        try:
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        except OSError as exc:
            raise output_error(folder, exc) from None
        try:
            for name, data in files.items():
                write_bytes_atomic(staging / name, data)
            stale = _previous_names(folder, owner) - files.keys()
            for name in files:
                _move(staging / name, folder / name)
            for name in stale:
                (folder / name).unlink(missing_ok=True)
            write_bytes_atomic(_manifest(folder, owner), json.dumps(sorted(files), ensure_ascii=False).encode())
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise output_error(target, exc) from None
