"""The jobs the pages start, each a call into the library API, as the commands make them."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from generator.atomic import atomic_output
from generator.collect.settings import LOOPBACK_HOSTS, ImapSettings
from generator.errors import UserError
from generator.model.rubric import RubricSet
from generator.readers.results import FormResult
from generator.web.jobs import Progress
from generator.web.workspace import OUTPUTS, ProblemRow, ResultRow, Upload, Workspace, file_hash

if TYPE_CHECKING:
    from generator.readers.paper import Outcome
    from generator.reports.tabulate import Tabulation

BUILD = "build"
READ = "read"
REPORT = "report"
"""The job writing the report files of a reading, queued once its results are in the table."""
ARCHIVE = "archive"
COLLECT = "collect"
"""The job collecting the returns out of the office's mailbox."""
RETURNS = "returns"
"""The upload kind of returned forms."""
TRUST = "trust_root"
"""The upload kind of the root certificates electronic seals are checked against."""
BLANK_ZIP = f"{OUTPUTS}/空白表格/空白表格.zip"
REPORTS = f"{OUTPUTS}/汇总"
ARCHIVES = f"{OUTPUTS}/评审档案"
MAILBOX = f"{OUTPUTS}/邮件回收"
"""Where the mailbox collection saves the returns and keeps its ledger (回收记录.jsonl)."""


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


def read_uploaded(
    workspace: Workspace,
    rubrics: RubricSet,
    progress: Progress,
    reports: Callable[[Tabulation], object] | None = None,
) -> str:
    """Read the uploads not read before, tabulate all of them, index the results and write the reports.

    Each upload's outcome (what :func:`~generator.readers.batch.read_batch` gave for its file) is cached
    under its id and content hash, so only new or changed uploads are read; paper applications, grouped
    across files, are put together again from all the outcomes (:func:`~generator.readers.paper.combine`).

    The results table the page shows is replaced as soon as the tabulation is done; the report files
    (xlsx, csv, html) are then written by ``reports`` (the app queues them as a job of their own, so the
    results show without waiting for them), or here when it is None.
    """
    from generator.reports.tabulate import applicant_text

    tabulation = tabulate_uploads(workspace, rubrics, progress)
    rows: list[ResultRow] = []
    details: list[bytes] = []
    for table in tabulation.tables:
        for row in table.rows:
            result = row.result
            rows.append(
                ResultRow(
                    id=0,
                    rubric_id=table.rubric.id,
                    rank=row.rank,
                    source=result.source,
                    applicant=applicant_text(result, table.rubric),
                    format=result.format_text,
                    total=result.total,
                    eligibility=result.eligibility_text,
                    seal=seal_summary(result),
                    problems="\n".join(result.problems),
                    cells=row.cells,
                )
            )
            details.append(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    problems = [ProblemRow(p.source, p.rubric, p.applicant, p.message) for p in tabulation.problems]
    workspace.replace_results(rows, problems, details)
    if reports is None:
        write_report_files(workspace, rubrics, None, tabulation)
    else:
        reports(tabulation)
    return REPORTS


def write_report_files(
    workspace: Workspace, rubrics: RubricSet, progress: Progress | None = None, tabulation: Tabulation | None = None
) -> str:
    """The report files of the uploads' results (``tabulation``, or tabulated again from the cached outcomes)."""
    from generator.reports.outputs import write_reports

    if progress:
        progress(0, 1)
    write_reports(tabulation or tabulate_uploads(workspace, rubrics), workspace.inside(REPORTS))
    if progress:
        progress(1, 1)
    return REPORTS


def tabulate_uploads(workspace: Workspace, rubrics: RubricSet, progress: Progress | None = None) -> Tabulation:
    """Every upload's result, read now or taken from the cache, tabulated (duplicates flagged)."""
    from generator.reports.tabulate import tabulate

    if not workspace.count_uploads(RETURNS):
        raise UserError("还没有上传交回的表格。")
    return tabulate(uploaded_results(workspace, rubrics, progress), rubrics)


def uploaded_results(workspace: Workspace, rubrics: RubricSet, progress: Progress | None = None) -> list[FormResult]:
    """Every upload's result under the name it was uploaded with (cached outcomes, the rest read now)."""
    uploads = workspace.uploads(RETURNS)
    names = {upload.path.name: upload.name for upload in uploads}
    return [named(result, names) for result in upload_results(workspace, uploads, rubrics, progress)]


def upload_results(
    workspace: Workspace, uploads: Sequence[Upload], rubrics: RubricSet, progress: Progress | None = None
) -> list[FormResult]:
    """The results of ``uploads``: cached outcomes where the content is unchanged, the rest read now."""
    from generator.readers.batch import read_batch
    from generator.readers.paper import combine

    cached = workspace.outcomes()
    roots = trust_roots(workspace)
    mark = trust_mark(roots)
    total = len(uploads)
    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[Upload, str]] = []
    for upload in uploads:
        # Stored files never change: the hash taken when the upload was written stands for its content.
        digest = upload.hash or (file_hash(upload.path) if upload.path.is_file() else "")
        found = cached.get(upload.id)
        if found is not None and found[0] in (digest, f"{digest}|{mark}"):
            outcomes[upload.id] = pickle.loads(found[1])
        else:
            todo.append((upload, digest))
    done = len(outcomes)
    if progress:
        progress(done, total)
    if todo:
        by_source = {upload.path.name: (upload, digest) for upload, digest in todo}

        def count(outcome: Outcome) -> None:
            """Keep each file's outcome as it comes in, so a cancelled reading loses none of what it read."""
            nonlocal done
            done += 1
            found = by_source.get(outcome.source)
            if found is not None:
                workspace.store_outcomes([cache_entry(*found, outcome, mark)])
            if progress:
                progress(done, total)

        # The source is the stored name (<id>.pdf): independent of where the workspace is, mapped to the
        # uploaded name by :func:`named`.
        paths = [(upload.path, upload.path.name) for upload, _ in todo]
        read = read_batch(paths, rubrics, on_result=count, trust_roots=roots)
        workspace.store_outcomes([cache_entry(u, d, o, mark) for (u, d), o in zip(todo, read, strict=True)])
        outcomes.update((upload.id, o) for (upload, _), o in zip(todo, read, strict=True))
    from generator.web.keying_pages import keyed_outcome

    keyed = keyed_outcome(workspace, rubrics)  # what was keyed in the 录入 page, applied like a keying workbook
    return combine([*(outcomes[upload.id] for upload in uploads), *([keyed] if keyed else [])], rubrics)


