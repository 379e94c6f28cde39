"""Typed access to the private parts of reportlab's Canvas this package relies on.

The fields and the identity are written straight into the document reportlab
is drawing: through ``Canvas._doc`` (its :class:`PDFDocument`) and
``Canvas._addAnnotation``.  Neither is public API, so types-reportlab does not
describe them; the protocol below does, in this one place.
"""

from __future__ import annotations

from typing import Protocol, cast

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFDocument
from reportlab.pdfgen.canvas import Canvas


class _CanvasInternals(Protocol):
    _doc: PDFDocument

    def _addAnnotation(self, annotation: PDFDictionary, name: str | None = None) -> None: ...


def _internals(canvas: Canvas) -> _CanvasInternals:
    return cast(_CanvasInternals, canvas)


def canvas_document(canvas: Canvas) -> PDFDocument:
    """The :class:`PDFDocument` the canvas draws into (``Canvas._doc``)."""
    return _internals(canvas)._doc


def add_annotation(canvas: Canvas, annotation: PDFDictionary, name: str) -> None:
    """Add a named annotation to the document and to the current page (``Canvas._addAnnotation``)."""
    _internals(canvas)._addAnnotation(annotation, name=name)
