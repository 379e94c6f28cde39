"""The files a ``read`` run covers: files named, and every file in folders named, searched recursively.

Every entry found in a folder is taken, whatever its extension or kind, so a
returned form saved without ``.pdf`` (or a Word file sent by mistake) shows
up in the output instead of being silently skipped.  Entries that are not
regular files — a named pipe, socket or device, a symbolic link that is
broken or loops, a link to a folder (not followed, so a search never loops
or wanders off), a folder that cannot be listed — are taken too: reading
them yields one problem each (see :mod:`generator.readers.files`), and none
of them is ever opened.  Hidden files and folders (``.name``) and the run's
own output folder are left out.

Each file's ``source`` (how outputs name it) is its path as text that any
output can show, even when the name is not valid UTF-8
(:func:`~generator.readers.files.display_name`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from generator.errors import UsageError
from generator.readers.files import display_name


class InputError(UsageError):
    """The paths given cannot be used: a usage error."""


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _folder_entries(folder: Path, skip: str | None) -> list[Path]:
    """Every non-hidden entry under ``folder`` that is not a folder searched in turn, in walk order.

    Links to folders are listed rather than followed; a folder that cannot
    be listed is listed itself (reading it says why).
    """
    found: list[Path] = []
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=unlisted.append):
        here = Path(root)
        searched = [d for d in dirs if not _is_hidden(d) and (skip is None or os.path.realpath(here / d) != skip)]
        linked = [d for d in searched if os.path.islink(here / d)]
        dirs[:] = sorted(d for d in searched if d not in linked)
        found += [here / name for name in sorted(linked + files) if not _is_hidden(name)]
    found += [Path(error.filename) for error in unlisted if error.filename is not None]
    return found


def _identity(path: Path) -> str:
    """What makes two entries the same input: the file a link leads to, else the entry itself."""
    return os.path.realpath(path) if os.path.isfile(path) else os.path.abspath(path)


def collect_inputs(paths: Sequence[Path], skip: Path | None = None) -> list[tuple[Path, str]]:
    """``(path, source)`` for every input file, each file once, in the order given.

    ``skip`` is a folder not to search (the output folder).  Raises
    :class:`InputError` for a path that does not exist or when no file is
    found.  A path that exists but is no regular file (a pipe, a broken
    link) is kept: reading it reports what it is.
    """
    missing = [display_name(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise InputError(f"找不到以下文件或文件夹：{'、'.join(missing)}")
    skipped = os.path.realpath(skip) if skip is not None else None
    found: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for path in paths:
        for file in _folder_entries(path, skipped) if path.is_dir() else [path]:
            key = _identity(file)
            if key not in seen:
                seen.add(key)
                found.append((file, display_name(file)))
    if not found:
        raise InputError(f"在 {'、'.join(display_name(p) for p in paths)} 中没有找到任何文件。")
    return found
