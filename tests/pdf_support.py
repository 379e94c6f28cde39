"""Helpers for the PDF writer's tests: build the forms, read fields, render pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from generator.layout.form import build_layout
from generator.model.rubric import RubricSet
from generator.writers.pdf.writer import write_pdf

MM = 72 / 25.4


def build_pdfs(rubric_set: RubricSet, out_dir: Path) -> dict[str, Path]:
    """Write every rubric's PDF into ``out_dir``; return the paths by rubric id."""
    paths = {}
    for rubric in rubric_set:
        path = out_dir / f"{rubric.id}.pdf"
        write_pdf(build_layout(rubric), path)
        paths[rubric.id] = path
    return paths


def widgets(reader: PdfReader) -> dict[str, tuple[int, DictionaryObject]]:
    """Every widget by field name, with the index of its page."""
    found = {}
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                found[str(annot["/T"])] = (index, annot)
    return found


def squash(text: str) -> str:
    """Text without any whitespace (line breaks differ between extractors)."""
    return re.sub(r"\s+", "", text)


def render_gray(path: Path, page: int, dpi: int, out: Path) -> tuple[int, int, bytes]:
    """Render one page (1-based) with pdftoppm as 8-bit grey; return width, height and pixels."""
    subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(path), str(out)],
        check=True,
        capture_output=True,
    )
    data = out.with_suffix(".pgm").read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert match, "pdftoppm did not write a PGM"
    width, height = int(match[1]), int(match[2])
    return width, height, data[match.end() :]


def dark_pixels(image: tuple[int, int, bytes], rect: tuple[float, float, float, float], dpi: int) -> int:
    """How many pixels darker than mid-grey lie in ``rect`` (PDF points, origin bottom left)."""
    width, height, pixels = image
    scale = dpi / 72
    x0, y0, x1, y1 = rect
    left, right = int(x0 * scale), int(x1 * scale)
    top, bottom = int(height - y1 * scale), int(height - y0 * scale)
    return sum(
        1
        for row in range(max(top, 0), min(bottom, height))
        for v in pixels[row * width + left : row * width + right]
        if v < 128
    )


def has_tool(name: str) -> bool:
    return shutil.which(name) is not None
