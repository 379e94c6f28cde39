"""One returned file read into a :class:`~generator.readers.results.FormResult`, whatever is wrong with it.

    >>> from generator import load
    >>> from generator.readers.returns import read_return
    >>> result = read_return(Path("张三.pdf"), load())
    >>> result.total, result.eligibility_text, result.problems

A PDF goes to the PDF reader, a .docx or .docm to the Word reader, a keying
workbook (录入表.xlsx) to :mod:`.keyed`; an image, or a PDF without form
fields whose pages carry our page codes, to the paper reader
(:mod:`.scan`), which reads pages (a batch groups them into applications:
:mod:`.paper`); .doc, .wps, .rtf and .odt are converted to .docx by LibreOffice first
(:mod:`.convert`; a batch converts all of its files in one LibreOffice run
and reads the results with ``kind`` saying what they were).  A bad file
never raises: it yields a result with one problem saying why it could not be
read.  Only regular files are opened (see :mod:`.files`): a named pipe, a
device or a broken link is a problem, never a hang.  Each format's reader
bounds its own parsing; for files from outside, read batches with
:func:`generator.readers.batch.read_batch`, which adds a per-file timeout and
memory cap.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator.model.rubric import RubricSet
from generator.readers.files import FileProblem, display_name, read_regular_file
from generator.readers.formats import CONVERTED, EMPTY, HEAD_BYTES, HEIC, UNKNOWN, Kind, sniff
from generator.readers.results import FormResult, NoFormFields, UnreadableForm, unreadable

if TYPE_CHECKING:
    from generator.readers.paper import Outcome


def read_return(
    path: Path,
    rubrics: RubricSet,
    source: str | None = None,
    kind: Kind | None = None,
    failed: str | None = None,
) -> FormResult:
    """Read the returned file at ``path``; ``source`` is how outputs name it (default: the path, displayable).

    For a file a batch has converted, ``kind`` says what it was (``path`` is then LibreOffice's
    .docx); for one LibreOffice could not convert, ``failed`` says why (``path`` is the original).
    A scan holding one paper application gives that application's result; for scans of many, or
    for keying workbooks, read the batch (:func:`generator.readers.batch.read_returns`).
    """
    outcome = read_file(path, rubrics, source, kind, failed)
    if isinstance(outcome, FormResult):
        return outcome
    from generator.readers.paper import combine

    results = combine([outcome], rubrics)
    if len(results) == 1:
        return results[0]
    shown = source or display_name(path)
    return unreadable(shown, f"这个文件含 {len(results)} 份纸质申报表或录入记录，请整批读取（read_returns）。", "scan")


def read_file(
    path: Path,
    rubrics: RubricSet,
    source: str | None = None,
    kind: Kind | None = None,
    failed: str | None = None,
    trust_roots: Sequence[bytes] = (),
) -> Outcome:
    """What one file of a batch gives: a form's result, a scan's pages or a keying workbook."""
    shown = source or display_name(path)
    code = kind or ""
    try:
        data = read_bytes(path)
        found = sniff(data[:HEAD_BYTES], path.name)
        code = kind or found
        if found in CONVERTED:
            if found in ("doc", "wps"):
                _refuse_encrypted(data)
            if failed is not None:
                return unreadable(shown, failed, found)
            return read_converted(path, rubrics, shown, found)
        outcome = read_data(data, found, shown, rubrics, trust_roots)
        return replace(outcome, format=kind) if kind is not None and isinstance(outcome, FormResult) else outcome
    except UnreadableForm as exc:
        return unreadable(shown, str(exc), code if code in ("pdf", "docx", "image", *CONVERTED) else "")


def read_data(data: bytes, kind: Kind, source: str, rubrics: RubricSet, trust_roots: Sequence[bytes] = ()) -> Outcome:
    """Read a return from its bytes by its kind; raises :class:`UnreadableForm`."""
    if kind == "pdf":
        return _read_pdf_or_scan(data, source, rubrics, trust_roots)
    if kind == "image":
        from generator.readers.scan.pages import read_scan

        return read_scan(data, source, rubrics, pdf=False)
    if kind == "heic":
        raise UnreadableForm(HEIC)
    if kind == "empty":
        raise UnreadableForm(EMPTY)
    if kind == "unknown":
        raise UnreadableForm(UNKNOWN)
    from generator.readers.keyed import is_keying_workbook

    if is_keying_workbook(data):
        from generator.readers.keyed import read_keying_workbook

        return read_keying_workbook(data, source, rubrics)
    from generator.readers.docx.reader import read_docx

    return read_docx(data, source, rubrics)


def _read_pdf_or_scan(data: bytes, source: str, rubrics: RubricSet, trust_roots: Sequence[bytes]) -> Outcome:
    """A PDF form's fields (and its other pages read as scans, when a scan was appended to the form);
    a PDF without fields is read as a scan when its pages carry our codes."""
    from generator.readers.pdf.reader import read_pdf_form
    from generator.readers.scan.pages import read_scan

    try:
        form = read_pdf_form(data, source, rubrics)
    except NoFormFields:
        scanned = read_scan(data, source, rubrics, pdf=True)
        if any(page.code is not None for page in scanned.pages):
            return scanned
        raise
    result = with_e_seal(form.result, data, rubrics, trust_roots)
    if not form.extra_pages:
        return result
    scanned = read_scan(data, source, rubrics, pdf=True, only=form.extra_pages, form=result)
    if any(page.code is not None for page in scanned.pages):
        return scanned
    return result.with_problems(attachment_note(form.extra_pages))


def attachment_note(pages: range) -> str:
    """Pages after the form that are none of its pages (no page code): said, not read."""
    first, last = pages.start + 1, pages.stop
    where = f"第 {first} 页" if first == last else f"第 {first}–{last} 页"
    return f"表格后另附了 {len(pages)} 页（{where}），不是本表格的页面（没有表格页码二维码），未读取，请人工查看。"


def with_e_seal(result: FormResult, data: bytes, rubrics: RubricSet, trust_roots: Sequence[bytes]) -> FormResult:
    """The form's result with its electronic seal checked, and what that check found among its problems."""
    from generator.readers.pdf.esign import e_seal_problems, read_e_seal

    rubric = rubrics.get(result.rubric_id or "")
    if rubric is None:
        return result
    e_seal = read_e_seal(data, rubric, result.organization, trust_roots)
    problems = e_seal_problems(e_seal, rubric)
    return replace(result, e_seal=e_seal, problems=(*problems, *result.problems))


def read_converted(path: Path, rubrics: RubricSet, source: str, kind: Kind) -> FormResult:
    """Convert one .doc/.wps/.rtf/.odt with LibreOffice and read the result."""
    from generator.readers.convert import convert_to_docx

    with tempfile.TemporaryDirectory(prefix="rubric-forms-") as work:
        (conversion,) = convert_to_docx([path], Path(work))
        if conversion.converted is None:
            return unreadable(source, conversion.problem or "LibreOffice 无法转换该文件。", kind)
        return read_return(conversion.converted, rubrics, source, kind)


def _refuse_encrypted(data: bytes) -> None:
    """Raise the password problem for a password-protected Word file (an OLE file, as .doc is)."""
    from generator.readers.docx.package import NeedsConversion, open_word_package

    try:
        open_word_package(data)
    except NeedsConversion:
        return


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no form could be; raises :class:`UnreadableForm`."""
    try:
        return read_regular_file(path)
    except FileProblem as exc:
        raise UnreadableForm(str(exc)) from exc
