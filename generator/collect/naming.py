"""Which attachments can be returns, and the file name each gets in the output folder.

A saved file is named ``<收件日期 YYYYMMDD>-<发件人>-<原文件名>``; a file taken
out of a zip archive ``<日期>-<发件人>-<压缩包名>-<文件名>`` (one archive name
per level).  Every part is made one harmless path component: only the last
segment of a name that holds slashes or backslashes is kept, control
characters become ``_``, and the whole stays within a length every file
system accepts, with the extension kept.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from generator.filenames import MAX_STEM_BYTES, safe_component, truncate_utf8

RETURN_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".docm", ".wps", ".rtf", ".odt"}
    | {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".bmp"}
)
ZIP_EXTENSIONS = frozenset({".zip"})
UNOPENED_ARCHIVES = frozenset({".rar", ".7z"})
"""Archives that may hold returns but cannot be opened here: saved as they are, and reported."""
TYPE_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/x-pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-word.document.macroenabled.12": ".docm",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf",
    "text/rtf": ".rtf",
    "application/vnd.ms-works": ".wps",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "image/bmp": ".bmp",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
}
SENDER_BYTES = 60
UNSAFE_PATH = re.compile(r"(^|[\\/])\.\.($|[\\/])|^[\\/]|^[A-Za-z]:")
UNKNOWN_SENDER = "未知发件人"


def extension(name: str) -> str:
    """The name's extension in lower case, with the dot (``""`` when it has none)."""
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem and ext and "/" not in ext and "\\" not in ext else ""


def base_name(name: str) -> str:
    """The last segment of a name that may hold a path (either kind of slash); ``""`` when there is none."""
    segments = [s for s in re.split(r"[\\/]", name) if s.strip() not in ("", ".", "..")]
    return segments[-1].strip() if segments else ""


def has_unsafe_path(name: str) -> bool:
    """Whether a name climbs out of its folder (``..``) or is absolute (``/x``, ``\\x``, ``C:``)."""
    return bool(UNSAFE_PATH.search(name))


def has_control(name: str) -> bool:
    """Whether a name holds control or formatting characters (a line break, a right-to-left override …)."""
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in name)


def date_stamp(when: datetime | None) -> str:
    """The local date as ``YYYYMMDD`` (``00000000`` when unknown)."""
    if when is None:
        return "00000000"
    try:
        return when.astimezone().strftime("%Y%m%d")
    except (ValueError, OverflowError, OSError):
        return when.strftime("%Y%m%d")


def sender_part(address: str, name: str) -> str:
    """The sender as a file-name part: the display name, else the address."""
    return safe_component(name or address or UNKNOWN_SENDER, SENDER_BYTES)


def split_extension(name: str) -> tuple[str, str]:
    """(stem, extension as written) of a file name."""
    ext = extension(name)
    return (name[: -len(ext)], name[-len(ext) :]) if ext else (name, "")


def output_name(date: str, sender: str, chain: list[str]) -> str:
    """``date-sender-a-b-name.ext`` for the name chain ``[archive, …, file name]``, safe and length-bounded.

    Archive names lose their extension; the file keeps its own, as written.
    """
    *archives, last = chain
    stem, suffix = split_extension(last)
    parts = [safe_component(split_extension(archive)[0]) for archive in archives]
    parts.append(safe_component(stem))
    joined = "-".join([date, sender, *parts])
    return safe_component(truncate_utf8(joined, MAX_STEM_BYTES - len(suffix.encode("utf-8")))) + suffix
