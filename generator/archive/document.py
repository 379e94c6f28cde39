"""One rubric's archive as one reportlab canvas, its text in one embedded font subset.

The subset is cut (:func:`generator.writers.pdf.writer.register_fonts`) for
every character the archive will draw, collected before drawing starts, so
each glyph is embedded once per archive however many pages use it.  reportlab
embeds the subset's glyphs as TrueType subsets of up to 256 glyphs each, with
ToUnicode maps, so all text extracts.  Every archive text goes through
:meth:`ArchiveCanvas.text`.  A character someone typed that the font does not
have (an emoji, a control character, a rare ideograph a user's font lacks) is
drawn as :data:`TOFU`, as a word processor shows it; any other character
outside the subset is a programming error (a text not collected before
drawing), raised when the document is finished.

Pages are A4 portrait with the forms' 20 mm margins; the margins carry the
archive's running heads (:meth:`ArchiveCanvas.band`): which archive and
application a page belongs to at the top, the source and the page label at
the foot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import cast

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from generator.layout.linebreak import wrap
from generator.writers.pdf.fonts import FontSettings
from generator.writers.pdf.writer import register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CONTENT_TOP = PAGE_HEIGHT - MARGIN
CONTENT_BOTTOM = MARGIN
LINE_SPACING = 1.25
FAUX_BOLD_EM = 0.03
GREY = 0.35
BAND_SIZE = 8.5
SUMMARY_SIZE = 9.0
BAND_TOP_BASELINE = PAGE_HEIGHT - 10 * mm
SUMMARY_BASELINE = PAGE_HEIGHT - 15 * mm
FOOT_BASELINE = 10 * mm
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
"""Always in the subset: page labels, numbers, file names."""
TOFU = "□"
"""Drawn for a character the font has no glyph for."""
WHITESPACE = "\t\n\r\x0b\x0c\u2028\u2029"
"""Drawn as a space on a line (line breaks are the wrapping's)."""

ROMAN: tuple[tuple[int, str], ...] = (
    *((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")),
    *((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")),
)


def roman(number: int) -> str:
    """Lower-case roman numerals, as PDF viewers show the /r page label style."""
    out = ""
    for value, letters in ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


@dataclass(frozen=True, slots=True)
class Band:
    """A page's running heads: the archive's name, a line about the application, the source, the page label."""

    archive: str
    place: str = ""
    summary: str = ""
    source: str = ""


@cache
def coverage(path: Path) -> frozenset[str]:
    """The characters a font file has glyphs for (the first face of a collection)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:
        return frozenset(chr(code) for code in font.getBestCmap() or {})


def open_canvas(body_text: str, title_text: str, settings: FontSettings) -> ArchiveCanvas:
    """A canvas whose body font is a subset for every character of ``body_text`` that the font has
    (the others are drawn as :data:`TOFU`), and whose title font covers ``title_text``."""
    try:
        covered: frozenset[str] | None = coverage(settings.path_for("body"))
    except Exception:  # an unreadable font file: register_fonts says why, in Chinese
        covered = None
    body_chars = set(body_text) - set(WHITESPACE)
    lacking = frozenset(body_chars - covered) if covered is not None else frozenset()
    kept = "".join(sorted(body_chars - lacking)) + (TOFU if covered is None or TOFU in covered else "")
    body, title = register_fonts(kept, title_text, settings)
    chars = {body: set(kept), title: set(title_text)}
    if body == title:
        chars[body] = set(kept) | set(title_text)
    return ArchiveCanvas(body, title, chars, lacking)


class ArchiveCanvas:
    """The canvas of one archive, with the drawing helpers every part of it uses.

    ``chars`` are the characters each font's subset holds; ``lacking`` the characters of the archive's
    text that the body font has no glyph for.
    """

    def __init__(
        self, body_font: str, title_font: str, chars: dict[str, set[str]], lacking: frozenset[str] = frozenset()
    ) -> None:
        self.body, self.title = body_font, title_font
        self.chars, self.lacking = chars, lacking
        self.missing: set[str] = set()
        self.buffer = BytesIO()
        rl_config.useA85 = 0  # binary (Flate only) streams, as the forms
        # types-reportlab types initialFontName as a float; reportlab takes a font name.
        self.canvas = Canvas(
            self.buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=cast(float, body_font)
        )

    # -- pages, labels, bookmarks -------------------------------------------------------------

    @property
    def page(self) -> int:
        """The 0-based index of the page being drawn."""
        return self.canvas.getPageNumber() - 1

    def end_page(self) -> None:
        self.canvas.showPage()

    def label_pages(self, style: str, prefix: str = "") -> None:
        """Pages from here on are labelled ``prefix`` + 1, 2, 3 … in ``style`` (:data:`ARABIC`, :data:`ROMAN_LOWER`)."""
        self.canvas.addPageLabel(self.page, style, 1, prefix or None)

    def bookmark(self, key: str, title: str, level: int, closed: bool = False) -> None:
        """A destination at the top of this page, and an outline entry for it."""
        self.canvas.bookmarkPage(key, fit="XYZ", top=PAGE_HEIGHT, left=0, zoom=0)
        self.canvas.addOutlineEntry(title, key, level, closed=closed or None)

    def link(self, key: str, rect: tuple[float, float, float, float]) -> None:
        """A borderless link from ``rect`` (x0, y0, x1, y1) to the destination ``key``."""
        self.canvas.linkAbsolute("", key, Rect=rect, thickness=0)

    def save(self) -> bytes:
        if self.missing:
            raise RuntimeError(f"archive text outside its font subset: {''.join(sorted(self.missing))!r}")
        self.canvas.save()
        return self.buffer.getvalue()

    # -- text -------------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """``text`` as it can be drawn: white space as a space, a character the font lacks as :data:`TOFU`."""
        if not self.lacking and not any(ch in WHITESPACE for ch in text):
            return text
        return "".join(" " if ch in WHITESPACE else TOFU if ch in self.lacking else ch for ch in text)

    def width(self, text: str, size: float, font: str | None = None) -> float:
        return stringWidth(self.clean(text), font or self.body, size)

    def wrap(self, text: str, width: float, size: float, font: str | None = None) -> list[str]:
        """``text`` broken into lines no wider than ``width`` points (Chinese line-breaking rules); its own
        line breaks kept."""
        paragraphs = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = wrap(paragraphs, width, lambda line: self.width(line, size, font))
        return [self.clean(line) for line in lines]

    def text(
        self,
        x: float,
        baseline: float,
        line: str,
        size: float,
        align: str = "left",
        font: str | None = None,
        fit: float = 0.0,
        bold: bool = False,
        grey: float = 0.0,
    ) -> float:
        """Draw one line on ``baseline``; narrowed to ``fit`` points when wider.  Returns its width."""
        font = font or self.body
        line = self.clean(line)
        known = self.chars.get(font, set())
        self.missing.update(ch for ch in line if ch not in known)
        canvas = self.canvas
        obj = canvas.beginText()
        obj.setFont(font, size)
        width = self.width(line, size, font)
        if fit and width > fit:
            obj.setHorizScale(100 * fit / width)
            width = fit
        start = {"left": x, "center": x - width / 2, "right": x - width}[align]
        canvas.saveState()
        if grey:
            canvas.setFillGray(grey)
        if bold:
            obj.setTextRenderMode(2)
            canvas.setLineWidth(FAUX_BOLD_EM * size)
            canvas.setStrokeGray(grey)
        obj.setTextOrigin(start, baseline)
        obj.textOut(line)
        canvas.drawText(obj)
        canvas.restoreState()
        return width

    def paragraph(
        self, x: float, top: float, text: str, width: float, size: float, grey: float = 0.0, bold: bool = False
    ) -> float:
        """Draw ``text`` wrapped to ``width`` with its first line box at ``top``; returns the y below it."""
        leading = size * LINE_SPACING
        for line in self.wrap(text, width, size):
            self.text(x, top - leading + (leading - size) / 2 + 0.12 * size, line, size, grey=grey, bold=bold)
            top -= leading
        return top

    def band(self, band: Band, label: str) -> None:
        """The running heads: archive and place at the top, the application's summary under them, and
        the source and the page label at the foot."""
        left, right = MARGIN, PAGE_WIDTH - MARGIN
        self.text(left, BAND_TOP_BASELINE, band.archive, BAND_SIZE, grey=GREY)
        if band.place:
            self.text(right, BAND_TOP_BASELINE, band.place, BAND_SIZE, "right", grey=GREY)
        if band.summary:
            self.text(left, SUMMARY_BASELINE, band.summary, SUMMARY_SIZE, fit=CONTENT_WIDTH, bold=True)
        label_width = self.text(right, FOOT_BASELINE, label, SUMMARY_SIZE, "right")
        if band.source:
            fit = CONTENT_WIDTH - label_width - 6 * mm
            self.text(left, FOOT_BASELINE, band.source, BAND_SIZE, fit=fit, grey=GREY)
        canvas = self.canvas
        canvas.saveState()
        canvas.setStrokeGray(0.7)
        canvas.setLineWidth(0.4)
        rule = SUMMARY_BASELINE - 1.8 * mm if band.summary else BAND_TOP_BASELINE - 1.8 * mm
        canvas.line(left, rule, right, rule)
        canvas.line(left, FOOT_BASELINE + 4.2 * mm, right, FOOT_BASELINE + 4.2 * mm)
        canvas.restoreState()


ARABIC = "ARABIC"
ROMAN_LOWER = "ROMAN_LOWER"
"""Page label styles, by the names reportlab's PDFPageLabel takes."""
