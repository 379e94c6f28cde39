"""The output folder: every file in it known by name and, when needed, by SHA-256, so nothing is saved twice.

Files already there — from earlier runs, an interrupted run, or put there by
hand — count: a new attachment whose content is already in the folder is not
saved again.  Hashes are computed only for files whose size matches a new
attachment's, once each.  A name already taken (compared as a
case-insensitive file system compares them) gets ``-2``, ``-3`` … before its
extension.  Files are written atomically; temporary files an interrupted run
left behind (``.<name>.<random>.tmp``) are removed when the folder is opened.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from generator.atomic import output_error, write_bytes_atomic
from generator.collect.ledger import LEDGER_NAME, LOCK_SUFFIX
from generator.collect.naming import split_extension
from generator.filenames import MAX_STEM_BYTES, fold, inside, truncate_utf8

LEFTOVER_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
HASH_CHUNK = 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OutputFolder:
    """The files of ``out`` (its top level), indexed by folded name and by size; hashes computed lazily."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.taken: set[str] = set()
        self._by_size: dict[int, list[str]] = {}
        self._by_hash: dict[str, str] = {}
        own = {fold(LEDGER_NAME), fold(LEDGER_NAME + LOCK_SUFFIX)}
        try:
            entries = list(os.scandir(out))
        except OSError as exc:
            raise output_error(out, exc) from None
        for entry in entries:
            if LEFTOVER_TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)
                continue
            self.taken.add(fold(entry.name))
            if entry.name.startswith(".") or fold(entry.name) in own:
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    self._by_size.setdefault(entry.stat(follow_symlinks=False).st_size, []).append(entry.name)
            except OSError:
                continue

    def find(self, digest: str, size: int) -> str | None:
        """The name of a file in the folder with this content, if there is one."""
        if digest in self._by_hash:
            return self._by_hash[digest]
        pending = self._by_size.pop(size, [])
        for name in pending:
            try:
                found = _hash_file(self.out / name)
            except OSError:
                continue
            self._by_hash.setdefault(found, name)
        return self._by_hash.get(digest)

    def save(self, wanted: str, data: bytes, digest: str) -> str:
        """Write ``data`` under ``wanted`` or, when that name is taken, ``wanted-2`` …; return the name used."""
        name = self._free_name(wanted)
        write_bytes_atomic(inside(self.out, name), data)
        self.taken.add(fold(name))
        self._by_hash.setdefault(digest, name)
        return name

    def _free_name(self, wanted: str) -> str:
        if fold(wanted) not in self.taken:
            return wanted
        stem, suffix = split_extension(wanted)
        number = 1
        while True:
            number += 1
            tail = f"-{number}{suffix}"
            candidate = truncate_utf8(stem, MAX_STEM_BYTES - len(tail.encode("utf-8"))).rstrip(" .") + tail
            if fold(candidate) not in self.taken:
                return candidate


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
