"""What a collection run did, per message: the files saved, the duplicates skipped, the problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class SavedFile:
    """A file now in the output folder for this message.

    ``attachment`` names where it came from (``a.zip/b.pdf`` for an archive
    member); ``recovered``: it was saved by an interrupted run and is claimed
    now; ``original_message``: a kept copy of a damaged message, no return.
    """

    file: str
    sha256: str
    size: int
    attachment: str
    recovered: bool = False
    original_message: bool = False

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"file": self.file, "sha256": self.sha256, "size": self.size}
        item["attachment"] = self.attachment
        if self.recovered:
            item["recovered"] = True
        if self.original_message:
            item["original_message"] = True
        return item


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An attachment not saved because ``same_as`` (a file in the output folder) holds the same bytes."""

    attachment: str
    sha256: str
    same_as: str

    def as_json(self) -> dict[str, Any]:
        return {"attachment": self.attachment, "sha256": self.sha256, "same_as": self.same_as}


@dataclass
class MessageRecord:
    """One message read in this run; ``where`` says where it is, for people (``INBOX UID 7``, ``a.mbox 第 3 封``)."""

    where: str
    message_id: str
    address: str
    name: str
    subject: str
    date: datetime | None
    uid: int | None = None
    uidvalidity: int | None = None
    saved: list[SavedFile] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The message as the summary names it: where, who, and the subject."""
        who = f"{self.name} <{self.address}>" if self.name and self.address else self.name or self.address
        subject = f"“{self.subject}”" if self.subject else "（无主题）"
        return f"{self.where}（{who or '发件人不详'}，{subject}）"


@dataclass
class CollectRun:
    """A whole run: the messages read, and counts for the summary.

    ``already``: messages skipped because the ledger has them; ``before_since``:
    messages from files skipped as older than ``since`` (the server does that
    filtering for IMAP); ``troubles``: problems not of one message (a file that
    cannot be read); ``stopped``: why the run ended early, if it did (the
    connection broke, the disk is full) — a re-run continues from there.
    """

    out: Path
    ledger: Path
    messages: list[MessageRecord] = field(default_factory=list)
    already: int = 0
    before_since: int = 0
    troubles: list[str] = field(default_factory=list)
    stopped: str = ""

    @property
    def saved(self) -> list[SavedFile]:
        return [item for message in self.messages for item in message.saved]

    @property
    def duplicates(self) -> list[Duplicate]:
        return [item for message in self.messages for item in message.duplicates]

    @property
    def problems(self) -> list[str]:
        """Every problem as one line naming its message or file; the reason for stopping last."""
        lines = [f"{m.label}：{problem}" for m in self.messages for problem in m.problems]
        lines += self.troubles
        return [*lines, self.stopped] if self.stopped else lines

    @property
    def ok(self) -> bool:
        return not self.problems
