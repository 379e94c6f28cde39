"""The text of WordprocessingML, read as Word shows it with every tracked change accepted.

Inserted text (``w:ins``, ``w:moveTo``) is kept and deleted text (``w:del``,
``w:moveFrom``) dropped; field instructions are not text; of an
``mc:AlternateContent`` only the first choice is read (its fallback repeats
it).  LibreOffice (7.4) saves a content control holding mixed Chinese and
Latin text as a run of sibling controls with the same title and no tag, the
first holding the value and each of the others a piece of it followed by the
whole value again: of such a run only the first control is read.  Converting
a .doc or .odt, it turns each control into input fields (FORMTEXT or FILLIN)
instead, the value repeated around and after them: a paragraph holding input
fields reads as the first field's result.  Tabs and
line breaks become ``\\t`` and ``\\n``, paragraphs end with ``\\n``.  The
walk uses its own stack, so no document, however deep, can exhaust Python's
recursion.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
SKIPPED = frozenset({f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delText", f"{W}rPr", f"{W}pPr", f"{MC}Fallback"})
REVISIONS = (f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo")
CHARACTERS = {f"{W}tab": "\t", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}


def _pieces(element: etree._Element) -> Iterator[str]:
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            yield "\n"
            continue
        tag = node.tag
        if tag in SKIPPED or not isinstance(tag, str):
            continue
        if tag == f"{W}t":
            yield node.text or ""
            continue
        if tag in CHARACTERS:
            yield CHARACTERS[tag]
            continue
        if tag == f"{W}sdt" and repeats_previous_control(node):
            continue
        if tag == f"{W}p":
            stack.append((node, True))
            fillin = _first_input_result(node)
            if fillin is not None:
                yield fillin
                continue
        stack.extend((child, False) for child in reversed(node))


INPUT_FIELDS = frozenset({"FILLIN", "FORMTEXT"})


def _first_input_result(paragraph: etree._Element) -> str | None:
    """The result of the first input field (FORMTEXT, FILLIN) in ``paragraph``; ``None`` without one."""
    instructions = [t for t in paragraph.iter(f"{W}instrText") if set((t.text or "").split()[:1]) & INPUT_FIELDS]
    if not instructions:
        return None
    state, result = "before", list[str]()
    for node in paragraph.iter(f"{W}fldChar", f"{W}instrText", f"{W}t"):
        if node.tag == f"{W}fldChar":
            kind = node.get(f"{W}fldCharType")
            if state == "result" and kind == "end":
                return "".join(result)
            state = "result" if (state == "fillin" and kind == "separate") else state
        elif node.tag == f"{W}instrText" and state == "before" and node is instructions[0]:
            state = "fillin"
        elif node.tag == f"{W}t" and state == "result":
            result.append(node.text or "")
    return "".join(result)


def control_title(sdt: etree._Element) -> tuple[str | None, str | None]:
    """A content control's tag and title (``w:alias``)."""
    properties = sdt.find(f"{W}sdtPr")
    if properties is None:
        return None, None
    tag, alias = properties.find(f"{W}tag"), properties.find(f"{W}alias")
    return (
        tag.get(f"{W}val") if tag is not None else None,
        alias.get(f"{W}val") if alias is not None else None,
    )


def repeats_previous_control(sdt: etree._Element) -> bool:
    """Whether ``sdt`` continues LibreOffice's run of copies of the control just before it."""
    previous = sdt.getprevious()
    if previous is None or previous.tag != f"{W}sdt":
        return False
    tag, alias = control_title(sdt)
    return tag is None and alias is not None and control_title(previous) == (None, alias)


def text_of(element: etree._Element) -> str:
    """The text inside ``element`` (a body, a cell, a content control), tracked changes accepted."""
    return "".join(_pieces(element))


def has_revisions(body: etree._Element) -> bool:
    """Whether the document holds tracked changes (insertions, deletions or moves)."""
    return any(True for _ in body.iter(*REVISIONS))
