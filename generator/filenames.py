"""Safe, recognisable, unique file names made from roster values.

A roster value may hold anything: ``../``, slashes of both kinds, control
characters, a Windows device name (CON, NUL, COM1 …), trailing dots or
spaces that Windows drops, or a name long enough to break the file system.
:func:`safe_component` turns any text into one harmless path component;
:func:`unique_stems` gives every applicant a distinct file name, adding the
unit and then a number where two would collide on a case-insensitive disk;
:func:`inside` is the last guard that a name stays in its folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from generator.errors import UserError

FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
BLANKS = re.compile(r"\s+")
RESERVED = re.compile(r"(?:con|prn|aux|nul|conin\$|conout\$|(?:com|lpt)[0-9¹²³])", re.IGNORECASE)
MAX_STEM_BYTES = 150
FALLBACK = "未命名"


def _replace_unsafe(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or FORBIDDEN.match(char):
        return "_"
    return char


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``max_bytes``."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def safe_component(text: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """``text`` as one path component that is valid and harmless on Linux, macOS and Windows."""
    cleaned = "".join(_replace_unsafe(c) for c in unicodedata.normalize("NFC", text))
    cleaned = BLANKS.sub(" ", cleaned).strip(" .")
    cleaned = truncate_utf8(cleaned, max_bytes).rstrip(" .")
    if not cleaned or set(cleaned) <= {"_", "-"}:
        return FALLBACK
    if RESERVED.fullmatch(cleaned.split(".")[0].rstrip(" ")):
        return f"_{cleaned}"
    return cleaned


def fold(stem: str) -> str:
    """How a case-insensitive file system compares names."""
    return unicodedata.normalize("NFC", stem).casefold()


def unique_stems(candidates: Sequence[tuple[str, str]]) -> list[str]:
    """Distinct safe stems for (plain, detailed) name pairs, in order.

    A stem is the plain name when nobody else's plain name folds to the
    same; otherwise the detailed name (e.g. with the unit); and when even
    that collides, a number ``-2``, ``-3`` … is added.
    """
    plain = [safe_component(p) for p, _ in candidates]
    plain_count = Counter(fold(p) for p in plain)
    chosen = [
        p if plain_count[fold(p)] == 1 else safe_component(detailed)
        for p, (_, detailed) in zip(plain, candidates, strict=True)
    ]
    taken: set[str] = set()
    stems: list[str] = []
    for stem in chosen:
        unique, number = stem, 1
        while fold(unique) in taken:
            number += 1
            unique = f"{truncate_utf8(stem, MAX_STEM_BYTES - 8).rstrip(' .')}-{number}"
        taken.add(fold(unique))
        stems.append(unique)
    return stems


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would leave ``folder``."""
    path = folder / name
    if Path(name).name != name or path.resolve().parent != folder.resolve():
        raise UserError(f"文件名“{name}”不安全：会写到输出目录 {folder} 之外")
    return path
