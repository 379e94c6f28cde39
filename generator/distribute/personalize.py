"""Personalised forms: each roster row's copy of the fillable PDF (and of the Word form) with its header
blanks pre-filled and its roster key recorded.

The PDF side — a template per rubric, filled by an incremental update with
embedded appearances — is :mod:`generator.writers.pdf.prefill`; the Word
side writes the form with its header controls filled and the roster key in
its document properties.  Here the roster meets them: one font subset for
every value in the roster, a unique, safe file name per applicant, the files
written while the next is filled, and a warning for every character the
font cannot draw.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.distribute.plain_text import quoted
from generator.distribute.roster import Applicant
from generator.filenames import inside, safe_component, unique_stems
from generator.layout.form import FormLayout, build_layout
from generator.layout.pagecode import page_codes
from generator.writers.docx.writer import render_docx
from generator.writers.pdf.fonts import FontSettings, subset_font_file
from generator.writers.pdf.glyphs import GlyphSource
from generator.writers.pdf.prefill import fill, prepare_template

WRITER_THREADS = 4
FORMATS = ("pdf", "docx")
"""The formats a personalised form can be written in, as ``--format`` names them."""


def applicant_stems(applicants: Sequence[Applicant]) -> list[str]:
    """File stems for applicants: ``服务明星-张伟``; with the unit (or another value, then a number) when names repeat.

    The unit comes from the blank whose role is ``unit``.
    """
    pairs = []
    for applicant in applicants:
        plain = f"{applicant.rubric.name}-{safe_component(applicant.name)}"
        others = (value for header_id, value in applicant.values if header_id != applicant.rubric.name_field.id)
        detail = applicant.unit or next((value for value in others if value), "")
        pairs.append((plain, f"{plain}-{safe_component(detail)}" if detail else plain))
    return unique_stems(pairs)


def missing_glyphs(applicant: Applicant, glyphs: GlyphSource) -> str:
    """Characters of the applicant's values the font cannot draw (shown as boxes on the form)."""
    text = "".join(value for _, value in applicant.values)
    return "".join(dict.fromkeys(ch for ch, g in zip(text, glyphs.glyph_ids(text), strict=True) if not g))


def missing_glyph_warning(applicant: Applicant, glyphs: GlyphSource) -> str | None:
    """A warning naming the row and the characters its form shows as boxes, if there are any."""
    lacking = missing_glyphs(applicant, glyphs)
    if not lacking:
        return None
    return f"{applicant.where}：字体中没有“{quoted(lacking)}”，PDF 中这些字显示为方框，请核对"


def caption_text(layout: FormLayout) -> str:
    """Every character a personalised copy's page codes print (a roster key is hexadecimal)."""
    return "".join(line for code in page_codes(layout, "P", "0123456789abcdef") for line in code.caption())


class Personalizer:
    """Templates and the value font for one roster, made once; then a PDF per applicant on demand."""

    def __init__(
        self, applicants: Iterable[Applicant], fonts: FontSettings | None = None, formats: Sequence[str] = ("pdf",)
    ) -> None:
        self.applicants = list(applicants)
        self.formats = tuple(f for f in FORMATS if f in formats)
        self.fonts = fonts or FontSettings.from_env()
        rubrics = {a.rubric.id: a.rubric for a in self.applicants}
        self.templates = {rid: prepare_template(rubric, self.fonts) for rid, rubric in rubrics.items()}
        self.layouts = {rid: build_layout(rubric) for rid, rubric in rubrics.items()}
        text = "".join(value for applicant in self.applicants for _, value in applicant.values)
        text += "".join(caption_text(layout) for layout in self.layouts.values())
        self.glyphs = GlyphSource(subset_font_file(text, "body", self.fonts).read_bytes())
        self.stems = dict(zip((a.key for a in self.applicants), applicant_stems(self.applicants), strict=True))

    def stem(self, applicant: Applicant) -> str:
        """The applicant's file name without suffix, unique within the roster: ``服务明星-张伟``."""
        return self.stems[applicant.key]

    def file_name(self, applicant: Applicant) -> str:
        return f"{self.stem(applicant)}.pdf"

    def pdf(self, applicant: Applicant) -> bytes:
        return fill(self.templates[applicant.rubric.id], applicant.values, applicant.roster_key, self.glyphs)

    def docx(self, applicant: Applicant) -> bytes:
        return render_docx(self.layouts[applicant.rubric.id], applicant.values, applicant.roster_key)

    def files(self, applicant: Applicant) -> list[tuple[str, bytes]]:
        """The applicant's personalised files in the chosen formats: (file name, bytes)."""
        makers = {"pdf": self.pdf, "docx": self.docx}
        return [(f"{self.stem(applicant)}.{kind}", makers[kind](applicant)) for kind in self.formats]

    def write_all(self, applicants: Iterable[Applicant], out_dir: Path) -> Iterator[tuple[Applicant, Path]]:
        """Write each applicant's files into ``out_dir`` (atomically), yielding them in order as they are done.

        Filling runs in this thread while a few writer threads wait on the disk (fsync).
        """
        with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
            pending: deque[tuple[Applicant, Future[None], Path]] = deque()
            for applicant in applicants:
                for name, data in self.files(applicant):
                    path = inside(out_dir, name)
                    pending.append((applicant, pool.submit(write_bytes_atomic, path, data), path))
                while pending and (pending[0][1].done() or len(pending) > 2 * WRITER_THREADS):
                    done, future, written = pending.popleft()
                    future.result()
                    yield done, written
            for done, future, written in pending:
                future.result()
                yield done, written


@dataclass(frozen=True, slots=True)
class PersonalizeRun:
    """What :func:`personalize` wrote, and the warnings about characters the font lacks."""

    written: list[Path]
    warnings: list[str]


def personalize(
    applicants: Sequence[Applicant],
    out_dir: Path,
    fonts: FontSettings | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    formats: Sequence[str] = ("pdf",),
) -> PersonalizeRun:
    """Write each applicant's pre-filled forms (``formats``: ``pdf``, ``docx``) into ``out_dir``;
    ``on_progress(done, total)`` after each file."""
    if not applicants:
        return PersonalizeRun([], [])
    personalizer = Personalizer(applicants, fonts, formats)
    written: list[Path] = []
    warnings: list[str] = []
    total = len(applicants) * len(personalizer.formats)
    for applicant, path in personalizer.write_all(applicants, out_dir):
        written.append(path)
        warning = missing_glyph_warning(applicant, personalizer.glyphs)
        if warning and warning not in warnings:
            warnings.append(warning)
        if on_progress:
            on_progress(len(written), total)
    return PersonalizeRun(written, warnings)
