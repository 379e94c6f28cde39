"""The archive's document information and XMP metadata: title, subject, author, keywords, dates.

The dates are the archive's generation time (given, so a rebuild from the same
results at the same time gives the same bytes).  The forms' rubric identity
keys are deliberately not written: the archive is not a form, and must not be
read back as one.
"""

from __future__ import annotations

from datetime import datetime

from generator.archive.document import ArchiveCanvas
from generator.model.rubric import Rubric
from generator.version import __version__
from generator.writers.pdf.metadata import set_metadata, xmp_document

AUTHOR = "rubric-forms"
TOOL = f"rubric-forms {__version__}"


def pdf_date(moment: datetime) -> str:
    """``D:YYYYMMDDHHmmSS+HH'mm'``, the PDF date format."""
    offset = moment.strftime("%z") or "+0000"
    return f"D:{moment:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'"


def info_entries(rubric: Rubric, count: int, generated: datetime) -> dict[str, str]:
    return {
        "/Title": f"{rubric.name}评审档案",
        "/Subject": f"{rubric.title}：{count} 份申报材料的排名表、申报表、原件扫描页和问题清单",
        "/Author": AUTHOR,
        "/Keywords": f"评审档案; {rubric.name}; {rubric.id}; {rubric.fingerprint}",
        "/Creator": TOOL,
        "/Producer": f"{TOOL} (reportlab)",
        "/CreationDate": pdf_date(generated),
        "/ModDate": pdf_date(generated),
    }


def xmp_packet(entries: dict[str, str], generated: datetime) -> bytes:
    stamp = generated.isoformat(timespec="seconds")
    dates = "\n".join(f"   <xmp:{name}>{stamp}</xmp:{name}>" for name in ("CreateDate", "ModifyDate", "MetadataDate"))
    return xmp_document(entries, dates)


def add_metadata(doc: ArchiveCanvas, rubric: Rubric, count: int, generated: datetime) -> None:
    """Info dictionary, XMP (uncompressed), language; viewers show the title and open the bookmarks."""
    entries = info_entries(rubric, count, generated)
    set_metadata(doc.canvas, entries, xmp_packet(entries, generated))
    doc.canvas.showOutline()
