"""The PDF writer: ``render_pdf(layout) -> bytes`` and ``write_pdf(layout, path)``, and pre-filling.

:mod:`.writer` registers the embedded font subsets (:mod:`.fonts`, :mod:`.subset`),
draws the pages (:mod:`.render`, with table geometry from :mod:`.table`) and adds
the AcroForm (:mod:`.acroform`, :mod:`.scripts`, :mod:`.cmap`) and the document
identity (:mod:`.metadata`).  :mod:`.prefill` writes a form with values already
in it, as one incremental update (:mod:`.update`) with appearance streams
(:mod:`.appearance`) in a per-form font subset (:mod:`.glyphs`).
"""
