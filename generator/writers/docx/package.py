"""The .docx package: a lean starting document, and a byte-for-byte stable save.

python-docx's bundled template carries half a megabyte of styles, a theme, a
thumbnail and more; a form needs none of it.  The writer starts instead from
the handful of parts a WordprocessingML document needs (document, styles,
settings, font table, core properties), opened with python-docx like any
other file.  Saving goes through python-docx, then every zip entry is written
again with one fixed timestamp, in python-docx's (deterministic) order, so
building the same layout twice gives identical bytes.
"""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import UTC, datetime

import docx
from docx.document import Document
from lxml import etree

from generator.writers.docx.fonts import font_table

FIXED_TIMESTAMP = datetime(2024, 1, 1, tzinfo=UTC)
"""The one date a package carries: zip entries and core properties, so builds are reproducible."""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_WORD = "http://schemas.microsoft.com/office/word"

_CONTENT_TYPES = f"""<Types xmlns="{_CT}">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="{_WML}.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="{_WML}.styles+xml"/>
<Override PartName="/word/settings.xml" ContentType="{_WML}.settings+xml"/>
<Override PartName="/word/fontTable.xml" ContentType="{_WML}.fontTable+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_PACKAGE_RELS = f"""<Relationships xmlns="{_PR}">
<Relationship Id="rId1" Type="{_OD}/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="{_PR}/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""

_DOCUMENT_RELS = f"""<Relationships xmlns="{_PR}">
<Relationship Id="rId1" Type="{_OD}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="{_OD}/settings" Target="settings.xml"/>
<Relationship Id="rId3" Type="{_OD}/fontTable" Target="fontTable.xml"/>
</Relationships>"""

_DOCUMENT = f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body><w:sectPr/></w:body></w:document>'

_STYLES = f"""<w:styles xmlns:w="{_W}">
<w:docDefaults><w:rPrDefault><w:rPr/></w:rPrDefault><w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">
<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>
<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>
<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>
<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>"""

# Filling in forms: a Word user types only into the content controls and Tab moves from one
# to the next.  No password: 审阅 → 限制编辑 → 停止保护 lifts it for whoever edits the form.
_SETTINGS = f"""<w:settings xmlns:w="{_W}">
<w:zoom w:percent="100"/>
<w:documentProtection w:edit="forms" w:enforcement="1"/>
<w:defaultTabStop w:val="420"/>
<w:characterSpacingControl w:val="doNotCompress"/>
<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="{_WORD}" w:val="15"/></w:compat>
<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>
</w:settings>"""

_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)


@functools.cache
def _starting_package() -> bytes:
    """The lean starting .docx, built once per process."""
    font_table_xml = etree.tostring(font_table(), encoding="UTF-8", standalone=True)
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "word/document.xml": _DOCUMENT,
        "word/_rels/document.xml.rels": _DOCUMENT_RELS,
        "word/styles.xml": _STYLES,
        "word/settings.xml": _SETTINGS,
        "word/fontTable.xml": font_table_xml,
        "docProps/core.xml": _CORE,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def new_document() -> Document:
    """A blank python-docx document made from the lean starting package."""
    return docx.Document(io.BytesIO(_starting_package()))


def stable_bytes(document: Document) -> bytes:
    """The saved package with every entry stamped with :data:`FIXED_TIMESTAMP`."""
    saved = io.BytesIO()
    document.save(saved)
    stamp = FIXED_TIMESTAMP.timetuple()[:6]
    result = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename))
    return result.getvalue()