def cache_entry(upload: Upload, digest: str, outcome: Outcome, mark: str) -> tuple[str, str, bytes]:
    """An outcome as the workspace caches it: under its upload, keyed by the content (and, for a form with an
    electronic seal, the trusted roots it was checked against)."""
    key = f"{digest}|{mark}" if sealed(outcome) else digest
    return upload.id, key, pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)


def trust_roots(workspace: Workspace) -> tuple[bytes, ...]:
    """The root certificates (DER) uploaded on the 回收 page, each checked as it was uploaded."""
    from generator.readers.trust import certificates_in

    roots: list[bytes] = []
    for upload in workspace.uploads(TRUST):
        roots += certificates_in(upload.path.read_bytes(), upload.name)
    return tuple(roots)


def trust_mark(roots: Sequence[bytes]) -> str:
    """What a set of root certificates is, whatever its order: an e-sealed form's cached outcome holds only
    under the roots it was checked against."""
    return hashlib.sha256(b"".join(sorted(hashlib.sha256(root).digest() for root in roots))).hexdigest()[:16]


def sealed(outcome: Outcome) -> bool:
    """Whether reading the file checked an electronic seal (its outcome then depends on the trusted roots)."""
    form = outcome if isinstance(outcome, FormResult) else getattr(outcome, "form", None)
    return isinstance(form, FormResult) and form.e_seal is not None and form.e_seal.state != "unsigned"


def seal_summary(result: FormResult) -> str:
    """The seal as the results table shows and filters it: the paper seal seen on a scan, the electronic seal."""
    parts = []
    if result.seal:
        parts.append(f"印章{result.seal_text}")
    if result.e_seal is not None:
        parts.append(f"电子签章{result.e_seal.text}")
    return "；".join(parts)


def write_archive(workspace: Workspace, rubrics: RubricSet, progress: Progress) -> str:
    """The review archive PDFs (one per rubric) of every upload, written into the workspace's outputs."""
    from generator.archive.build import write_archives

    progress(0, 1)
    tabulation = tabulate_uploads(workspace, rubrics)
    paths = write_archives(tabulation.results, rubrics, workspace.inside(ARCHIVES))
    if not paths:
        raise UserError("还没有读出任何表格，无法生成评审档案。")
    progress(1, 1)
    return ARCHIVES


