"""Personalised forms: each applicant's copy of the fillable PDF with the header blanks pre-filled.

Each rubric's form is written once, in memory, by the real PDF writer
(:func:`generator.writers.pdf.writer.render_pdf`): the template.  A form is then the
template's bytes plus an incremental update (:mod:`generator.writers.pdf.update`)
that gives each header field its value (/V, still editable) and an appearance
stream drawn in a small embedded subset of the body font holding exactly the
glyphs of that form's values — so the values show and print in every viewer,
with no system font and no redrawing by the viewer.  Nothing is laid out
again per form.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.distribute.roster import Applicant
from generator.filenames import inside, safe_component, unique_stems
from generator.layout.form import build_layout
from generator.model.fields import applicant_field
from generator.model.rubric import Rubric
from generator.writers.pdf.appearance import BoxStyle, appearance_stream, font_objects
from generator.writers.pdf.fonts import FontSettings, subset_font_file
from generator.writers.pdf.glyphs import GlyphSource
from generator.writers.pdf.update import BaseTrailer, UnsupportedBase, append_update, base_trailer

DA_SIZE = re.compile(r"([\d.]+)\s+Tf")
DA_COLOR = re.compile(r"Tf\s+(.*)$")
FONT_OBJECTS = 5
WRITER_THREADS = 4


@dataclass(frozen=True, slots=True)
class TemplateBlank:
    """One header field of the template: its object, its dictionary without /V and /AP, its box."""

    number: int
    body: bytes
    style: BoxStyle


@dataclass(frozen=True, slots=True)
class FormTemplate:
    rubric: Rubric
    data: bytes
    trailer: BaseTrailer
    blanks: dict[str, TemplateBlank]


def prepare_template(rubric: Rubric, fonts: FontSettings | None = None) -> FormTemplate:
    """Write the rubric's blank form once with the PDF writer and note where its header fields are."""
    from pypdf import PdfReader

    from generator.writers.pdf.writer import render_pdf

    data = render_pdf(build_layout(rubric), fonts)
    reader = PdfReader(BytesIO(data))
    fields = {str(ref.get_object()["/T"]): ref for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]}
    blanks = {h.id: _blank(fields[applicant_field(rubric, h).name]) for h in rubric.applicant_fields}
    trailer = reader.trailer
    info = trailer.raw_get("/Info") if "/Info" in trailer else None
    trailer_info = base_trailer(
        data,
        size=int(trailer["/Size"]),
        root=f"{trailer.raw_get('/Root').idnum} 0 R",
        info=f"{info.idnum} 0 R" if info is not None else None,
        first_id=_id_bytes(trailer["/ID"][0]),
    )
    return FormTemplate(rubric, data, trailer_info, blanks)


def _id_bytes(value: object) -> bytes:
    return bytes(getattr(value, "original_bytes", value))  # type: ignore[call-overload]


def _blank(ref: object) -> TemplateBlank:
    """A merged field-and-widget dictionary, ready to be rewritten with a value."""
    from pypdf.generic import DictionaryObject

    field = ref.get_object()  # type: ignore[attr-defined]
    if "/Kids" in field or ref.generation != 0:  # type: ignore[attr-defined]
        raise UnsupportedBase(f"field {field['/T']} is not a merged field and widget of generation 0")
    out = BytesIO()
    DictionaryObject({k: v for k, v in field.items() if k not in ("/V", "/AP")}).write_to_stream(out)
    body = out.getvalue().rstrip()
    x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
    da = str(field.get("/DA", "/STSong 10.5 Tf 0 g"))
    size = DA_SIZE.search(da)
    color = DA_COLOR.search(da)
    style = BoxStyle(
        width=abs(x1 - x0),
        height=abs(y1 - y0),
        font_size=float(size[1]) if size else 0.0,
        color=color[1].strip() if color else "0 g",
        align=int(field.get("/Q", 0)),
    )
    return TemplateBlank(ref.idnum, body.removesuffix(b">>"), style)  # type: ignore[attr-defined]


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


