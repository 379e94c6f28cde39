"""One returned file read into a :class:`~generator.readers.results.FormResult`, whatever is wrong with it.

    >>> from generator import load
    >>> from generator.readers.returns import read_return
    >>> result = read_return(Path("张三.pdf"), load())
    >>> result.total, result.eligibility_text, result.problems

A bad file never raises: it yields a result with one problem saying why it
could not be read.  Only regular files are opened (see :mod:`.files`): a
named pipe, a device or a broken link is a problem, never a hang.  Each
format's reader bounds its own parsing; for files from outside, read batches
with :func:`generator.readers.batch.read_batch`, which adds a per-file
timeout and memory cap.
"""

from __future__ import annotations

from pathlib import Path

from generator.model.rubric import RubricSet
from generator.readers.files import FileProblem, display_name, read_regular_file
from generator.readers.pdf.reader import read_pdf
from generator.readers.results import FormResult, UnreadableForm, unreadable


def read_return(path: Path, rubrics: RubricSet, source: str | None = None) -> FormResult:
    """Read the returned file at ``path``; ``source`` is how outputs name it (default: the path, displayable)."""
    shown = source or display_name(path)
    try:
        return read_pdf(read_bytes(path), shown, rubrics)
    except UnreadableForm as exc:
        return unreadable(shown, str(exc))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what no form could be; raises :class:`UnreadableForm`."""
    try:
        return read_regular_file(path)
    except FileProblem as exc:
        raise UnreadableForm(str(exc)) from exc