def is_zip(upload: Upload) -> bool:
    from generator.collect.naming import ZIP_EXTENSIONS

    return upload.path.suffix.lower() in ZIP_EXTENSIONS


def unpack_zip(workspace: Workspace, upload: Upload) -> list[Upload]:
    """The returns inside an uploaded zip, each stored as an upload of its own (names kept as data only).

    Unpacked by the collector's :func:`~generator.collect.archives.expand`, within its bounds (size, ratio,
    members, nesting) and reading GBK names as Windows wrote them.  The zip itself is removed once every
    member is in; when one could not be taken out it stays, so the reading reports it.  What the
    unpacking found wrong is kept as a note the 回收 page shows.
    """
    from generator.collect.archives import expand

    expanded = expand(upload.name, upload.path.read_bytes())
    members = [
        workspace.add_upload(RETURNS, " › ".join(member.chain), iter([member.data])) for member in expanded.members
    ]
    for problem in expanded.problems:
        workspace.add_note(RETURNS, problem)
    if expanded.ignored:
        workspace.add_note(
            RETURNS, f"压缩包“{upload.name}”中的这些文件不是交回的表格，已跳过：{'、'.join(expanded.ignored)}"
        )
    if not expanded.incomplete:
        workspace.remove_upload(upload)
    return members


def named(result: FormResult, names: dict[str, str]) -> FormResult:
    """The result with the uploaded file's own name for its stored path (a paper application names several)."""
    source = names.get(result.source)
    if source is None:
        source = result.source
        for stored, name in names.items():
            source = source.replace(stored, name)
    return dataclasses.replace(result, source=source)


@dataclass(frozen=True, slots=True)
class TypedImap(ImapSettings):
    """The collector's IMAP settings whose :meth:`password` is the one typed in the 回收 page (kept in memory only),
    checked as the collector checks it; left out of ``repr`` so that no log or traceback shows it."""

    typed: str = field(default="", repr=False, compare=False)

    def password(self) -> str:
        if not self.user:
            raise UserError("需要 IMAP 登录用户名：请在“回收”页的邮箱设置中填写")
        if not self.typed:
            raise UserError("需要 IMAP 密码：请在“回收”页的邮箱设置中填写密码（密码只保存在本次运行的内存中）")
        if self.security == "none" and self.host.lower() not in LOOPBACK_HOSTS:
            raise UserError("拒绝在未加密的连接上发送密码：请把加密方式改为 SSL 或 STARTTLS")
        return self.typed


@dataclass(frozen=True, slots=True)
class Collecting:
    """How the mailbox is collected: messages received from ``since`` only, marked read or not, and what to
    call when new uploads came in (the app starts reading them)."""

    since: date | None = None
    mark_seen: bool = False
    then: Callable[[], object] | None = None


def collect_mail(
    workspace: Workspace, settings: ImapSettings, progress: Progress, choice: Collecting = Collecting()
) -> str:
    """Save the returns of the mailbox's new messages into :data:`MAILBOX` and make each saved file an upload.

    The collector's ledger there makes a second run (or one resuming an interrupted job) read only the
    messages not collected yet; a file saved but not yet made an upload (the server stopped in between) is
    taken in by the next run.  What the collector found wrong is kept as notes of the 回收 page.
    """
    from generator.collect import collect_mailbox

    out = workspace.inside(MAILBOX)
    out.mkdir(parents=True, exist_ok=True)
    run = collect_mailbox(settings, out, choice.since, choice.mark_seen, on_progress=progress)
    added = take_collected(workspace, out)
    for message in run.messages:
        for problem in message.problems:
            workspace.add_note(RETURNS, f"邮件“{message.subject or message.where}”（{message.address}）：{problem}")
    for trouble in run.troubles:
        workspace.add_note(RETURNS, trouble)
    if added and choice.then is not None:
        choice.then()
    if run.stopped:
        raise UserError(f"收取邮件中途停止：{run.stopped}（已保存 {added} 个文件）")
    return MAILBOX


def take_collected(workspace: Workspace, out: Path) -> int:
    """Every file the ledger in ``out`` says was saved and that is not an upload yet, added as one."""
    from generator.collect import ledger_senders

    taken = workspace.collected()
    added = 0
    for name in ledger_senders(out):
        if name in taken:
            continue
        path = (out / name).resolve()
        if not path.is_relative_to(out) or not path.is_file():
            continue
        upload = workspace.add_upload(RETURNS, path.name, iter([path.read_bytes()]))
        workspace.mark_collected(name, upload.id)
        added += 1
    return added
