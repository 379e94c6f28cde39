"""What an input path is before any byte of it is read, reading a regular file safely, and naming it in outputs.

Only regular files are read (a symbolic link to one is followed).  A named
pipe would block whoever opens it, a device can be endless (``/dev/zero``)
or change state when opened, a socket cannot be opened at all: each of
these, and a link that leads nowhere, gets one Chinese sentence saying what
it is, so that it shows up in the output as a problem instead of hanging the
run or vanishing without a word.

File names are shown as the user would see them: a name that is not valid
UTF-8 — typically GBK bytes, as unzipping an archive made on Chinese Windows
gives on Linux — is decoded as GB18030, so ``张三.pdf`` does not show as
``\\udcd5\\udcc5….pdf``.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

MAX_FILE_BYTES = 64 * 1024 * 1024
OS_ERRORS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是文件夹",
    errno.EIO: "读取出错",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.ELOOP: "路径中的符号链接循环",
}
SPECIAL_KINDS = (
    (stat.S_ISFIFO, "命名管道"),
    (stat.S_ISSOCK, "套接字"),
    (stat.S_ISCHR, "设备文件"),
    (stat.S_ISBLK, "设备文件"),
)
SYMLINK_LOOP = "这是一个循环的符号链接（链接最终又指向自身），已跳过。"
DANGLING_LINK = "这是一个失效的符号链接（它指向的文件不存在），已跳过。"
LINKED_FOLDER = "这是指向文件夹的符号链接，查找时不会进入；如需读取其中的表格，请直接给出该文件夹。"
FOLDER = "无法打开该文件（这是文件夹）。"
# Opening never blocks on a pipe swapped in after the check, nor makes a terminal ours.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


class FileProblem(Exception):
    """The path is not a regular file that can be read; the message is one Chinese sentence."""


def os_reason(exc: OSError) -> str:
    """An operating-system error in a few words."""
    return OS_ERRORS.get(exc.errno or 0, f"系统错误 {exc.errno}")


def os_problem(exc: OSError) -> str:
    """An operating-system error on opening a file, as a sentence."""
    return f"无法打开该文件（{os_reason(exc)}）。"


def special_kind_problem(mode: int) -> str | None:
    """The sentence for a file that is neither regular nor a folder (a pipe, socket or device), else ``None``."""
    for test, kind in SPECIAL_KINDS:
        if test(mode):
            return f"这不是普通文件（{kind}），已跳过。"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "这不是普通文件（特殊文件），已跳过。"


def _link_problem(exc: OSError) -> str:
    """Why the symbolic link ``path`` cannot be followed."""
    if exc.errno == errno.ELOOP:
        return SYMLINK_LOOP
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return DANGLING_LINK
    return os_problem(exc)


def _folder_problem(path: Path, linked: bool) -> str:
    """The sentence for a folder met where a file was expected."""
    if linked:
        return LINKED_FOLDER
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return f"无法打开该文件夹（{os_reason(exc)}），其中的文件未读取。"
    return FOLDER


def file_problem(path: Path) -> str | None:
    """Why ``path`` is no regular file to read, or ``None`` when it is one (directly or through links).

    Looks only at the file's metadata — one system call for a plain file —
    and opens nothing, except a folder's listing.
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return os_problem(exc)
    if stat.S_ISREG(mode):
        return None
    linked = stat.S_ISLNK(mode)
    if linked:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            return _link_problem(exc)
    if stat.S_ISDIR(mode):
        return _folder_problem(path, linked)
    return special_kind_problem(mode)


def read_regular_file(path: Path) -> bytes:
    """The bytes of the regular file at ``path``; raises :class:`FileProblem` for anything else.

    The file is checked before it is opened, opened without blocking, and
    checked again on the open handle, so a file swapped for a pipe or device
    in between is still refused; a file larger than :data:`MAX_FILE_BYTES`
    (or growing past it while read) is refused too.
    """
    problem = file_problem(path)
    if problem:
        raise FileProblem(problem)
    try:
        with open(os.open(path, OPEN_FLAGS), "rb") as handle:
            info = os.fstat(handle.fileno())
            problem = special_kind_problem(info.st_mode)
            if problem:
                raise FileProblem(problem)
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(os_problem(exc)) from exc
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(too_big(max(info.st_size, len(data))))
    return data


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the regular file at ``path`` (fewer if shorter), opened as
    :func:`read_regular_file` opens it; ``b""`` for anything that is no regular file."""
    if file_problem(path) is not None:
        return b""
    try:
        with open(os.open(path, OPEN_FLAGS), "rb") as handle:
            if special_kind_problem(os.fstat(handle.fileno()).st_mode):
                return b""
            return handle.read(size)
    except OSError:
        return b""


def too_big(size: int) -> str:
    return f"文件过大（{size / 1048576:.0f} MB），不是正常的评分表，未读取。"


def _decode_name(raw: bytes) -> str:
    """One path component's bytes as text: UTF-8, else GB18030 (Chinese Windows), else UTF-8 with replacements."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace")


def display_name(path: Path | str) -> str:
    """``path`` as text any output can show; control characters are kept (each output escapes its own).

    On Linux a name that is not valid UTF-8 reaches Python with surrogate
    escapes; each component's raw bytes are decoded on their own, so a GBK
    file name in a UTF-8 folder shows both right.
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return text
    if sys.platform == "win32":  # names are Unicode already: only lone surrogates can be wrong
        return text.encode("utf-8", errors="replace").decode("utf-8")
    parts = os.fsencode(text).split(b"/")
    return "/".join(_decode_name(part) for part in parts)
