"""Word returns made the ways applicants make them, from the generated .docx.

- :func:`fill_controls`: typed into the content controls (python-docx), as Word users do;
- :func:`unwrap_controls`: the controls removed with their text kept, as WPS or a user deleting them leaves it;
- :func:`type_beside`: values typed in the cell next to the (empty) controls;
- :func:`track_changes`: values typed with revision marks on, an earlier value deleted;
- :func:`paste_into_new_document`: the body pasted into a new document without the form's properties;
- :func:`resave_with_libreoffice`: opened and saved again by LibreOffice (as .docx, .doc, .odt, …).
"""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Mapping
from pathlib import Path

import docx
from docx.oxml.ns import qn
from lxml import etree

from tests.libreoffice_support import SOFFICE

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(tag: str, **attrs: str) -> etree._Element:
    element = etree.Element(qn(f"w:{tag}"))
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _run(text: str, deleted: bool = False) -> etree._Element:
    run = _w("r")
    t = _w("delText" if deleted else "t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    run.append(t)
    return run


def _controls(document: docx.document.Document) -> dict[str, etree._Element]:
    found = {}
    for sdt in document.element.body.iter(qn("w:sdt")):
        tag = sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}")
        if tag is not None:
            found[tag.get(qn("w:val"))] = sdt
    return found


def _content(sdt: etree._Element) -> etree._Element:
    return sdt.find(qn("w:sdtContent"))


def _set_text(sdt: etree._Element, value: str) -> None:
    """Replace the control's text by ``value`` (lines of a multi-line value become line breaks)."""
    content = _content(sdt)
    paragraph = content.find(qn("w:p"))
    holder = paragraph if paragraph is not None else content
    for run in list(holder.iter(qn("w:r"))):
        run.getparent().remove(run)
    run = _w("r")
    for index, line in enumerate(value.split("\n")):
        if index:
            run.append(_w("br"))
        t = _w("t")
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.append(t)
    holder.append(run)


def fill_controls(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    document = docx.Document(str(source))
    controls = _controls(document)
    for name, value in values.items():
        _set_text(controls[name], value)
    document.save(str(target))
    return target


def unwrap_controls(source: Path, target: Path) -> Path:
    """Every content control replaced by its content (text kept, control gone)."""
    document = docx.Document(str(source))
    for sdt in list(document.element.body.iter(qn("w:sdt"))):
        parent = sdt.getparent()
        position = parent.index(sdt)
        for offset, child in enumerate(list(_content(sdt))):
            parent.insert(position + offset, child)
        parent.remove(sdt)
    document.save(str(target))
    return target


def type_beside(source: Path, target: Path, values: Mapping[str, str]) -> Path:
    """Each value typed after its control, in the same paragraph, the control left empty."""
    document = docx.Document(str(source))
    controls = _controls(document)
    for name, value in values.items():
        sdt = controls[name]
        sdt.addnext(_run(value))
    document.save(str(target))
    return target


def track_changes(source: Path, target: Path, values: Mapping[str, str], old: str = "0") -> Path:
    """Each value typed with revision marks on: ``old`` deleted, the value inserted."""
    document = docx.Document(str(source))
    controls = _controls(document)
    for number, (name, value) in enumerate(values.items()):
        _set_text(controls[name], "")
        holder = _content(controls[name]).find(qn("w:p"))
        holder = holder if holder is not None else _content(controls[name])
        marks = {"id": str(number * 2 + 1), "author": "张三", "date": "2025-06-30T09:00:00Z"}
        deleted = _w("del", **marks)
        deleted.append(_run(old, deleted=True))
        inserted = _w("ins", **(marks | {"id": str(number * 2 + 2)}))
        inserted.append(_run(value))
        holder.extend([deleted, inserted])
    document.save(str(target))
    return target


def paste_into_new_document(source: Path, target: Path) -> Path:
    """The form's tables and paragraphs pasted into a new, blank document (no custom properties)."""
    original = docx.Document(str(source))
    fresh = docx.Document()
    body = fresh.element.body
    section = body.find(qn("w:sectPr"))
    for child in original.element.body:
        if child.tag != qn("w:sectPr"):
            section.addprevious(copy.deepcopy(child))
    fresh.save(str(target))
    return target


def resave_with_libreoffice(source: Path, out_dir: Path, to: str, profile: Path) -> Path:
    """``source`` opened and saved by LibreOffice as ``to`` (docx, doc, odt, rtf) in ``out_dir``."""
    assert SOFFICE is not None
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to]
    subprocess.run([*command, "--outdir", str(out_dir), str(source)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{source.stem}.{to}"
