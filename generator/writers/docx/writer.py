"""The Word form: render a :class:`~generator.layout.form.FormLayout` as a print-ready, fillable .docx.

The writer draws what the layout says and decides nothing of its own: page,
title, subject line and header blanks (:mod:`generator.writers.docx.heading`), the
rubric table (:mod:`generator.writers.docx.table`) closed by the review box with its
seal area (:mod:`generator.writers.docx.footer`), one table per page of the layout
on a grid of the layout's edges (:mod:`generator.writers.docx.grid`), each page a section whose header
shows the page's code (:mod:`generator.writers.docx.pagecode`), the fillable blanks as content
controls (:mod:`generator.writers.docx.controls`), the document properties
(:mod:`generator.writers.docx.properties`); the package is saved so that the same
layout always gives the same bytes (:mod:`generator.writers.docx.package`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm

from generator.atomic import write_bytes_atomic
from generator.layout.form import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, FormLayout
from generator.layout.pagecode import CODE_BOX, page_codes
from generator.model.fields import header_field
from generator.writers.docx.controls import fill_controls
from generator.writers.docx.footer import add_footer_rows, footer_edges
from generator.writers.docx.grid import Grid
from generator.writers.docx.heading import add_heading
from generator.writers.docx.oxml import add_hairline_paragraph, add_section_break
from generator.writers.docx.package import new_document, stable_bytes
from generator.writers.docx.pagecode import add_page_codes
from generator.writers.docx.properties import set_properties
from generator.writers.docx.styles import add_form_styles
from generator.writers.docx.table import add_page_table, column_extents

FOOTER_DISTANCE_MM = 10.0


def _set_page(document: Document, layout: FormLayout) -> None:
    """A4 portrait with the layout's margins; the header (the page code) starts at the code's top."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    margin = Mm(layout.margin_mm)
    section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = margin
    section.header_distance = Mm(CODE_BOX.top_mm)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.gutter = Mm(0)


def render_docx(layout: FormLayout, values: Sequence[tuple[str, str]] = (), roster_key: str = "") -> bytes:
    """The .docx of ``layout`` as bytes (identical for identical layouts).

    A personalised copy has header ``values`` (header id, text) filled into their content controls
    and its ``roster_key`` in the document properties.
    """
    document = new_document()
    add_form_styles(document, layout.typography)
    _set_page(document, layout)
    add_heading(document, layout)
    grid = Grid([edge for extent in column_extents(layout) for edge in extent] + footer_edges(layout))
    for index, page in enumerate(layout.pages):
        if index:
            add_section_break(document)
            add_hairline_paragraph(document, page_break=True)
        table = add_page_table(document, grid, layout, page)
    add_footer_rows(table, grid, layout)
    add_hairline_paragraph(document)
    add_page_codes(document, layout, page_codes(layout, "W", roster_key))
    fill_controls(document, _header_values(layout, values))
    set_properties(document, layout, roster_key)
    return stable_bytes(document)


def _header_values(layout: FormLayout, values: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Header values by field name."""
    rubric = layout.rubric
    by_id = dict(values)
    return {header_field(rubric, h).name: by_id[h.id] for h in rubric.header if by_id.get(h.id)}


def write_docx(layout: FormLayout, path: Path) -> None:
    """Write the Word form of ``layout`` to ``path`` (atomically)."""
    write_bytes_atomic(path, render_docx(layout))
