"""Collection: every returned form saved out of the office's mailbox (IMAP) or its exported mail files.

For a Python caller::

    from generator.collect import ImapSettings, collect_mailbox, collect_files, ledger_senders

    run = collect_mailbox(ImapSettings("imap.example.com", "hr@example.com"), Path("output/回收"))
    run = collect_files([Path("导出的邮件")], Path("output/回收"), since=date(2025, 7, 1))
    senders = ledger_senders(Path("output/回收"))  # saved file name → sender's address

Each return — PDF, Word (.doc .docx .docm .wps .rtf .odt), image (.jpg
.jpeg .png .tif .tiff .heic .bmp), and what zip archives hold of them — is
saved as ``<收件日期>-<发件人>-<原文件名>`` in the output folder, once per
content (SHA-256 over the whole folder, earlier runs included), and every
message gets one line in the ledger ``回收记录.jsonl``.  A re-run reads only
messages the ledger lacks; an interrupted run resumes without gaps or copies.
The mailbox is only read (EXAMINE, ``BODY.PEEK[]``) unless ``mark_seen``.

- :mod:`.settings`: the IMAP server and where its password comes from (an environment variable only);
- :mod:`.imap`: the mailbox, read-only; :mod:`.utf7`: folder names in IMAP's modified UTF-7;
- :mod:`.sources`: ``.eml`` files, folders of them, and mbox files;
- :mod:`.message`, :mod:`.headers`, :mod:`.charsets`: a raw message read into sender, date and
  attachments, with the charsets and encodings Chinese mail clients use;
- :mod:`.archives`: returns inside zip archives, within bounds (size, ratio, members, nesting);
- :mod:`.naming`: which attachments are returns, and their file names;
- :mod:`.store`, :mod:`.ledger`: the output folder (by hash) and the ledger;
- :mod:`.collecting`, :mod:`.results`: the run, and what it did.

May import: :mod:`generator.readers.files` (reading files safely, names as people read them) and the
shared modules at the top of :mod:`generator`.  Never a writer, a report, distribution or a command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.collect.collecting import collect_files, collect_mailbox
    from generator.collect.ledger import LEDGER_NAME, ledger_senders
    from generator.collect.results import CollectRun, Duplicate, MessageRecord, SavedFile
    from generator.collect.settings import DEFAULT_PASSWORD_ENV, ImapSettings

_EXPORTS = {
    "DEFAULT_PASSWORD_ENV": "generator.collect.settings",
    "LEDGER_NAME": "generator.collect.ledger",
    "CollectRun": "generator.collect.results",
    "Duplicate": "generator.collect.results",
    "ImapSettings": "generator.collect.settings",
    "MessageRecord": "generator.collect.results",
    "SavedFile": "generator.collect.results",
    "collect_files": "generator.collect.collecting",
    "collect_mailbox": "generator.collect.collecting",
    "ledger_senders": "generator.collect.ledger",
}
"""Each name, imported on first use: reading the ledger (``read --roster``) loads no IMAP or MIME code."""

__all__ = [
    "DEFAULT_PASSWORD_ENV",
    "LEDGER_NAME",
    "CollectRun",
    "Duplicate",
    "ImapSettings",
    "MessageRecord",
    "SavedFile",
    "collect_files",
    "collect_mailbox",
    "ledger_senders",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
