"""One returned file read into a :class:`~generator.readers.results.FormResult`, whatever is wrong with it.

    >>> from generator import load
    >>> from generator.readers.returns import read_return
    >>> result = read_return(Path("张三.pdf"), load())
    >>> result.total, result.eligibility_text, result.problems

A PDF goes to the PDF reader, a .docx or .docm to the Word reader; .doc,
.wps, .rtf and .odt are converted to .docx by LibreOffice first
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
from dataclasses import replace
from pathlib import Path

from generator.model.rubric import RubricSet
from generator.readers.files import FileProblem, display_name, read_regular_file
from generator.readers.formats import CONVERTED, EMPTY, HEAD_BYTES, UNKNOWN, Kind, sniff
from generator.readers.results import FormResult, UnreadableForm, unreadable


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
    """
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
        result = read_data(data, found, shown, rubrics)
        return result if kind is None else replace(result, format=kind)
    except UnreadableForm as exc:
        return unreadable(shown, str(exc), code if code in ("pdf", "docx", *CONVERTED) else "")


def read_data(data: bytes, kind: Kind, source: str, rubrics: RubricSet) -> FormResult:
    """Read a return from its bytes by its kind; raises :class:`UnreadableForm`."""
    if kind == "pdf":
        from generator.readers.pdf.reader import read_pdf

        return read_pdf(data, source, rubrics)
    if kind == "empty":
        raise UnreadableForm(EMPTY)
    if kind == "unknown":
        raise UnreadableForm(UNKNOWN)
    from generator.readers.docx.reader import read_docx

    return read_docx(data, source, rubrics)


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
