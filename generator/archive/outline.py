"""The archive's navigation: bookmarks (the rubric, then each applicant in ranking order) and page labels.

Page labels: the cover and the ranking table are i, ii, iii …; each
application's pages are ``序号-页`` (``3-1``, ``3-2`` …, the number being its
place in the ranking table), so a page label says whose material a page is
wherever the document is opened or printed.  Bookmarks: one top entry for the
rubric (on the cover), under it the ranking table and every applicant in
ranking order, and under an applicant its original pages and its problem list
when it has them (closed, so the list of applicants stays short).
"""

from __future__ import annotations

from generator.archive.document import ARABIC, ROMAN_LOWER, ArchiveCanvas
from generator.archive.entries import Entry

COVER_KEY = "cover"
RANKING_KEY = "ranking"
RANKING_TITLE = "排名表"


def rubric_title(name: str, count: int) -> str:
    return f"{name}评审档案（{count} 份）"


def scans_title(count: int) -> str:
    return f"原件扫描页（{count} 页）"


def problems_title(count: int) -> str:
    return f"读取时发现的问题（{count} 项）"


def mark_cover(doc: ArchiveCanvas, name: str, count: int) -> None:
    """On the cover: roman page labels from here, and the rubric's top bookmark."""
    doc.label_pages(ROMAN_LOWER)
    doc.bookmark(COVER_KEY, rubric_title(name, count), 0)


def mark_ranking(doc: ArchiveCanvas) -> None:
    doc.bookmark(RANKING_KEY, RANKING_TITLE, 1)


def mark_application(doc: ArchiveCanvas, entry: Entry) -> None:
    """On an application's first page: its page labels from here, and its bookmark."""
    doc.label_pages(ARABIC, entry.label_prefix)
    has_parts = bool(entry.scan_pages or entry.result.problems)
    doc.bookmark(entry.key, entry.outline_title, 1, closed=has_parts)


def mark_scans(doc: ArchiveCanvas, entry: Entry) -> None:
    doc.bookmark(f"{entry.key}-scans", scans_title(len(entry.scan_pages)), 2)


def mark_problems(doc: ArchiveCanvas, entry: Entry) -> None:
    doc.bookmark(f"{entry.key}-problems", problems_title(len(entry.result.problems)), 2)
