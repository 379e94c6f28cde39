"""The blocks around the table: the heading of page 1 and the footer block under the table.

Both are made of lines of labelled blanks.  A blank is as wide as the value it
must hold at the field size (姓名 10 characters, 岗位 12, 单位 and other wide
blanks 30, the organisation's name 30), so no viewer has to shrink or clip a
real value.
"""

from __future__ import annotations

from generator.layout.linebreak import em_mm, text_width_mm
from generator.layout.parts import Blank, Box, FooterBlock, Heading, Typography
from generator.layout.table import leading_mm, wrap_mm
from generator.model.fields import (
    header_field,
    organization_field,
    review_date_field,
    review_field,
    seal_field,
)
from generator.model.rubric import HeaderField, Rubric

BLANK_CHARS = {"name": 10, "unit": 30, "other": 12}
"""Characters a header blank holds, by the header's role."""
WIDE_CHARS = 30
"""Characters a wide header blank, and the organisation's blank, hold."""
TOTAL_BLANK_MM = 16.0
FIELD_PAD_MM = 1.5
"""Room each side of a typed value, inside its blank."""
LABEL_GAP_MM = 1.0
BLANK_GAP_MM = 3.0
"""The least room between two blanks on one line."""
REVIEW_HEIGHT_MM = 30.0
SEAL_GAP_MM = 2.0
"""Room between the organisation line's rule and the seal area's top edge."""
SEAL_MM = 50.0
DATE_BLANK_MM = 40.0


def value_width_mm(chars: int, typography: Typography) -> float:
    """A blank that holds ``chars`` Chinese characters at the field size."""
    return chars * em_mm(typography.field_size) + 2 * FIELD_PAD_MM


def _header_width(header: HeaderField, typography: Typography) -> float:
    if header.kind == "total":
        return TOTAL_BLANK_MM
    return value_width_mm(WIDE_CHARS if header.wide else BLANK_CHARS[header.role], typography)


def _natural(header: HeaderField, width_mm: float, typography: Typography) -> tuple[float, float]:
    """A header's label width and blank width, the blank narrowed if the two overflow a line."""
    label = text_width_mm(header.label, typography.header_size)
    return label, max(min(_header_width(header, typography), width_mm - label - LABEL_GAP_MM), 10.0)


def _line_groups(rubric: Rubric, width_mm: float, typography: Typography) -> list[list[HeaderField]]:
    """The header fields, as many to a line as fit, in order."""
    lines: list[list[HeaderField]] = [[]]
    used = 0.0
    for header in rubric.header:
        label, blank = _natural(header, width_mm, typography)
        needed = label + LABEL_GAP_MM + blank
        if lines[-1] and used + BLANK_GAP_MM + needed > width_mm:
            lines.append([])
            used = 0.0
        used += needed + (BLANK_GAP_MM if lines[-1] else 0.0)
        lines[-1].append(header)
    return [line for line in lines if line]


def _place_line(rubric: Rubric, line: list[HeaderField], width_mm: float, typography: Typography) -> tuple[Blank, ...]:
    """One line of blanks, spread over the whole width when it holds more than one."""
    sizes = [_natural(header, width_mm, typography) for header in line]
    used = sum(label + LABEL_GAP_MM + blank for label, blank in sizes)
    gap = max(BLANK_GAP_MM, (width_mm - used) / (len(line) - 1)) if len(line) > 1 else 0.0
    placed, x = [], 0.0
    for header, (label, blank) in zip(line, sizes, strict=True):
        x0 = x + label + LABEL_GAP_MM
        placed.append(Blank(header.label, header_field(rubric, header), x, x0, x0 + blank))
        x = x0 + blank + gap
    return tuple(placed)


def build_heading(rubric: Rubric, width_mm: float, typography: Typography) -> Heading:
    t = typography
    title = wrap_mm(rubric.title, width_mm, t.title_size)
    subject = wrap_mm(rubric.subject_line, width_mm, t.header_size)
    lines = tuple(_place_line(rubric, line, width_mm, t) for line in _line_groups(rubric, width_mm, t))
    title_leading, subject_leading = leading_mm(t.title_size, t), leading_mm(t.header_size, t)
    subject_top = len(title) * title_leading + t.title_gap_mm
    blanks_top = subject_top + len(subject) * subject_leading + t.subject_gap_mm
    height = blanks_top + len(lines) * t.blank_line_mm + t.table_gap_mm
    return Heading(title, subject, lines, title_leading, subject_leading, subject_top, blanks_top, height)


def _organization_line(rubric: Rubric, width_mm: float, typography: Typography) -> Blank:
    """``所在组织（或推荐机构）____（盖章）``, ending at the box's right padding."""
    t, footer = typography, rubric.footer
    suffix = f"（{footer.seal}）"
    right = width_mm - t.cell_padding_mm - text_width_mm(suffix, t.footer_size)
    label = text_width_mm(footer.organization, t.footer_size)
    room = right - t.cell_padding_mm - label - LABEL_GAP_MM
    x0 = right - max(min(value_width_mm(WIDE_CHARS, t), room), 10.0)
    return Blank(footer.organization, organization_field(rubric), x0 - LABEL_GAP_MM - label, x0, right, suffix)


def build_footer(rubric: Rubric, width_mm: float, typography: Typography) -> FooterBlock:
    t, pad = typography, typography.cell_padding_mm
    review_top = pad + leading_mm(t.footer_size, t)
    review = Box(pad, review_top, width_mm - pad, review_top + REVIEW_HEIGHT_MM)
    band_top = review.bottom_mm + t.blank_line_mm + SEAL_GAP_MM
    area = Box(width_mm - SEAL_MM - 2 * pad, band_top, width_mm, band_top + SEAL_MM + 2 * pad)
    seal = Box(area.x0_mm + pad, area.top_mm + pad, area.x1_mm - pad, area.bottom_mm - pad)
    date_top = band_top + (SEAL_MM + 2 * pad - t.blank_line_mm) / 2
    date_right = area.x0_mm - 2 * pad
    date = Box(date_right - DATE_BLANK_MM, date_top, date_right, date_top + t.blank_line_mm)
    return FooterBlock(
        review_label=f"{rubric.footer.review}：",
        review_field=review_field(rubric),
        review_box=review,
        organization=_organization_line(rubric, width_mm, t),
        organization_top_mm=review.bottom_mm,
        seal_area=area,
        seal_field=seal_field(rubric),
        seal_box=seal,
        date_label=rubric.footer.date,
        date_field=review_date_field(rubric),
        date_box=date,
        height_mm=area.bottom_mm,
    )
