"""Atomic file output: a crash never leaves a half-written file behind, and a failure is told in Chinese."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from generator.errors import UserError

CAUSES = {
    errno.ENOTDIR: "路径中有一级不是文件夹，而是文件",
    errno.EEXIST: "已有同名的文件，无法建立文件夹",
    errno.EISDIR: "已有同名的文件夹",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在的磁盘或文件系统是只读的",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.ENAMETOOLONG: "文件名过长",
}


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
