"""Messages from files, for offices that cannot use IMAP: ``.eml`` files, folders of them, and mbox files.

A folder is searched (sorted, subfolders included) for ``*.eml`` and
``*.mbox`` files.  A file given by name is an mbox file when it starts with
``From `` (Thunderbird keeps its folders so, without an extension), else one
message.  An Outlook ``.msg`` file is recognised and reported: it must be
saved as ``.eml`` first.  An unreadable file is a problem of that file; the
others are still read.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.collect.headers import parse_date
from generator.readers.files import FileProblem, display_name, file_problem, read_head, read_regular_file

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MESSAGE_SUFFIXES = (".eml", ".mbox")


@dataclass(frozen=True, slots=True)
class FileMessage:
    """One message from a file: where it is (``index``: its place in an mbox file, from 1) and its bytes.

    ``fallback_date`` is the date to name files by when the message itself
    has none: the mbox ``From`` line's, else the file's modification time.
    """

    path: Path
    index: int | None
    raw: bytes
    fallback_date: datetime | None

    @property
    def where(self) -> str:
        name = display_name(self.path)
        return f"{name} 第 {self.index} 封" if self.index is not None else name


@dataclass(frozen=True, slots=True)
class FileTrouble:
    """A file that yields no message, and why (a Chinese sentence)."""

    path: Path
    reason: str


def message_files(paths: Sequence[Path]) -> Iterator[Path | FileTrouble]:
    """The files to read, in order: given files as they are, folders searched."""
    for path in paths:
        if path.is_dir():
            try:
                found = sorted(
                    (p for p in path.rglob("*") if p.suffix.lower() in MESSAGE_SUFFIXES and p.is_file()),
                    key=lambda p: str(p),
                )
            except OSError as exc:
                yield FileTrouble(path, f"无法读取文件夹（{exc.strerror or exc}）")
                continue
            if not found:
                yield FileTrouble(path, "文件夹中没有 .eml 或 .mbox 文件")
            yield from found
        else:
            problem = file_problem(path)
            yield FileTrouble(path, problem) if problem else path


def read_messages(path: Path) -> Iterator[FileMessage | FileTrouble]:
    """The messages in one file."""
    head = read_head(path, 8)
    if head.startswith(OLE_MAGIC):
        yield FileTrouble(path, "这是 Outlook 的 .msg 文件，请在 Outlook 中另存为 .eml 后再读取")
        return
    if head.startswith(b"From ") and path.suffix.lower() != ".eml":
        yield from _mbox(path)
        return
    try:
        raw = read_regular_file(path)
    except FileProblem as exc:
        yield FileTrouble(path, str(exc))
        return
    if not raw.strip():
        yield FileTrouble(path, "文件是空的")
        return
    if raw.startswith(b"From ") and b"\n" in raw:  # an .eml file saved with its mbox separator line
        _from_line, _, raw = raw.partition(b"\n")
    yield FileMessage(path, None, raw, _modified(path))


def _mbox(path: Path) -> Iterator[FileMessage | FileTrouble]:
    try:
        box = mailbox.mbox(path, create=False)
        keys = box.keys()
    except (OSError, mailbox.Error) as exc:
        yield FileTrouble(path, f"无法读取 mbox 文件（{getattr(exc, 'strerror', None) or exc}）")
        return
    try:
        for index, key in enumerate(keys, 1):
            try:
                with box.get_file(key, True) as handle:
                    from_line = handle.readline()
                    raw = handle.read(MAX_MESSAGE_BYTES + 1)
            except (OSError, KeyError) as exc:
                yield FileTrouble(path, f"第 {index} 封邮件无法读取（{exc}）")
                continue
            if len(raw) > MAX_MESSAGE_BYTES:
                yield FileTrouble(path, f"第 {index} 封邮件超过 {MAX_MESSAGE_BYTES // 1048576} MB，未读取")
                continue
            yield FileMessage(path, index, raw, _from_line_date(from_line) or _modified(path))
    finally:
        box.close()


def _from_line_date(line: bytes) -> datetime | None:
    """The date of an mbox ``From sender Thu Jul 17 10:00:00 2025`` line."""
    parts = line.decode("ascii", "replace").split()
    if len(parts) < 7:
        return None
    return parse_date(" ".join(parts[2:7]))


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime).astimezone()
    except (OSError, ValueError, OverflowError):
        return None