def pdf_text_string(value: str) -> bytes:
    """A PDF text string in UTF-16BE with byte order mark, as a hex string."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def fill(template: FormTemplate, applicant: Applicant, glyphs: GlyphSource) -> bytes:
    """The applicant's personalised PDF: the template plus one incremental update."""
    filled = [(template.blanks[hid], value) for hid, value in applicant.values if value and hid in template.blanks]
    if not filled:
        return template.data
    runs = [glyphs.glyph_ids(value) for _, value in filled]
    chars = {g: ch for (_, value), run in zip(filled, runs, strict=True) for g, ch in zip(run, value, strict=True)}
    font_ref = template.trailer.size
    objects = font_objects(font_ref, glyphs, chars)
    for offset, ((blank, value), run) in enumerate(zip(filled, runs, strict=True)):
        ap_ref = font_ref + FONT_OBJECTS + offset
        objects[ap_ref] = appearance_stream(blank.style, run, glyphs, font_ref)
        objects[blank.number] = blank.body + b"/V " + pdf_text_string(value) + b"\n/AP << /N %d 0 R >>\n>>" % ap_ref
    second_id = hashlib.md5(template.trailer.first_id + applicant.key.encode("utf-8")).digest()
    return append_update(template.data, template.trailer, objects, second_id)


def missing_glyphs(applicant: Applicant, glyphs: GlyphSource) -> str:
    """Characters of the applicant's values the font cannot draw (shown as boxes on the form)."""
    text = "".join(value for _, value in applicant.values)
    return "".join(dict.fromkeys(ch for ch, g in zip(text, glyphs.glyph_ids(text), strict=True) if not g))


def missing_glyph_warning(applicant: Applicant, glyphs: GlyphSource) -> str | None:
    """A warning naming the row and the characters its form shows as boxes, if there are any."""
    lacking = missing_glyphs(applicant, glyphs)
    if not lacking:
        return None
    return f"第 {applicant.row} 行：字体中没有“{lacking}”，PDF 中这些字显示为方框，请核对"


class Personalizer:
    """Templates and the value font for one roster, made once; then a PDF per applicant on demand."""

    def __init__(self, applicants: Iterable[Applicant], fonts: FontSettings | None = None) -> None:
        self.applicants = list(applicants)
        self.fonts = fonts or FontSettings.from_env()
        rubrics = {a.rubric.id: a.rubric for a in self.applicants}
        self.templates = {rid: prepare_template(rubric, self.fonts) for rid, rubric in rubrics.items()}
        text = "".join(value for applicant in self.applicants for _, value in applicant.values)
        self.glyphs = GlyphSource(subset_font_file(text, "body", self.fonts).read_bytes())
        self.stems = dict(zip((a.key for a in self.applicants), applicant_stems(self.applicants), strict=True))

    def stem(self, applicant: Applicant) -> str:
        """The applicant's file name without suffix, unique within the roster: ``服务明星-张伟``."""
        return self.stems[applicant.key]

    def file_name(self, applicant: Applicant) -> str:
        return f"{self.stem(applicant)}.pdf"

    def pdf(self, applicant: Applicant) -> bytes:
        return fill(self.templates[applicant.rubric.id], applicant, self.glyphs)

    def write_all(self, applicants: Iterable[Applicant], out_dir: Path) -> Iterator[tuple[Applicant, Path]]:
        """Write each applicant's PDF into ``out_dir`` (atomically), yielding them in order as they are done.

        Filling runs in this thread while a few writer threads wait on the disk (fsync).
        """
        with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
            pending: deque[tuple[Applicant, Future[None], Path]] = deque()
            for applicant in applicants:
                path = inside(out_dir, self.file_name(applicant))
                pending.append((applicant, pool.submit(write_bytes_atomic, path, self.pdf(applicant)), path))
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
) -> PersonalizeRun:
    """Write each applicant's pre-filled PDF into ``out_dir``; ``on_progress(done, total)`` after each."""
    if not applicants:
        return PersonalizeRun([], [])
    personalizer = Personalizer(applicants, fonts)
    written: list[Path] = []
    warnings: list[str] = []
    for applicant, path in personalizer.write_all(applicants, out_dir):
        written.append(path)
        warning = missing_glyph_warning(applicant, personalizer.glyphs)
        if warning:
            warnings.append(warning)
        if on_progress:
            on_progress(len(written), len(applicants))
    return PersonalizeRun(written, warnings)
