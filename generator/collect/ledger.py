"""The collection ledger ``回收记录.jsonl``: one JSON line per message, appended and forced to disk.

A line is written only after every file of its message is saved, so a run
killed at any moment leaves either a complete line or none: a message whose
line is missing is read again by the next run, which recognises the files
already saved by their SHA-256 and claims them instead of saving copies.  A
last line cut short by a crash is dropped when the ledger is next opened;
any other damaged line is an error to fix by hand.

Each line (``"event": "message"``) holds ``source`` (``"imap"`` or ``"file"``)
and where the message came from (``server``, ``user``, ``folder``,
``uidvalidity``, ``uid``; or ``path`` and, in an mbox file, ``index``),
``message_id`` (the Message-ID header, else ``sha256:`` and the hash of the
raw message), ``from_address``, ``from_name``, ``date`` (the date the file
names carry, ISO 8601), ``subject``, and the lists ``saved`` (``file``,
``sha256``, ``size``, ``attachment``; ``recovered`` when the file was saved by an
interrupted run; ``original_message`` for a kept copy of a damaged message),
``duplicates`` (``attachment``, ``sha256``, ``same_as``: the file that holds the
same content), ``ignored`` (attachments that are no return) and ``problems``.

While a run uses the ledger its lock file, ``回收记录.jsonl.lock``, is held,
so two runs into one folder cannot interleave.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from generator.atomic import output_error
from generator.filenames import fold
from generator.journal import HeldJournal, append_line, hold_lock, parse_object, read_journal

LEDGER_NAME = "回收记录.jsonl"
LOCK_SUFFIX = ".lock"
MailboxKey = tuple[str, str, str]


def ledger_path(out: Path) -> Path:
    return out / LEDGER_NAME


def read_entries(path: Path) -> tuple[list[dict[str, Any]], int | None]:
    """The ledger's lines, and where a torn last line starts (``None`` when there is none)."""
    return read_journal(path, "回收记录", _parse)


def _parse(line: bytes) -> dict[str, Any] | None:
    data = parse_object(line)
    if data is None or data.get("event") != "message" or not isinstance(data.get("message_id"), str):
        return None
    return data


def _files(entry: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = entry.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def ledger_senders(out: Path) -> dict[str, str]:
    """Each file the ledger in ``out`` says was saved (its name in ``out``) → the sender's address.

    Kept copies of damaged messages are left out: they are no return.  A file
    claimed twice keeps its first sender.
    """
    entries, _ = read_entries(ledger_path(out))
    senders: dict[str, str] = {}
    for entry in entries:
        address = entry.get("from_address")
        for item in _files(entry, "saved"):
            name = item.get("file")
            if isinstance(name, str) and isinstance(address, str) and not item.get("original_message"):
                senders.setdefault(name, address)
    return senders


class Ledger(HeldJournal):
    """The ledger of one output folder, locked while open: read once, then appended to line by line."""

    def __init__(self, out: Path) -> None:
        path = ledger_path(out)
        lock = hold_lock(
            path,
            f"另一个回收任务正在写入 {out}，请等它结束后再运行",
            f"无法在 {out} 中建立回收记录的锁文件",
        )
        super().__init__(path, lock)
        try:
            entries, self._torn_at = read_entries(self.path)
        except BaseException:
            self.close()
            raise
        self.message_ids: set[str] = set()
        self.uids: dict[MailboxKey, dict[int, set[int]]] = {}
        self.claimed: dict[str, str] = {}
        """Folded name → name of every file a ledger line owns (saved, not merely seen)."""
        for entry in entries:
            self._index(entry)

    def _index(self, entry: dict[str, Any]) -> None:
        self.message_ids.add(entry["message_id"])
        if entry.get("source") == "imap":
            key = mailbox_key(str(entry.get("server", "")), str(entry.get("user", "")), str(entry.get("folder", "")))
            validity, uid = entry.get("uidvalidity"), entry.get("uid")
            if isinstance(validity, int) and isinstance(uid, int):
                self.uids.setdefault(key, {}).setdefault(validity, set()).add(uid)
        for item in _files(entry, "saved"):
            name = item.get("file")
            if isinstance(name, str):
                self.claimed[fold(name)] = name

    def done_uids(self, key: MailboxKey, validity: int) -> set[int]:
        return self.uids.get(key, {}).get(validity, set())

    def other_validities(self, key: MailboxKey, validity: int) -> bool:
        """Whether messages of this folder were collected under another UIDVALIDITY (the UIDs mean nothing now)."""
        return any(other != validity for other in self.uids.get(key, {}))

    def append(self, entry: dict[str, Any]) -> None:
        """Write one message's line and force it to disk before returning."""
        entry = {"event": "message", **entry}
        handle = self._open()
        try:
            append_line(handle, entry)
        except OSError as exc:  # a line cut short is dropped when the ledger is next opened
            raise output_error(self.path, exc) from None
        self._index(entry)

    def _open(self) -> IO[str]:
        try:
            return self._append_handle()
        except OSError as exc:
            raise output_error(self.path, exc) from None


def mailbox_key(server: str, user: str, folder: str) -> MailboxKey:
    return (server.lower(), user, folder)
