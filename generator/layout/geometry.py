"""Where everything of a form lands on the paper, in millimetres from each page's top-left corner.

The layout says what goes on which page and how tall each part is; this
module adds it up into positions: each page's table top and row tops, the
footer block's top, and the box of every field.  The PDF writer places its
widgets at these boxes and draws its rules at these rows; the scan reader
crops the same boxes out of a scanned page.  One arithmetic for both, so a
crop is always where the writer drew.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.layout.form import PAGE_HEIGHT_MM, FormLayout
from generator.layout.parts import Blank, Box
from generator.model.fields import FormField

FIELD_INSET_MM = 0.6
SCORE_FIELD_MM = 8.0
"""A score field is a box this high in the middle of its cell: viewers place a single line of text
differently in a tall box (pdf.js at the bottom, others in the middle)."""
BLANK_FIELD_MM = 7.5
"""A header or footer blank's field: from just above its line up, room above the glyphs in every viewer."""
BLANK_LIFT_MM = 0.2


@dataclass(frozen=True, slots=True)
class FieldBox:
    """One field's box on page ``page`` (0-based)."""

    field: FormField
    page: int
    box: Box


@dataclass(frozen=True, slots=True)
class PageFrame:
    """One page's table: its top (the head row's top) and the top of each of its body rows and of the row after."""

    table_top_mm: float
    head_bottom_mm: float
    first_row: int
    row_tops_mm: tuple[float, ...]

    def row_top(self, row: int) -> float:
        return self.row_tops_mm[row - self.first_row]

    @property
    def bottom_mm(self) -> float:
        return self.row_tops_mm[-1]


@dataclass(frozen=True, slots=True)
class FormGeometry:
    """Every page's table frame, the footer's top (on the last page) and every field's box."""

    layout: FormLayout
    frames: tuple[PageFrame, ...]
    footer_top_mm: float
    fields: tuple[FieldBox, ...]

    @property
    def page_count(self) -> int:
        return len(self.frames)

    def on_page(self, page: int) -> tuple[FieldBox, ...]:
        return tuple(box for box in self.fields if box.page == page)

    def seal_area(self) -> FieldBox:
        """The whole square kept for the seal (its dashed edges included), on the last page."""
        footer = self.layout.footer
        return FieldBox(footer.seal_field, self.page_count - 1, self.in_footer(footer.seal_area))

    def in_footer(self, box: Box) -> Box:
        """A footer-relative box on the page."""
        left = self.layout.margin_mm
        top = self.footer_top_mm
        return Box(left + box.x0_mm, top + box.top_mm, left + box.x1_mm, top + box.bottom_mm)


def blank_box(blank: Blank, left_mm: float, rule_mm: float) -> Box:
    """A blank's field: on its rule at ``rule_mm``, from ``left_mm`` + the blank's own x's."""
    return Box(left_mm + blank.x0_mm, rule_mm - BLANK_FIELD_MM, left_mm + blank.x1_mm, rule_mm - BLANK_LIFT_MM)


def _frames(layout: FormLayout) -> tuple[PageFrame, ...]:
    frames = []
    for index, page in enumerate(layout.pages):
        top = layout.margin_mm + (layout.heading.height_mm if index == 0 else 0.0)
        tops = [top + layout.head_height_mm]
        for height in page.row_heights_mm:
            tops.append(tops[-1] + height)
        frames.append(PageFrame(top, tops[0], page.first, tuple(tops)))
    return tuple(frames)


def _heading_fields(layout: FormLayout) -> list[FieldBox]:
    h, left, line = layout.heading, layout.margin_mm, layout.typography.blank_line_mm
    return [
        FieldBox(blank.field, 0, blank_box(blank, left, left + h.blanks_top_mm + (index + 1) * line))
        for index, blanks in enumerate(h.blank_lines)
        for blank in blanks
    ]


def _score_fields(layout: FormLayout, frames: tuple[PageFrame, ...]) -> list[FieldBox]:
    boxes = []
    edges = [layout.margin_mm]
    for column in layout.columns:
        edges.append(edges[-1] + column.width_mm)
    for index, (page, frame) in enumerate(zip(layout.pages, frames, strict=True)):
        for cell in page.cells:
            if cell.field is None:
                continue
            top, bottom = frame.row_top(cell.row), frame.row_top(cell.row + cell.row_span)
            middle, half = (top + bottom) / 2, min(SCORE_FIELD_MM, bottom - top - 2 * FIELD_INSET_MM) / 2
            x0, x1 = edges[cell.column] + FIELD_INSET_MM, edges[cell.column + 1] - FIELD_INSET_MM
            boxes.append(FieldBox(cell.field, index, Box(x0, middle - half, x1, middle + half)))
    return boxes


def form_geometry(layout: FormLayout) -> FormGeometry:
    """Add the layout up into positions on the paper."""
    frames = _frames(layout)
    footer_top = frames[-1].bottom_mm
    last = len(frames) - 1
    geometry = FormGeometry(layout, frames, footer_top, ())
    f = layout.footer
    organization_rule = footer_top + f.organization_top_mm + layout.typography.blank_line_mm
    footer = [
        FieldBox(f.review_field, last, geometry.in_footer(f.review_box)),
        FieldBox(f.organization.field, last, blank_box(f.organization, layout.margin_mm, organization_rule)),
        FieldBox(f.date_field, last, geometry.in_footer(f.date_box)),
        FieldBox(f.seal_field, last, geometry.in_footer(f.seal_box)),
    ]
    hidden = [FieldBox(field, last, Box(0.0, PAGE_HEIGHT_MM, 0.0, PAGE_HEIGHT_MM)) for field in layout.hidden]
    fields = (*_heading_fields(layout), *_score_fields(layout, frames), *footer, *hidden)
    return FormGeometry(layout, frames, footer_top, fields)
