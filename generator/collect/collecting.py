"""The collection run: messages from the mailbox or from files, their returns saved, each message in the ledger.

Per message: every file is written first (atomically), then the message's
ledger line (forced to disk), then — only with ``mark_seen`` — its \\Seen
flag.  A run killed at any moment therefore resumes without gaps (a message
without its line is read again) and without copies (its files are found by
hash and claimed).  A problem of one message is recorded with it and the run
goes on; a broken connection or a full disk ends the run, with what was done
kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from generator.atomic import OutputError
from generator.collect import archives
from generator.collect.imap import Mailbox, MailboxTrouble, Summary
from generator.collect.ledger import Ledger, mailbox_key
from generator.collect.message import ParsedMessage, parse_message
from generator.collect.naming import (
    RETURN_EXTENSIONS,
    UNOPENED_ARCHIVES,
    ZIP_EXTENSIONS,
    date_stamp,
    extension,
    output_name,
    sender_part,
)
from generator.collect.results import CollectRun, Duplicate, MessageRecord, SavedFile
from generator.collect.settings import ImapSettings
from generator.collect.sources import FileTrouble, message_files, read_messages
from generator.collect.store import OutputFolder, sha256
from generator.filenames import fold
from generator.readers.files import display_name

Progress = Callable[[int, int], None]
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
BATCH_MESSAGES = 50
BATCH_BYTES = 16 * 1024 * 1024
RAW_MESSAGE_NAME = "邮件原文.eml"


class _Collector:
    """Saves the returns of one message after another into the output folder, and writes the ledger."""

    def __init__(self, out: Path, ledger: Ledger) -> None:
        self.ledger = ledger
        self.folder = OutputFolder(out)
        self.claimed: set[str] = set(ledger.claimed)
        self.run = CollectRun(out=out, ledger=ledger.path)

    def collect(self, raw: bytes, parsed: ParsedMessage, when: datetime | None, source: dict[str, Any]) -> None:
        """Save the message's returns and record it: files first, then its ledger line."""
        where = source.pop("where")
        record = MessageRecord(
            where=where,
            message_id=parsed.message_id,
            address=parsed.address,
            name=parsed.display_name,
            subject=parsed.subject,
            date=when,
            uid=source.get("uid"),
            uidvalidity=source.get("uidvalidity"),
            problems=list(parsed.problems),
        )
        stamp, sender = date_stamp(when), sender_part(parsed.address, parsed.display_name)
        for attachment in parsed.attachments:
            record.problems += attachment.problems
            ext = extension(attachment.name)
            if ext not in RETURN_EXTENSIONS | ZIP_EXTENSIONS | UNOPENED_ARCHIVES:
                record.ignored.append(attachment.name)
            elif not attachment.data:
                record.problems.append(f"附件“{attachment.name}”是空文件，未保存")
            elif ext in ZIP_EXTENSIONS:
                expanded = archives.expand(attachment.name, attachment.data)
                for member in expanded.members:
                    self._keep(record, stamp, sender, member.chain, member.data)
                record.ignored += expanded.ignored
                record.problems += expanded.problems
                if expanded.incomplete:  # keep the archive as it came: nothing in it is lost
                    record.problems.append(f"压缩包“{attachment.name}”已原样保存，请手动查看其中未能取出的文件")
                    self._keep(record, stamp, sender, [attachment.name], attachment.data)
            else:
                if ext in UNOPENED_ARCHIVES:
                    record.problems.append(
                        f"压缩包“{attachment.name}”无法自动解开（只支持 zip），已原样保存，请手动解压"
                    )
                self._keep(record, stamp, sender, [attachment.name], attachment.data)
        if parsed.keep_raw:
            self._keep(record, stamp, sender, [RAW_MESSAGE_NAME], raw, original_message=True)
        self.ledger.append(_entry(record, source))
        self.run.messages.append(record)

    def _keep(
        self,
        record: MessageRecord,
        stamp: str,
        sender: str,
        chain: list[str],
        data: bytes,
        original_message: bool = False,
    ) -> None:
        digest, label = sha256(data), "/".join(chain)
        existing = self.folder.find(digest, len(data))
        if existing is not None and fold(existing) in self.claimed:
            record.duplicates.append(Duplicate(label, digest, existing))
            return
        if existing is not None:  # saved by an interrupted run (or put there by hand): this message claims it
            name, recovered = existing, True
        else:
            name, recovered = self.folder.save(output_name(stamp, sender, chain), data, digest), False
        self.claimed.add(fold(name))
        record.saved.append(SavedFile(name, digest, len(data), label, recovered, original_message))


def _entry(record: MessageRecord, source: dict[str, Any]) -> dict[str, Any]:
    return {
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        **source,
        "message_id": record.message_id,
        "from_address": record.address,
        "from_name": record.name,
        "date": record.date.isoformat(timespec="seconds") if record.date else None,
        "subject": record.subject,
        "saved": [item.as_json() for item in record.saved],
        "duplicates": [item.as_json() for item in record.duplicates],
        "ignored": record.ignored,
        "problems": record.problems,
    }


