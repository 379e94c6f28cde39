"""The archive's document information and XMP metadata: title, subject, author, keywords, dates.

The dates are the archive's generation time (given, so a rebuild from the same
results at the same time gives the same bytes).  The forms' rubric identity
keys are deliberately not written: the archive is not a form, and must not be
read back as one.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream, PDFString

from generator.archive.document import ArchiveCanvas
from generator.model.rubric import Rubric
from generator.version import __version__
from generator.writers.pdf.canvas_private import canvas_document
from generator.writers.pdf.metadata import LANGUAGE, RubricInfo

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
    x = {k: escape(v) for k, v in entries.items()}
    stamp = generated.isoformat(timespec="seconds")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{x["/Title"]}</rdf:li></rdf:Alt></dc:title>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{x["/Subject"]}</rdf:li></rdf:Alt></dc:description>
   <dc:creator><rdf:Seq><rdf:li>{x["/Author"]}</rdf:li></rdf:Seq></dc:creator>
   <dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
   <pdf:Producer>{x["/Producer"]}</pdf:Producer>
   <pdf:Keywords>{x["/Keywords"]}</pdf:Keywords>
   <xmp:CreatorTool>{x["/Creator"]}</xmp:CreatorTool>
   <xmp:CreateDate>{stamp}</xmp:CreateDate>
   <xmp:ModifyDate>{stamp}</xmp:ModifyDate>
   <xmp:MetadataDate>{stamp}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def add_metadata(doc: ArchiveCanvas, rubric: Rubric, count: int, generated: datetime) -> None:
    """Info dictionary, XMP (uncompressed), language; viewers show the title and open the bookmarks."""
    canvas = doc.canvas
    entries = info_entries(rubric, count, generated)
    canvas_document(canvas).info = RubricInfo(entries)
    metadata = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")})
    canvas.setCatalogEntry("Metadata", PDFStream(metadata, xmp_packet(entries, generated), filters=[]))
    canvas.setCatalogEntry("Lang", PDFString(LANGUAGE))
    canvas.setViewerPreference("DisplayDocTitle", "true")
    canvas.showOutline()
