"""Benchmark: how much of a typed header value PDFium (Chrome, Edge) shows in each blank.

For every rubric and every header blank and the organisation's blank, each
test value is typed with PDFium's form filler into a fresh copy of the form
(tests/pdfium_typing.py: click, ``FORM_OnChar`` per character, kill focus),
the page rendered at 432 dpi with the form drawn, and the saved file read
back.  Printed per value:

- the box (width × height, mm) and the /DA font size;
- ``whole``: characters whose outline box (PDFium's text API, the appearance
  flattened) lies wholly inside the area PDFium draws in (its clip path if it
  wrote one, else the widget), out of those typed; ``across``: characters
  wholly inside it left to right (their tops or bottoms may still be cut);
- ``ink clipped``: the edges the ink touches (t, b, l, r: top, bottom, left,
  right), i.e. where glyphs are cut; ``-`` for none;
- ``clip``: whether PDFium needed a clip path (it writes one when the value
  does not fit the field's inner rectangle);
- ``fonts``: the fonts the appearance stream selects, as resource name = base
  font (PDFium adds fonts of its own for characters it assigns to another
  character set than the /DA font's).

The closing line is the before/after figure: characters of 单位 visible.

    .venv/bin/python tests/benchmarks/bench_header_boxes.py [FORMS_DIR]

Without FORMS_DIR the forms are built fresh into a temporary folder by
whichever ``generator`` package the interpreter imports (``PYTHONPATH`` is
honoured; the build runs outside this checkout), so an older version's forms
can be measured too; a field those forms lack is reported as absent.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from tests.pdfium_typing import (  # noqa: E402
    Glyph,
    PdfiumForm,
    TypedField,
    appearance,
    glyph_boxes,
    inside,
)
from tests.test_header_boxes import (  # noqa: E402
    BRACKETS,
    CAPACITY,
    CLEAR_PX,
    LONG_VALUES,
    SCALE,
    SHORT_VALUES,
)

MM_PER_PT = 25.4 / 72
OVER_CAPACITY = {"post": ("客户服务中心主管（副主任）",)}
"""Values longer than the blank holds, to show what PDFium does with them (13 characters for 岗位's 12)."""
BUILD = (
    "import sys, generator as rf; from pathlib import Path; "
    "root = Path(rf.__file__).resolve().parent.parent; print(rf.__file__); "
    "rf.build_forms(rf.load(root / 'rubrics.toml'), Path(sys.argv[1]))"
)


def build(out: Path) -> str:
    """Build the forms with the ``generator`` this interpreter imports (not from this checkout's cwd)."""
    done = subprocess.run(
        [sys.executable, "-c", BUILD, str(out)], check=True, cwd=out.parent, capture_output=True, text=True
    )
    return done.stdout.strip()


def forms_by_rubric(folder: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(folder.glob("*.pdf")):
        metadata = PdfReader(path).metadata
        rubric_id = metadata.get("/RubricId") if metadata else None
        if rubric_id:
            found[str(rubric_id)] = path
    return found


def blank_fields(pdf: Path) -> dict[str, str]:
    """The header text blanks and the organisation's blank in a form: field name → label (/TU)."""
    fields = PdfReader(pdf).get_fields() or {}
    return {
        name: str(field.get("/TU", ""))
        for name, field in fields.items()
        if field.get("/FT") == "/Tx" and ("-applicant-" in name or name.endswith("-organization"))
    }


def typed_glyphs(saved: bytes, blank: list[Glyph], page_index: int) -> list[Glyph]:
    """The glyphs on the page of the saved file that the blank form did not have."""
    key = lambda g: (g.char, tuple(round(v, 1) for v in g.box))  # noqa: E731
    left = Counter(key(g) for g in blank)
    found = []
    for glyph in glyph_boxes(saved, page_index):
        if left[key(glyph)]:
            left[key(glyph)] -= 1
        else:
            found.append(glyph)
    return found


def ink_clipped(typed: TypedField, edges: tuple[float, float, float, float]) -> str:
    ink = typed.ink
    if ink is None:
        return "no ink"
    left, top, right, bottom = typed.after.box_px(edges)
    cut = [
        ("t", ink.top < math.floor(top) + CLEAR_PX),
        ("b", ink.bottom > math.ceil(bottom) - CLEAR_PX),
        ("l", ink.left < math.floor(left) + CLEAR_PX),
        ("r", ink.right > math.ceil(right) - CLEAR_PX),
    ]
    return "".join(edge for edge, hit in cut if hit) or "-"


def measure(pdf: Path, name: str, text: str, blank: dict[int, list[Glyph]]) -> dict[str, str]:
    with PdfiumForm(pdf) as form:
        typed = form.type_and_render(name, text, SCALE)
        saved = form.save_bytes()
    field = typed.field
    look = appearance(saved, name)
    edges = look.clip or field.rect
    if field.page_index not in blank:
        blank[field.page_index] = glyph_boxes(pdf.read_bytes(), field.page_index)
    glyphs = typed_glyphs(saved, blank[field.page_index], field.page_index)
    whole = sum(inside(g.box, edges) for g in glyphs)
    across = sum(g.box[0] >= edges[0] - 0.05 and g.box[2] <= edges[2] + 0.05 for g in glyphs)
    return {
        "box": f"{field.width_pt * MM_PER_PT:5.1f} x {field.height_pt * MM_PER_PT:3.1f}",
        "da": f"{field.font_size:g}",
        "whole": f"{whole}/{len(text)}",
        "across": f"{across}/{len(text)}",
        "ink": ink_clipped(typed, edges),
        "clip": "yes" if look.clip else "no",
        "fonts": " ".join(f"{font}={look.base_fonts.get(font, '?')}" for font in look.fonts),
        "stored": "" if typed.stored == text else f"  stored {typed.stored!r}",
    }


def values_for(key: str) -> tuple[str, ...]:
    capacity = CAPACITY.get(key)
    long = LONG_VALUES.get(capacity, ()) if capacity else ()
    return (*long, *OVER_CAPACITY.get(key, ()), *SHORT_VALUES, BRACKETS)


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def report(folder: Path) -> None:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    print(f"PDFium {pdfium.PDFIUM_INFO} (pypdfium2 {pdfium.PYPDFIUM_INFO}); forms: {folder}")
    header = f"{pad('field', 26)} {'box mm':>12} {'DA':>4}  {pad('value', 66)} {'whole':>6} {'across':>6}  ink cut  "
    header += "clip  fonts"
    unit_figures = []
    for rubric_id, pdf in forms_by_rubric(folder).items():
        fields = blank_fields(pdf)
        blank: dict[int, list[Glyph]] = {}
        print(f"\n[{rubric_id}] {pdf.name}")
        print(header)
        for name, label in fields.items():
            key = "organization" if name.endswith("-organization") else name.rsplit("-", 1)[-1]
            title = f"{name.removeprefix(rubric_id + '-')} {label}"
            for text in values_for(key):
                row = measure(pdf, name, text, blank)
                print(
                    f"{pad(title, 26)} {row['box']:>12} {row['da']:>4}  {pad(f'{text} ({len(text)})', 66)} "
                    f"{row['whole']:>6} {row['across']:>6}  {row['ink']:<7}  {row['clip']:<4}  "
                    f"{row['fonts']}{row['stored']}"
                )
                title = ""
                if key == "unit" and len(text) == CAPACITY["unit"]:
                    unit_figures.append(f"{rubric_id} {row['whole']} ({row['across']} across)")
        if f"{rubric_id}-organization" not in fields:
            print(f"{pad('organization', 26)} field absent in these forms")
    print(f"\ncharacters of 单位 visible, {CAPACITY['unit']}-character value: " + "; ".join(unit_figures))


def main() -> None:
    if len(sys.argv) > 1:
        report(Path(sys.argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "forms"
        print(f"built by {build(out)}")
        report(out)


if __name__ == "__main__":
    main()
