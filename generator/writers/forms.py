"""Build every rubric's forms into one folder: one layout per rubric, rendered by each writer."""

from __future__ import annotations

from pathlib import Path

from generator.filenames import inside, safe_component
from generator.layout.form import build_layout
from generator.model.rubric import RubricSet
from generator.writers.docx.writer import write_docx
from generator.writers.pdf.fonts import FontSettings
from generator.writers.pdf.writer import write_pdf


def form_filename(title: str, suffix: str) -> str:
    """The file name a user recognises: the rubric's Chinese title, made safe as a file name."""
    return f"{safe_component(title)}{suffix}"


def build_forms(rubrics: RubricSet, out_dir: str | Path, fonts: FontSettings | None = None) -> list[Path]:
    """Write the .docx and the fillable .pdf of every rubric into ``out_dir``; return the paths.

    ``fonts`` chooses the PDF's font files (default: the bundled Noto font).
    """
    out_dir = Path(out_dir)
    written: list[Path] = []
    for rubric in rubrics:
        layout = build_layout(rubric)
        docx_path = inside(out_dir, form_filename(rubric.title, ".docx"))
        pdf_path = inside(out_dir, form_filename(rubric.title, ".pdf"))
        write_docx(layout, docx_path)
        write_pdf(layout, pdf_path, fonts)
        written += [docx_path, pdf_path]
    return written