def collect_mailbox(
    settings: ImapSettings,
    out: Path,
    since: date | None = None,
    mark_seen: bool = False,
    on_progress: Progress | None = None,
) -> CollectRun:
    """Save the returns of every message in the IMAP folder not yet in ``out``'s ledger.

    Raises :class:`~generator.errors.UserError` (in Chinese) when the
    password variable is unset, the server cannot be reached or refuses the
    login, the folder does not exist, or another run holds the ledger.
    """
    settings.password()  # before anything else: a missing variable is the commonest mistake
    with Ledger(out) as ledger, Mailbox(settings, writable=mark_seen) as box:
        collector = _Collector(out, ledger)
        try:
            _collect_mailbox(collector, box, since, mark_seen, on_progress)
        except (MailboxTrouble, OutputError) as exc:
            collector.run.stopped = f"{exc}。已完成的邮件已记入回收记录，重新运行即可接着收取"
    return collector.run


def _collect_mailbox(
    collector: _Collector, box: Mailbox, since: date | None, mark_seen: bool, on_progress: Progress | None
) -> None:
    settings, ledger, run = box.settings, collector.ledger, collector.run
    key = mailbox_key(settings.host, settings.user, settings.folder)
    uids = box.search(since)
    done = ledger.done_uids(key, box.uidvalidity)
    todo = [uid for uid in uids if uid not in done]
    fallback = bool(todo) and ledger.other_validities(key, box.uidvalidity)
    if fallback:  # the server renumbered the folder: known messages are recognised by Message-ID instead
        ids = box.message_ids(todo)
        todo = [uid for uid in todo if ids.get(uid, "") not in ledger.message_ids]
    run.already = len(uids) - len(todo)
    summaries = box.summaries(todo)
    todo = [uid for uid in todo if uid in summaries]  # deleted meanwhile
    base = {"source": "imap", "server": settings.host, "user": settings.user, "folder": settings.folder}
    finished = 0
    for batch in _batches(todo, summaries):
        large = [uid for uid in batch if summaries[uid].size > MAX_MESSAGE_BYTES]
        fetched = {item.uid: item.raw for item in box.fetch([uid for uid in batch if uid not in large])}
        for uid in batch:
            summary = summaries[uid]
            raw = box.header(uid) if uid in large else fetched.get(uid)
            if raw is None:
                continue  # deleted while the run went on
            parsed = parse_message(raw)
            if fallback and parsed.message_id in ledger.message_ids:
                run.already += 1
                continue
            if uid in large:
                parsed.attachments = []
                parsed.keep_raw = False
                size = summary.size / 1048576
                parsed.problems.append(
                    f"邮件大小 {size:.0f} MB，超过 {MAX_MESSAGE_BYTES // 1048576} MB，未下载；请在邮箱中手动保存其附件"
                )
            source = {**base, "uidvalidity": box.uidvalidity, "uid": uid, "where": f"{settings.folder} UID {uid}"}
            collector.collect(raw, parsed, summary.received or parsed.date, source)
            if mark_seen:
                box.mark_seen(uid)
            finished += 1
            if on_progress:
                on_progress(finished, len(todo))


def _batches(uids: list[int], summaries: dict[int, Summary]) -> Iterator[list[int]]:
    """The UIDs in groups to fetch with one command: at most :data:`BATCH_MESSAGES` and about :data:`BATCH_BYTES`."""
    batch: list[int] = []
    size = 0
    for uid in uids:
        if batch and (len(batch) >= BATCH_MESSAGES or size + summaries[uid].size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(uid)
        size += min(summaries[uid].size, BATCH_BYTES)
    if batch:
        yield batch


def collect_files(
    paths: Sequence[Path],
    out: Path,
    since: date | None = None,
    on_progress: Progress | None = None,
) -> CollectRun:
    """Save the returns of every message in the ``.eml`` files, folders and mbox files ``paths`` not yet in the ledger.

    Messages are known by Message-ID (else the hash of the raw message), so
    the same message exported twice is read once.  A file that cannot be
    read is a trouble of the run; the other files are still read.
    """
    with Ledger(out) as ledger:
        collector = _Collector(out, ledger)
        run = collector.run
        files = list(message_files(paths))
        try:
            for number, item in enumerate(files, 1):
                if isinstance(item, FileTrouble):
                    run.troubles.append(f"{display_name(item.path)}：{item.reason}")
                else:
                    _collect_file(collector, item, since)
                if on_progress:
                    on_progress(number, len(files))
        except OutputError as exc:
            run.stopped = f"{exc}。已完成的邮件已记入回收记录，重新运行即可接着读取"
    return run


def _collect_file(collector: _Collector, path: Path, since: date | None) -> None:
    run, ledger = collector.run, collector.ledger
    for message in read_messages(path):
        if isinstance(message, FileTrouble):
            run.troubles.append(f"{display_name(message.path)}：{message.reason}")
            continue
        parsed = parse_message(message.raw)
        if parsed.message_id in ledger.message_ids:
            run.already += 1
            continue
        when = parsed.date or message.fallback_date
        if since and when and when.astimezone().date() < since:
            run.before_since += 1
            continue
        source: dict[str, Any] = {"source": "file", "path": display_name(message.path), "where": message.where}
        if message.index is not None:
            source["index"] = message.index
        collector.collect(message.raw, parsed, when, source)
