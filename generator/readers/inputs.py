"""The files a ``read`` run covers: files named, and every file in folders named, searched recursively.

Every regular file found in a folder is taken, whatever its extension, so a
returned form saved without ``.pdf`` (or a Word file sent by mistake) shows
up in the output instead of being silently skipped.  Hidden files and
folders (``.name``) and the run's own output folder are left out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from generator.errors import UsageError


class InputError(UsageError):
    """The paths given cannot be used: a usage error."""


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _folder_files(folder: Path, skip: Path | None) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d) and (skip is None or (here / d).resolve() != skip))
        found += [here / name for name in sorted(files) if not _is_hidden(name) and (here / name).is_file()]
    return found


def collect_inputs(paths: Sequence[Path], skip: Path | None = None) -> list[tuple[Path, str]]:
    """``(path, source)`` for every input file, each file once, in the order given.

    ``skip`` is a folder not to search (the output folder).  Raises
    :class:`InputError` for a path that does not exist or when no file is found.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"找不到以下文件或文件夹：{'、'.join(missing)}")
    skip = skip.resolve() if skip is not None else None
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        for file in _folder_files(path, skip) if path.is_dir() else [path]:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append((file, str(file)))
    if not found:
        raise InputError(f"在 {'、'.join(str(p) for p in paths)} 中没有找到任何文件。")
    return found
