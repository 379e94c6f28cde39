"""The PDF's identity: document information and XMP metadata, written as reportlab objects.

Both say the title, the rubric id, the rubric fingerprint and the tool
version (keys from :mod:`generator.model.identity`), so the reader knows which
rubric a returned file holds even after it has been renamed.  No dates are
written (reportlab's invariant mode fixes the file ID): rebuilding gives the
same bytes.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas

from generator.model.identity import XMP_NAMESPACE, XMP_PREFIX, identity_values
from generator.model.rubric import Rubric
from generator.version import __version__
from generator.writers.pdf.canvas_private import canvas_document

TOOL = f"rubric-forms {__version__}"
LANGUAGE = "zh-CN"


def info_entries(rubric: Rubric) -> dict[str, str]:
    """The document information dictionary."""
    return {
        "/Title": rubric.title,
        "/Subject": rubric.subject_line,
        "/Keywords": f"{rubric.name}; {rubric.id}; {rubric.fingerprint}",
        "/Creator": TOOL,
        "/Producer": f"{TOOL} (reportlab)",
        **{key.info: value for key, value in identity_values(rubric, __version__).items()},
    }


class RubricInfo(PDFInfo):
    """reportlab's info dictionary, with our keys instead of its fixed set (and no dates)."""

    def __init__(self, entries: dict[str, str]) -> None:
        super().__init__()
        self.entries = entries
        self.title, self.subject, self.keywords = entries["/Title"], entries["/Subject"], entries["/Keywords"]
        self.author = ""

    def format(self, document: object) -> bytes:
        return PDFDictionary({k[1:]: PDFString(v) for k, v in self.entries.items()}).format(document)


def xmp_document(entries: dict[str, str], more: str = "", namespaces: str = "") -> bytes:
    """An XMP packet of the information ``entries`` (Dublin Core title, description and creator, the
    producer, keywords, creator tool), with ``more`` property lines in the extra ``namespaces``."""
    x = {k: escape(v) for k, v in entries.items()}
    creator = (
        f"\n   <dc:creator><rdf:Seq><rdf:li>{x['/Author']}</rdf:li></rdf:Seq></dc:creator>" if "/Author" in x else ""
    )
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"{namespaces}>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{x["/Title"]}</rdf:li></rdf:Alt></dc:title>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{x["/Subject"]}</rdf:li></rdf:Alt></dc:description>{creator}
   <dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
   <pdf:Producer>{x["/Producer"]}</pdf:Producer>
   <pdf:Keywords>{x["/Keywords"]}</pdf:Keywords>
   <xmp:CreatorTool>{x["/Creator"]}</xmp:CreatorTool>
{more}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def xmp_packet(rubric: Rubric) -> bytes:
    """An XMP packet with Dublin Core title, the producer and the rubric identity."""
    identity = "\n".join(
        f"   <{XMP_PREFIX}:{key.name}>{escape(value)}</{XMP_PREFIX}:{key.name}>"
        for key, value in identity_values(rubric, __version__).items()
    )
    return xmp_document(info_entries(rubric), identity, f'\n    xmlns:{XMP_PREFIX}="{XMP_NAMESPACE}"')


def set_metadata(canvas: Canvas, entries: dict[str, str], xmp: bytes) -> None:
    """Info dictionary, XMP (uncompressed, as XMP scanners expect), language, title display."""
    canvas_document(canvas).info = RubricInfo(entries)
    metadata = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")})
    canvas.setCatalogEntry("Metadata", PDFStream(metadata, xmp, filters=[]))
    canvas.setCatalogEntry("Lang", PDFString(LANGUAGE))
    canvas.setViewerPreference("DisplayDocTitle", "true")


def add_identity(canvas: Canvas, rubric: Rubric) -> None:
    """The form's identity: its information dictionary and XMP."""
    set_metadata(canvas, info_entries(rubric), xmp_packet(rubric))
