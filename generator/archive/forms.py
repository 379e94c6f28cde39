"""Each application as a clean filled form: the real form layout, drawn by the PDF writer's own
:class:`~generator.writers.pdf.render.FormRenderer`, with the values read from the return drawn
into the fields' boxes instead of widgets — nothing left to fill, the same in every viewer.

Values are drawn as the fillable form shows them: header and footer blanks on
the line, left-aligned; scores and the total centred; the review date
right-aligned on a white ground (as its field covers the printed
``年　月　日``); the review opinion wrapped in its box.  A value too wide for
its box is set smaller (not below :data:`MIN_SIZE`), then narrowed.  Scores
are drawn as typed, so a value the reader refused is seen as the applicant
wrote it; the problem list says what was wrong.  The seal box notes how the
return was sealed (paper seal state, electronic signature), in grey.

The page's QR page code is left out: the archive is a record, not a form to
fill, and a printed archive page must never be taken for a paper return when
it is scanned again.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from generator.archive.document import ArchiveCanvas, Band
from generator.archive.entries import Entry
from generator.layout.form import FormLayout
from generator.model.fields import (
    header_field,
    organization_field,
    review_date_field,
    review_field,
    score_field,
    seal_field,
)
from generator.model.rubric import Rubric
from generator.readers.results import FormResult
from generator.writers.pdf.render import FormRenderer, Placement, Styles

PAD = 2.0
MIN_SIZE = 6.0
SEAL_NOTE_SIZE = 8.0
SEAL_GREY = 0.4
ALIGN = {"score": "center", "total": "center", "review_date": "right"}
ON_THE_LINE = frozenset({"applicant", "total", "organization"})
BLANK_BASELINE = 2.4
"""A blank's value sits on its rule as the label beside it does: this many points above the field's box."""


def seal_note(result: FormResult) -> str:
    """What the seal box says in the archive: the paper seal seen on the scan, the electronic signature."""
    notes = []
    if result.scan is not None and result.seal:
        notes.append(f"纸质原件：{result.seal_text}" + ("\n（见原件扫描页）" if result.scan.page_refs else ""))
    e_seal = result.e_seal
    if e_seal is not None:
        who = "，".join(part for part in (e_seal.signer, e_seal.organization) if part)
        notes.append("\n".join(part for part in (f"电子签章：{e_seal.text}", who, e_seal.signed_at) if part))
    return "\n".join(notes)


def field_values(rubric: Rubric, result: FormResult) -> dict[str, str]:
    """The text of every field, by field name, as read from the return."""
    values = {}
    for header in rubric.header:
        typed = result.self_reported if header.kind == "total" else result.applicant.get(header.id, "")
        values[header_field(rubric, header).name] = typed
    for sub in rubric.subitems:
        check = result.scores.get(sub.id)
        typed = check.raw.strip() if check is not None else ""
        if check is not None and not typed and check.value is not None:
            typed = str(check.value)
        values[score_field(rubric, sub).name] = typed
    values[review_field(rubric).name] = result.review
    values[organization_field(rubric).name] = result.organization
    values[review_date_field(rubric).name] = result.review_date
    values[seal_field(rubric).name] = seal_note(result)
    return values


class ValueDrawer:
    """The renderer's ``page_done`` hook: draws each field's value into its box on the page."""

    def __init__(self, doc: ArchiveCanvas, layout: FormLayout, values: dict[str, str]) -> None:
        self.doc, self.values = doc, values
        self.field_size = layout.typography.field_size
        self.score_size = layout.typography.score_size

    def __call__(self, canvas: Canvas, placements: list[Placement]) -> None:
        for placement in placements:
            text = self.values.get(placement.field.name, "")
            kind = placement.field.kind
            if not text.strip() or kind == "roster_key":
                continue
            if kind == "seal":
                self.lines(placement.rect, text, SEAL_NOTE_SIZE, "center", grey=SEAL_GREY, middle=True)
            elif kind == "review":
                self.lines(placement.rect, text, self.field_size, "left")
            else:
                self.single(placement, " ".join(text.split()))

    def single(self, placement: Placement, text: str) -> None:
        x0, y0, x1, y1 = placement.rect
        kind = placement.field.kind
        size = self.score_size if kind in ("score", "total") else self.field_size
        room = x1 - x0 - 2 * PAD
        width = self.doc.width(text, size)
        if width > room:
            size = max(MIN_SIZE, size * room / width)
        if kind == "review_date":
            canvas = self.doc.canvas
            canvas.saveState()
            canvas.setFillGray(1)
            canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
            canvas.restoreState()
        align = ALIGN.get(kind, "left")
        x = {"left": x0 + PAD, "center": (x0 + x1) / 2, "right": x1 - PAD}[align]
        middle = y0 + (y1 - y0 - size) / 2 + 0.12 * size
        baseline = y0 + BLANK_BASELINE if kind in ON_THE_LINE else middle
        self.doc.text(x, baseline, text, size, align, fit=room)

    def lines(
        self,
        rect: tuple[float, float, float, float],
        text: str,
        size: float,
        align: str,
        grey: float = 0.0,
        middle: bool = False,
    ) -> None:
        """``text`` wrapped in the box, top-aligned (or centred), set smaller until it fits."""
        x0, y0, x1, y1 = rect
        room = x1 - x0 - 2 * PAD
        while True:
            leading = size * 1.25
            lines = self.doc.wrap(text, room, size)
            if len(lines) * leading <= y1 - y0 - 2 * PAD or size <= MIN_SIZE:
                break
            size = max(MIN_SIZE, size - 0.5)
        fits = max(1, int((y1 - y0 - 2 * PAD) // leading))
        if len(lines) > fits:
            lines = [*lines[: fits - 1], lines[fits - 1][:-1] + "…"]
        top = y1 - PAD
        if middle:
            top = (y0 + y1) / 2 + len(lines) * leading / 2
        x = {"left": x0 + PAD, "center": (x0 + x1) / 2}[align]
        for line in lines:
            baseline = top - leading + (leading - size) / 2 + 0.12 * size
            self.doc.text(x, baseline, line, size, align, fit=room, grey=grey)
            top -= leading


def form_texts(entry: Entry) -> list[str]:
    """Every text the application's form draws beyond the layout's own."""
    return list(field_values(entry.rubric, entry.result).values())


def draw_form(doc: ArchiveCanvas, layout: FormLayout, styles: Styles, entry: Entry, band: Band) -> int:
    """The application's filled form, from the canvas's current page on; returns its page count."""
    values = field_values(entry.rubric, entry.result)

    def page_drawn(_canvas: Canvas, page: int) -> None:
        doc.band(band, f"{entry.label_prefix}{page + 1}")

    renderer = FormRenderer(
        layout, styles, page_done=ValueDrawer(doc, layout, values), page_drawn=page_drawn, canvas=doc.canvas
    )
    renderer.draw()
    return len(layout.pages)
