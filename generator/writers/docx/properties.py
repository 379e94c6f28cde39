"""Document properties: what a returned .docx says about itself.

Core properties (title, subject, language, fixed dates) for every program
that shows them, and custom properties naming the rubric id, its fingerprint
and the tool's version (names from :mod:`generator.model.identity`), so a returned
form can be matched to the exact rubric version it was made from even after
a user renamed the file.  python-docx has no custom-properties API; the part
is added through its packaging layer, as python-docx adds its own parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from generator.layout.form import FormLayout
from generator.model.identity import ROSTER_KEY, identity_values
from generator.version import __version__
from generator.writers.docx.package import FIXED_TIMESTAMP

CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
USER_DEFINED_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
CUSTOM_PARTNAME = "/docProps/custom.xml"


def _custom_properties_xml(values: dict[str, str]) -> bytes:
    # lxml-stubs type nsmap as Mapping[str, str]; lxml takes the prefix None for the default namespace.
    nsmap = cast(dict[str, str], {None: CUSTOM_NS, "vt": VT_NS})
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap=nsmap)
    for pid, (name, value) in enumerate(values.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=USER_DEFINED_FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_properties(document: Document, layout: FormLayout, roster_key: str = "") -> None:
    """Set the core and the custom properties of ``document`` for ``layout``'s rubric (and, for a
    personalised copy, its roster key)."""
    rubric = layout.rubric
    core = document.core_properties
    core.title = layout.title
    core.subject = layout.subject_line
    core.category = rubric.name
    core.comments = f"由 rubric-forms {__version__} 生成；评分表 {rubric.id}，版本 {rubric.fingerprint}"
    core.language = "zh-CN"
    core.revision = 1
    core.created = core.modified = FIXED_TIMESTAMP.replace(tzinfo=None)
    values = {key.docx: value for key, value in identity_values(rubric, __version__).items()}
    if roster_key:
        values[ROSTER_KEY.docx] = roster_key
    package = document.part.package
    part = Part(PackURI(CUSTOM_PARTNAME), CT.OFC_CUSTOM_PROPERTIES, _custom_properties_xml(values), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def custom_properties(document: Document) -> dict[str, str]:
    """Read the custom properties of an opened .docx: name → text value (empty if it has none)."""
    try:
        part = document.part.package.part_related_by(RT.CUSTOM_PROPERTIES)
    except KeyError:
        return {}
    root = etree.fromstring(part.blob)
    # lxml-stubs say itertext() may give bytes; on Python 3 lxml always gives str.
    return {
        name: "".join(cast(Iterator[str], prop.itertext()))
        for prop in root.iter(f"{{{CUSTOM_NS}}}property")
        if (name := prop.get("name")) is not None
    }
