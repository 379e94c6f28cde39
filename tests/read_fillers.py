"""Test helpers for the reader: generated forms, and real programs that fill them as applicants would.

Fillers: pypdf (quick, for building batches), PyMuPDF, pdftk-java's
``fill_form`` with a UTF-8 XFDF file, and pdf.js's ``saveDocument`` from
Node (what Firefox does), each writing a new PDF from a generated form.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pymupdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from generator.layout.form import build_layout
from generator.model.fields import form_fields, header_field, score_fields, total_field
from generator.model.rubric import Rubric
from generator.writers.pdf.writer import write_pdf

PDFJS_DIR = Path(__file__).resolve().parent / "pdfjs"


def write_form(rubric: Rubric, path: Path) -> Path:
    """The generated fillable PDF of a rubric, as administrators send it out."""
    write_pdf(build_layout(rubric), path)
    return path


REVIEW = "情况属实，同意推荐。"
ORGANIZATION = "中国移动通信集团北京有限公司"
REVIEW_DATE = "2025年6月30日"


def form_values(
    rubric: Rubric,
    applicant: Iterable[str],
    scores: Iterable[int | str],
    total: int | str | None = None,
    review: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Field values by the naming contract: header blanks in order, one score per sub-item, the total,
    and the organisation's part (its opinion, name and date; ``review`` overrides them by kind)."""
    values = {header_field(rubric, h).name: v for h, v in zip(rubric.applicant_fields, applicant, strict=True)}
    values |= {f.name: str(s) for f, s in zip(score_fields(rubric), scores, strict=True)}
    if total is not None:
        values[total_field(rubric).name] = str(total)
    organization = {"review": REVIEW, "organization": ORGANIZATION, "review_date": REVIEW_DATE} | dict(review or {})
    values |= {f.name: organization[f.kind] for f in form_fields(rubric) if f.kind in organization}
    return values


def text_field_names(rubric: Rubric) -> set[str]:
    return {f.name for f in form_fields(rubric) if f.kind != "seal"}


def fill_pypdf(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    """Set the field values (/V) with pypdf and leave the drawing to the viewer (/NeedAppearances).

    pypdf's own appearance generation parses the CJK font's CMap for every
    field (about a second per form), too slow for building test batches.
    """
    writer = PdfWriter(clone_from=PdfReader(source))
    for page in writer.pages:
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = widget.get("/T")
            if name in values:
                widget[NameObject("/V")] = TextStringObject(values[name])
    writer.set_need_appearances_writer(True)
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def fill_pymupdf(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    with pymupdf.open(source) as document:
        for page in document:
            for widget in page.widgets():
                if widget.field_name in values:
                    widget.field_value = values[widget.field_name]
                    widget.update()
        document.save(target)
    return target


def xfdf(values: Mapping[str, str]) -> str:
    fields = "".join(f"<field name={quoteattr(k)}><value>{escape(v)}</value></field>" for k, v in values.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve"><fields>{fields}</fields></xfdf>\n'
    )


def fill_pdftk(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    data = target.with_suffix(".xfdf")
    data.write_text(xfdf(values), encoding="utf-8")
    command = ["pdftk", str(source), "fill_form", str(data), "output", str(target), "need_appearances"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return target


def pdfjs_available() -> bool:
    return shutil.which("node") is not None and (PDFJS_DIR / "node_modules" / "pdfjs-dist").is_dir()


def fill_pdfjs(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    data = target.with_suffix(".json")
    data.write_text(json.dumps(dict(values), ensure_ascii=False), encoding="utf-8")
    command = ["node", str(PDFJS_DIR / "fill.mjs"), str(source), str(target), str(data)]
    subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=PDFJS_DIR)
    return target
