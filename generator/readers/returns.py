"""One returned file read into a :class:`~generator.readers.results.FormResult`, whatever is wrong with it.

    >>> from generator import load
    >>> from generator.readers.returns import read_return
    >>> result = read_return(Path("张三.pdf"), load())
    >>> result.total, result.eligibility_text, result.problems

A bad file never raises: it yields a result with one problem saying why it
could not be read.  Each format's reader bounds its own parsing; for files
from outside, read batches with :func:`generator.readers.batch.read_batch`,
which adds a per-file timeout and memory cap.
"""

from __future__ import annotations

import errno
from pathlib import Path

from generator.model.rubric import RubricSet
from generator.readers.pdf.reader import read_pdf
from generator.readers.results import FormResult, UnreadableForm, unreadable

MAX_FILE_BYTES = 64 * 1024 * 1024
OS_ERRORS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是文件夹",
    errno.EIO: "读取出错",
}


def read_return(path: Path, rubrics: RubricSet, source: str | None = None) -> FormResult:
    """Read the returned file at ``path``; ``source`` is how outputs name it (default: the path)."""
    shown = source or str(path)
    try:
        return read_pdf(read_bytes(path), shown, rubrics)
    except UnreadableForm as exc:
        return unreadable(shown, str(exc))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no form could be; raises :class:`UnreadableForm`."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableForm(f"文件过大（{size / 1048576:.0f} MB），不是正常的评分表，未读取。")
        return path.read_bytes()
    except OSError as exc:
        reason = OS_ERRORS.get(exc.errno or 0, f"系统错误 {exc.errno}")
        raise UnreadableForm(f"无法打开该文件（{reason}）。") from exc
