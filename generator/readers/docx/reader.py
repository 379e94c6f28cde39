"""Read a returned Word form (.docx, .docm) into the same result the PDF reader gives.

The package is opened safely (:mod:`.package`), the document's identity read
from its custom properties — or, when an editor dropped them, from the
rubric title printed on the form — and every field's value found by its
content control or, failing that, by the table around its printed label
(:mod:`.locate`).  The values then go through the same checks and totals as
a PDF's (:func:`~generator.readers.evaluate.evaluate`).  Macros are never run:
only XML is read.
"""

from __future__ import annotations

from lxml import etree

from generator.model.fields import form_fields
from generator.model.identity import FINGERPRINT, ROSTER_KEY, RUBRIC_ID, Identity
from generator.model.rubric import Rubric, RubricSet
from generator.readers.docx.locate import Located, locate, squeeze
from generator.readers.docx.package import WordPackage, open_word_package, parse_xml
from generator.readers.docx.text import has_revisions, text_of
from generator.readers.evaluate import evaluate, with_roster_key
from generator.readers.identify import identify, unknown_rubric_problem
from generator.readers.results import FormResult, UnreadableForm

CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
TRACKED_CHANGES = "文档含有修订标记（修订未接受），已按接受全部修订后的内容读取；请核对。"
NO_CONTROLS = "文档中的填写控件已被删除（例如经 WPS 或复制粘贴），已按表格中的位置读取各项内容；请核对。"
NOT_OURS = "这不是本工具生成的评分表（Word 文档中找不到任何一份评分表的标题），无法读取。"


def custom_identity(package: WordPackage) -> Identity:
    """The rubric id and fingerprint from the document's custom properties, when present."""
    data = package.part("docProps/custom.xml")
    if data is None:
        return Identity()
    properties: dict[str, str] = {}
    for prop in parse_xml(data, "docProps/custom.xml").iter(f"{CUSTOM}property"):
        properties[prop.get("name", "")] = "".join(str(text) for text in prop.itertext()).strip()
    return Identity(
        properties.get(RUBRIC_ID.docx) or None,
        properties.get(FINGERPRINT.docx) or None,
        properties.get(ROSTER_KEY.docx) or None,
    )


def rubric_by_title(body: etree._Element, rubrics: RubricSet) -> Rubric:
    """The one rubric whose title the document prints; raises :class:`UnreadableForm` for none or several."""
    text = squeeze(text_of(body))
    printed = [rubric for rubric in rubrics if squeeze(rubric.title) in text]
    longest = [r for r in printed if not any(r is not o and squeeze(r.title) in squeeze(o.title) for o in printed)]
    if not longest:
        raise UnreadableForm(NOT_OURS)
    if len(longest) > 1:
        names = "、".join(f"“{r.name}”" for r in longest)
        raise UnreadableForm(f"文档中有不止一份评分表（{names}）；请每份表格单独保存为一个文件后重新发送。")
    return longest[0]


def _names(located: Located, rubric: Rubric) -> set[str]:
    """The field names the form has: those whose value was found (by control or table), and the seal,
    whose value is never text."""
    return set(located.values) | {f.name for f in form_fields(rubric) if f.kind == "seal"}


def read_docx(data: bytes, source: str, rubrics: RubricSet) -> FormResult:
    """Read a returned Word form from its bytes; raises :class:`UnreadableForm` with the reason."""
    package = open_word_package(data)
    document = package.part("word/document.xml")
    assert document is not None  # open_word_package refuses a package without it
    body = parse_xml(document, "word/document.xml")
    identity = custom_identity(package)
    if identity.rubric_id is not None and rubrics.get(identity.rubric_id) is None:
        raise UnreadableForm(unknown_rubric_problem(identity.rubric_id))
    rubric = rubrics.get(identity.rubric_id or "") or rubric_by_title(body, rubrics)
    located = locate(body, rubric)
    found = identify(Identity(rubric.id, identity.fingerprint), _names(located, rubric), rubrics)
    notes = [*found.notes]
    if not located.controls:
        notes.append(NO_CONTROLS)
    if has_revisions(body):
        notes.append(TRACKED_CHANGES)
    code = "docm" if package.is_macro_enabled else "docx"
    values = with_roster_key(located.values, found.rubric, identity)
    return evaluate(found.rubric, values, source, identity.fingerprint, tuple(notes), format=code)
