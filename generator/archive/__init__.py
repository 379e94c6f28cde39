"""The review panel's archive: one PDF per rubric with every application, ranked, bookmarked, fully embedded.

:func:`write_archives` takes the results of :func:`generator.readers.batch.read_returns`
(PDF, Word and paper returns alike) and writes ``评审档案-<评分表>.pdf`` for each rubric:

- a cover (:mod:`.cover`) and the ranking table (:mod:`.ranking`);
- each application's form re-rendered from its result by the PDF writer's own renderer,
  values drawn, no fields left (:mod:`.forms`); its original scanned pages (:mod:`.scans`);
  its problem list (:mod:`.problems`);
- bookmarks and page labels (:mod:`.outline`), document metadata (:mod:`.metadata`);

all drawn onto one canvas with one embedded font subset (:mod:`.document`).
"""

from __future__ import annotations

from generator.archive.build import archive_name, render_archive, write_archives

__all__ = ["archive_name", "render_archive", "write_archives"]
