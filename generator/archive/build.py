"""One PDF per rubric: cover, ranking table, then every application — its form re-rendered from its
result, its original scanned pages, its problem list — with bookmarks, page labels and metadata.

Each rubric's archive is one reportlab canvas and one font subset
(:mod:`generator.archive.document`).  Rubrics are rendered in worker processes
when there is more than one to do and enough applications to be worth it; the
files are written as one consistent set (:func:`generator.atomic.write_file_set`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from generator.archive.cover import cover_text, draw_cover
from generator.archive.document import ASCII, ArchiveCanvas, Band, open_canvas
from generator.archive.entries import Entry, archive_entries
from generator.archive.forms import draw_form, form_texts
from generator.archive.metadata import add_metadata
from generator.archive.outline import mark_application, mark_cover, mark_problems, mark_ranking, mark_scans
from generator.archive.problems import draw_problems, problem_texts, problem_titles
from generator.archive.ranking import RankingWriter, ranking_table, ranking_titles
from generator.archive.scans import PageRef, ScanImage, draw_scans, load_scans, scan_texts
from generator.atomic import write_file_set
from generator.filenames import safe_component
from generator.layout.form import FormLayout, build_layout
from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import FormResult
from generator.writers.pdf.fonts import FontSettings
from generator.writers.pdf.render import Styles, make_styles

OWNER = "archive"
PREFIX = "评审档案"
PARALLEL_FROM = 60
"""Render rubrics in worker processes only from this many applications in all (a process costs ~0.5 s)."""


def archive_name(rubric: Rubric) -> str:
    return f"{PREFIX}-{safe_component(rubric.name)}.pdf"


def archive_title(rubric: Rubric) -> str:
    return f"{rubric.name}评审档案"


def render_archive(
    rubric: Rubric, results: Sequence[FormResult], generated: datetime, fonts: FontSettings | None = None
) -> bytes:
    """The archive PDF of ``rubric``'s applications among ``results``."""
    from generator.writers.pdf.writer import body_text

    layout = build_layout(rubric)
    form_pages = len(layout.pages)
    entries = archive_entries(rubric, results)
    images = load_scans(entries)
    cover = cover_text(rubric, entries, generated, "ii")
    table = ranking_table(rubric, entries, form_pages)
    texts = [ASCII, "…", body_text(layout), archive_title(rubric), *cover.texts(), *table.texts()]  # … cuts
    texts += [image.problem for image in images.values()]
    for entry in entries:
        texts += [entry.summary(), entry.source_line(), f"第 {entry.number} 份，共 {len(entries)} 份"]
        texts += [*form_texts(entry), *scan_texts(entry), *problem_texts(entry)]
    titles = [ASCII, *layout.heading.title_lines, *cover.titles(), *ranking_titles(), *problem_titles(entries)]
    doc = open_canvas("".join(texts), "".join(titles), fonts or FontSettings())
    styles = make_styles(layout, doc.body, doc.title)

    mark_cover(doc, rubric.name, len(entries))
    draw_cover(doc, cover)
    mark_ranking(doc)
    RankingWriter(doc, table, Band(archive_title(rubric), "排名表")).draw()
    for entry in entries:
        _draw_application(doc, layout, styles, entry, len(entries), images)
    add_metadata(doc, rubric, len(entries), generated)
    return doc.save()


def _draw_application(
    doc: ArchiveCanvas,
    layout: FormLayout,
    styles: Styles,
    entry: Entry,
    count: int,
    images: dict[PageRef, ScanImage],
) -> None:
    band = Band(
        archive_title(entry.rubric), f"第 {entry.number} 份，共 {count} 份", entry.summary(), entry.source_line()
    )
    mark_application(doc, entry)
    pages = draw_form(doc, layout, styles, entry, band)
    if entry.scan_pages:
        mark_scans(doc, entry)
        pages += draw_scans(doc, entry, band, images, pages + 1)
    if entry.result.problems:
        mark_problems(doc, entry)
        draw_problems(doc, entry, band, pages + 1)


def _render_job(job: tuple[Rubric, list[FormResult], datetime, FontSettings | None]) -> bytes:
    return render_archive(*job)


def write_archives(
    results: Sequence[FormResult],
    rubrics: RubricSet,
    out_dir: Path,
    generated: datetime | None = None,
    *,
    fonts: FontSettings | None = None,
    jobs: int = 0,
) -> list[Path]:
    """Write one archive PDF per rubric that has applications among ``results`` into ``out_dir``
    (``评审档案-<评分表>.pdf``), as one set: archives of a previous run whose rubric has none now are removed.

    ``generated`` is the time the cover and the metadata give (default: now; a naive time is local); ``jobs`` the worker
    processes (0: one per CPU).  Pass :func:`generator.reports.tabulate.tabulate`'s ``results`` to have
    duplicate returns flagged in the problem lists.  Returns the paths written.
    """
    from generator.readers.limits import default_jobs, default_start_method

    moment = generated if generated is not None and generated.tzinfo is not None else None
    moment = moment or (generated or datetime.now()).astimezone()  # a naive time, or none: local time
    work = [(r, [x for x in results if x.read and x.rubric_id == r.id]) for r in rubrics]
    work = sorted([(r, mine) for r, mine in work if mine], key=lambda item: -len(item[1]))
    job_list = [(rubric, mine, moment, fonts) for rubric, mine in work]
    workers = min(jobs or default_jobs(), len(job_list))
    if workers > 1 and sum(len(mine) for _, mine in work) >= PARALLEL_FROM:
        import multiprocessing

        context = multiprocessing.get_context(default_start_method())
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            rendered = list(pool.map(_render_job, job_list))
    else:
        rendered = [_render_job(job) for job in job_list]
    by_rubric = {rubric.id: data for (rubric, _), data in zip(work, rendered, strict=True)}
    return write_file_set(out_dir, archive_files(rubrics, by_rubric), OWNER)


def archive_files(rubrics: RubricSet, data: dict[str, bytes]) -> dict[str, bytes]:
    """File name → bytes, in the rubrics' order; a name two rubrics would share gets the rubric id."""
    files: dict[str, bytes] = {}
    for rubric in rubrics:
        if rubric.id in data:
            name = archive_name(rubric)
            if name.casefold() in (n.casefold() for n in files):
                name = name.removesuffix(".pdf") + f"-{rubric.id}.pdf"
            files[name] = data[rubric.id]
    return files
