"""Embeddable Chinese fonts for the PDF forms: choose, subset, convert, cache, register.

reportlab embeds TrueType (``glyf``) outlines only, while the bundled fonts of
``pylopdf-fonts-zh-cn`` (Noto Serif SC, for the body and, in faux bold, the
title: no pip package ships a bold Simplified Chinese serif) are CFF-based
OpenType.  So for each text to draw, the font is cut down
with fontTools to the glyphs that text uses, its cubic CFF outlines are
converted to quadratic TrueType outlines (the ``otf2ttf`` approach, cu2qu),
and the small result is cached on disk, keyed by the font file's hash, the
character set and the fontTools version.  A user's own font file (``.ttf``,
``.otf``, ``.ttc``; the first face of a collection) replaces a bundled one.
System fonts are never looked at.

Public API (also used outside the PDF writer):

``FontSettings(body: Path | None = None, title: Path | None = None)``
    The user's font choice; ``None`` means the bundled font.
    ``FontSettings.from_env()`` reads ``RUBRIC_FORMS_FONT`` / ``RUBRIC_FORMS_TITLE_FONT``.

``subset_font_file(text: str, role: FontRole = "body", settings: FontSettings | None = None) -> Path``
    A cached TrueType file (glyf outlines, ``cmap`` for every character of
    ``text`` the font has) ready to embed, e.g. with reportlab's ``TTFont``.

``subset_font_bytes(text: str, role: FontRole = "body", settings: FontSettings | None = None) -> bytes``
    The same font's bytes, e.g. to embed as ``/FontFile2`` in an appearance stream.

``register_font(text: str, role: FontRole, settings: FontSettings | None = None) -> str``
    Registers the subset with reportlab and returns the font name to draw with.

Problems with a font file raise :class:`FontError` (a ``UserError``, Chinese message).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.errors import UserError
from generator.layout.form import FontRole

CACHE_ENV = "RUBRIC_FORMS_CACHE"
BODY_FONT_ENV = "RUBRIC_FORMS_FONT"
TITLE_FONT_ENV = "RUBRIC_FORMS_TITLE_FONT"
# Bump when the subsetting or conversion below changes, so old cache entries are not reused.
CONVERSION_VERSION = "1"


class FontError(UserError):
    """A font file cannot be used."""


@dataclass(frozen=True, slots=True)
class FontSettings:
    """Which font files to use; ``None`` means the bundled Noto font of that role."""

    body: Path | None = None
    title: Path | None = None

    @classmethod
    def from_env(cls) -> FontSettings:
        body, title = os.environ.get(BODY_FONT_ENV), os.environ.get(TITLE_FONT_ENV)
        return cls(Path(body) if body else None, Path(title) if title else None)

    def path_for(self, role: FontRole) -> Path:
        """The font file for a role: the user's, else the bundled serif."""
        chosen = self.body if role == "body" else self.title
        return chosen if chosen is not None else bundled_font()


def bundled_font() -> Path:
    """The bundled face: Noto Serif SC, for the body and the (emboldened) title alike."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.serif_path())


def cache_dir() -> Path:
    """The user cache folder for converted font subsets."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rubric-forms" / "fonts"


@cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def font_digest(path: Path) -> str:
    """SHA-256 of a font file (memoised per path, size and modification time)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FontError(f"找不到字体文件 {path}，请检查路径") from None
    except OSError as exc:
        raise FontError(f"无法访问字体文件 {path}（{exc.strerror or exc}）") from None
    if not path.is_file():
        raise FontError(f"字体文件 {path} 不是文件")
    return _file_digest(path.resolve(), stat.st_size, stat.st_mtime_ns)


def _chars(text: str) -> str:
    """The distinct characters of ``text`` but control characters, sorted (the cache key's glyph set)."""
    return "".join(sorted({ch for ch in text if unicodedata.category(ch) != "Cc"} | {" "}))


def _cache_key(font_hash: str, chars: str) -> str:
    import fontTools

    key = "\n".join((font_hash, chars, fontTools.version, CONVERSION_VERSION))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def subset_font_file(text: str, role: FontRole = "body", settings: FontSettings | None = None) -> Path:
    """A cached embeddable TrueType subset of the role's font covering the characters of ``text``."""
    path = (settings or FontSettings()).path_for(role)
    chars = _chars(text)
    target = cache_dir() / f"{path.stem}-{_cache_key(font_digest(path), chars)}.ttf"
    if not target.is_file():
        from generator.writers.pdf.subset import make_truetype_subset

        try:
            data = make_truetype_subset(path, chars)
        except Exception as exc:  # fontTools raises many kinds for a broken file
            raise FontError(f"无法读取字体文件 {path}：不是有效的 TrueType/OpenType 字体（{exc}）") from None
        try:
            write_bytes_atomic(target, data)
        except OSError:  # an unwritable cache folder must not stop the build
            target = Path(tempfile.gettempdir()) / "rubric-forms-fonts" / target.name
            write_bytes_atomic(target, data)
    return target


def subset_font_bytes(text: str, role: FontRole = "body", settings: FontSettings | None = None) -> bytes:
    """The bytes of :func:`subset_font_file`."""
    return subset_font_file(text, role, settings).read_bytes()


def register_font(text: str, role: FontRole, settings: FontSettings | None = None) -> str:
    """Register the subset for ``text`` with reportlab; return its font name.

    reportlab treats fonts with the same PostScript name as one font, so each
    subset's face gets its own name: the font's name plus the subset's key.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    font_file = subset_font_file(text, role, settings)
    key = font_file.stem[-8:]
    name = f"{role}-{key}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    source = (settings or FontSettings()).path_for(role)
    try:
        font = TTFont(name, BytesIO(font_file.read_bytes()))
    except TTFError as exc:
        raise FontError(f"字体文件 {source} 无法嵌入 PDF：{exc}") from None
    lacking = [ch for ch in _chars(text) if ch != " " and ord(ch) not in font.face.charToGlyph]
    if lacking:
        raise FontError(f"字体文件 {source} 缺少这些字符：{''.join(lacking[:40])}")
    font.face.name = font.face.name + b"-" + key.encode("ascii")
    pdfmetrics.registerFont(font)
    return name
