"""The jobs the pages start, each a call into the library API, as the commands make them."""

from __future__ import annotations

import dataclasses
import tempfile
import zipfile
from pathlib import Path

from generator.atomic import atomic_output
from generator.errors import UserError
from generator.model.rubric import RubricSet
from generator.readers.results import FormResult
from generator.web.jobs import Progress
from generator.web.workspace import OUTPUTS, ProblemRow, ResultRow, Workspace

BUILD = "build"
READ = "read"
RETURNS = "returns"
"""The upload kind of returned forms."""
BLANK_ZIP = f"{OUTPUTS}/空白表格/空白表格.zip"
REPORTS = f"{OUTPUTS}/汇总"


def build_blank(workspace: Workspace, rubrics: RubricSet, progress: Progress) -> str:
    """Every rubric's Word form and fillable PDF, in one zip; returns the zip's workspace path."""
    from generator.writers.forms import build_forms

    progress(0, 1)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=workspace.root / OUTPUTS) as folder:
        paths = build_forms(rubrics, Path(folder))
        with atomic_output(workspace.inside(BLANK_ZIP)) as handle, zipfile.ZipFile(handle, "w") as archive:
            for path in paths:
                archive.write(path, path.name, zipfile.ZIP_DEFLATED)
    progress(1, 1)
    return BLANK_ZIP


def read_uploaded(workspace: Workspace, rubrics: RubricSet, progress: Progress) -> str:
    """Read every returned form uploaded so far, tabulate, write the reports and index the results."""
    from generator.readers.batch import read_returns
    from generator.readers.files import display_name
    from generator.reports.outputs import write_reports
    from generator.reports.tabulate import applicant_text, tabulate

    uploads = workspace.uploads(RETURNS)
    if not uploads:
        raise UserError("还没有上传交回的表格。")
    names = {display_name(upload.path): upload.name for upload in uploads}
    results = read_returns([upload.path for upload in uploads], rubrics, on_progress=progress)
    tabulation = tabulate([named(result, names) for result in results], rubrics)
    write_reports(tabulation, workspace.inside(REPORTS))
    rows = [
        ResultRow(
            id=0,
            rubric_id=table.rubric.id,
            rank=row.rank,
            source=row.result.source,
            applicant=applicant_text(row.result, table.rubric),
            format=row.result.format_text,
            total=row.result.total,
            eligibility=row.result.eligibility_text,
            seal=row.result.seal_text,
            problems="\n".join(row.result.problems),
            cells=row.cells,
        )
        for table in tabulation.tables
        for row in table.rows
    ]
    problems = [ProblemRow(p.source, p.rubric, p.applicant, p.message) for p in tabulation.problems]
    workspace.replace_results(rows, problems)
    return REPORTS


def named(result: FormResult, names: dict[str, str]) -> FormResult:
    """The result with the uploaded file's own name for its stored path (a paper application names several)."""
    source = names.get(result.source)
    if source is None:
        source = result.source
        for stored, name in names.items():
            source = source.replace(stored, name)
    return dataclasses.replace(result, source=source)
