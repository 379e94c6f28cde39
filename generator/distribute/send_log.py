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

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from generator.distribute.roster import Applicant
from generator.journal import HeldJournal, append_line, hold_lock, parse_object, read_journal

Event = Literal["attempt", "sent", "failed"]
Status = Literal["sent", "failed", "uncertain"]
OUTCOME: dict[str, Status] = {"attempt": "uncertain", "sent": "sent", "failed": "failed"}


@dataclass(frozen=True, slots=True)
class LogEntry:
    event: Event
    key: str


class SendLog(HeldJournal):
    """The log file of one mailing: read once when opened, then appended to line by line."""

    def __init__(self, path: Path) -> None:
        lock = hold_lock(path, f"另一个发送任务正在使用发送记录 {path}，请等它结束后再运行", f"无法锁定发送记录 {path}")
        super().__init__(path, lock)
        self.status: dict[str, Status] = {}
        try:
            entries, self._torn_at = read_journal(path, "发送记录", _parse)
        except BaseException:
            self.close()
            raise
        for entry in entries:
            self.status[entry.key] = OUTCOME[entry.event]

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
        append_line(self._append_handle(), entry)
        self.status[applicant.key] = OUTCOME[event]


def _parse(line: bytes) -> LogEntry | None:
    data = parse_object(line)
    if data is None or data.get("event") not in OUTCOME or not isinstance(data.get("key"), str):
        return None
    return LogEntry(data["event"], data["key"])
