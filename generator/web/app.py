"""The Starlette application: the pages, the job status the progress bars poll, and the downloads.

Pages are Jinja2 templates from ``templates/web/``; static files from
``templates/web/static/`` (both ship in the wheel with the other templates).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from generator.errors import UserError
from generator.model.rubric import RubricSet
from generator.readers.results import Crop, FormResult
from generator.resources import bundled_templates, template_dirs
from generator.textrender import environment
from generator.web import pipelines
from generator.web.distribute_pages import DistributePages
from generator.web.jobs import JobRunner, Work
from generator.web.keying_pages import KeyingPages
from generator.web.security import Guard, cookie_name, csrf_token, refusal
from generator.web.trust_pages import TrustPages
from generator.web.workspace import FILTERS, RESULT_ORDERS, OutsideWorkspace, Upload, Workspace

MAX_BODY = 512 * 1024 * 1024
"""The largest request body (one upload of many files) the server reads."""
MAX_FILES = 1000
"""The most files one upload may carry."""
CHUNK = 1024 * 1024
PAGE_ROWS = 100
"""The rows of the results table one page shows."""
PAGE_PROBLEMS = 200
"""The problems the 回收 page lists; the report files have them all."""

PAGES = (
    ("forms", "表格"),
    ("distribute", "发放"),
    ("returns", "回收"),
    ("keying", "录入"),
    ("roster", "名单核对"),
)
LATER: dict[str, str] = {}
JOB_NAMES = {
    pipelines.BUILD: "生成空白表格",
    pipelines.READ: "读取交回的表格",
    pipelines.REPORT: "生成汇总文件",
    pipelines.ARCHIVE: "生成评审档案",
    pipelines.COLLECT: "从邮箱收取",
}
IMAP_FIELDS = ("host", "port", "security", "user", "folder", "since", "mark_seen")
IMAP_DEFAULTS = {"security": "ssl", "folder": "INBOX"}
IMAP_CA = "imap_ca"
"""The upload kind of the certificate a self-signed office mail server is trusted with; the setting naming it."""
MAX_CA = 1024 * 1024


class App:
    """The routes' shared state: the workspace, the rubrics, the job runner and the page renderer."""

    def __init__(self, workspace: Workspace, token: str, rubrics: RubricSet) -> None:
        self.workspace = workspace
        self.rubrics = rubrics
        self.csrf = csrf_token(token)
        self.jobs = JobRunner(workspace)
        self.templates = environment(template_dirs())
        self.imap_passwords: dict[str, str] = {}
        """The IMAP password by session, in memory only (as the SMTP one of 发放)."""
        self.trust = TrustPages(self)
        self.register_resumable()

    def page(self, template: str, active: str, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(f"web/{template}").render(
            pages=PAGES, active=active, csrf=self.csrf, job_names=JOB_NAMES, resumable=self.jobs.restarts, **context
        )
        return HTMLResponse(html)

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/", lambda _: RedirectResponse("/forms", status_code=303)),
            Route("/forms", self.forms_page),
            Route("/forms/build", self.build, methods=["POST"]),
            Route("/forms/blank.zip", self.blank_zip),
            Route("/returns", self.returns_page),
            Route("/returns/upload", self.upload, methods=["POST"]),
            Route("/returns/read", self.read, methods=["POST"]),
            Route("/returns/results/{result_id:int}", self.result_page),
            Route("/returns/results/{result_id:int}/crops/{number:int}.jpg", self.crop_image),
            Route("/returns/download/{name}", self.report_file),
            Route("/returns/archive", self.archive, methods=["POST"]),
            Route("/returns/archive/{name}", self.archive_file),
            Route("/returns/mailbox", self.collect, methods=["POST"]),
            Route("/jobs/{job_id}", self.job_status),
            Route("/jobs/{job_id}/resume", self.resume_job, methods=["POST"]),
            Route("/jobs/{job_id}/cancel", self.cancel_job, methods=["POST"]),
            *DistributePages(self).routes(),
            *KeyingPages(self).routes(),
            *self.trust.routes(),
            *(Route(f"/{name}", functools.partial(self.later, name)) for name in LATER),
            Mount("/static", StaticFiles(directory=bundled_templates() / "web" / "static"), name="static"),
        ]

    # 表格

    async def forms_page(self, request: Request) -> Response:
        job = self.workspace.latest_job(pipelines.BUILD)
        ready = job is not None and job.state == "done" and self.workspace.inside(pipelines.BLANK_ZIP).is_file()
        return self.page("forms.html.j2", "forms", rubrics=list(self.rubrics), job=job, ready=ready)

    async def build(self, request: Request) -> Response:
        workspace, rubrics = self.workspace, self.rubrics
        self.jobs.submit(pipelines.BUILD, lambda progress: pipelines.build_blank(workspace, rubrics, progress))
        return RedirectResponse("/forms", status_code=303)

    async def blank_zip(self, request: Request) -> Response:
        return self.download(pipelines.BLANK_ZIP)

    # 回收

    async def returns_page(self, request: Request) -> Response:
        workspace, query = self.workspace, request.query_params
        counts = workspace.counts()
        chosen = query.get("rubric") or next((r.id for r in self.rubrics if counts.get(r.id)), "")
        order = query.get("order", "rank")
        order = order if order in RESULT_ORDERS else "rank"
        only_problems = query.get("problems") == "1"
        filters = {column: query.get(column, "") for column in FILTERS}
        rubric = self.rubrics.get(chosen)
        found = workspace.count_results(chosen, only_problems=only_problems, filters=filters) if rubric else 0
        pages = max(1, -(-found // PAGE_ROWS))
        number = min(max(1, int(query["page"]) if query.get("page", "").isdigit() else 1), pages)
        rows = (
            workspace.results(
                chosen,
                only_problems=only_problems,
                order=order,
                filters=filters,
                limit=PAGE_ROWS,
                offset=(number - 1) * PAGE_ROWS,
            )
            if rubric
            else []
        )
        archive_job = workspace.latest_job(pipelines.ARCHIVE)
        return self.page(
            "returns.html.j2",
            "returns",
            uploads=workspace.count_uploads(pipelines.RETURNS),
            job=workspace.latest_job(pipelines.READ),
            report_job=workspace.latest_job(pipelines.REPORT),
            collect_job=workspace.latest_job(pipelines.COLLECT),
            imap=self.imap_form(request),
            archive_job=archive_job,
            counts={r.id: counts.get(r.id, 0) for r in self.rubrics},
            rubrics=list(self.rubrics),
            rubric=rubric,
            rows=rows,
            paging={"number": number, "pages": pages, "found": found, "first": (number - 1) * PAGE_ROWS + 1},
            order=order,
            only_problems=only_problems,
            filters=filters,
            choices=workspace.choices(chosen) if rubric else {},
            notes=workspace.notes(pipelines.RETURNS),
            roots=self.trust.roots(),
            problems=workspace.problems(PAGE_PROBLEMS),
            problem_count=workspace.count_problems(),
            reports=self.reports(),
            archives=self.archives() if archive_job is not None and archive_job.state == "done" else [],
            max_files=MAX_FILES,
            max_mb=MAX_BODY // (1024 * 1024),
        )

    async def upload(self, request: Request) -> Response:
        try:
            async with request.form(max_files=MAX_FILES, max_fields=10) as form:
                files = [
                    item
                    for item in form.getlist("files")
                    if isinstance(item, UploadFile) and item.filename and not hidden_upload(item.filename)
                ]
                for item in files:
                    chunks = iter(functools.partial(item.file.read, CHUNK), b"")
                    upload = await run_in_threadpool(
                        self.workspace.add_upload, pipelines.RETURNS, item.filename or "", chunks
                    )
                    if pipelines.is_zip(upload):
                        await run_in_threadpool(pipelines.unpack_zip, self.workspace, upload)
        except HTTPException as exc:  # the multipart parser's refusals, in English
            if "Too many files" in str(exc.detail):
                return refusal(413, f"一次最多上传 {MAX_FILES} 个文件。")
            return refusal(400, "上传的内容无法解析，请重新上传。")
        if files:
            self.start_reading()
        return RedirectResponse("/returns", status_code=303)

    async def read(self, request: Request) -> Response:
        self.start_reading()
        return RedirectResponse("/returns", status_code=303)

    def start_reading(self) -> None:
        self.jobs.submit(pipelines.READ, self.reading())

    def start_reading_if_any(self) -> None:
        """Read again when there are returns (what was read under other trusted roots, say)."""
        if self.workspace.count_uploads(pipelines.RETURNS):
            self.start_reading()

    def reading(self) -> Work:
        """Read the uploads; once their results are in the table, the report files are written by a job of their own."""
        workspace, rubrics = self.workspace, self.rubrics

        def reports(tabulation: Any) -> None:
            write = pipelines.write_report_files
            self.jobs.submit(pipelines.REPORT, lambda progress: write(workspace, rubrics, progress, tabulation))

        return lambda progress: pipelines.read_uploaded(workspace, rubrics, progress, reports)

    def session(self, request: Request) -> str:
        """Who is asking: a digest of the token cookie (or of the token given in the address), as 发放 tells them."""
        server = request.scope.get("server")
        token = request.cookies.get(cookie_name(server[1])) if server else None
        token = token or request.query_params.get("token") or ""
        return hashlib.sha256(token.encode()).hexdigest()

    def imap_form(self, request: Request) -> dict[str, str]:
        values = {name: self.workspace.setting(f"imap_{name}") or IMAP_DEFAULTS.get(name, "") for name in IMAP_FIELDS}
        ca = self.imap_ca()
        return {
            **values,
            "has_password": "1" if self.imap_passwords.get(self.session(request)) else "",
            "ca_name": ca.name if ca else "",
        }

    def imap_ca(self) -> Upload | None:
        """The certificate uploaded for the mail server, while the settings use it."""
        chosen = self.workspace.setting(IMAP_CA)
        return next((u for u in self.workspace.uploads(IMAP_CA) if u.id == chosen), None) if chosen else None

    def imap_settings(self, request: Request) -> pipelines.TypedImap:
        """The saved mailbox settings with this session's password; Chinese errors when incomplete."""
        values = {name: self.workspace.setting(f"imap_{name}") for name in IMAP_FIELDS}
        if not values["host"]:
            raise UserError("请填写 IMAP 服务器地址。")
        try:
            port = int(values["port"]) if values["port"] else 0
        except ValueError:
            raise UserError("端口必须是数字。") from None
        security = values["security"] if values["security"] in ("ssl", "starttls", "none") else "ssl"
        ca = self.imap_ca()
        settings = pipelines.TypedImap(
            host=values["host"],
            user=values["user"],
            port=port,
            security=security,  # type: ignore[arg-type]
            folder=values["folder"] or "INBOX",
            ca_file=ca.path if ca else None,
            typed=self.imap_passwords.get(self.session(request), ""),
        )
        settings.password()  # refuse before any work when the password is missing or would go unencrypted
        return settings

    def collecting(self, request: Request) -> Work:
        settings, workspace = self.imap_settings(request), self.workspace
        choice = pipelines.Collecting(
            since=since_date(workspace.setting("imap_since")),
            mark_seen=workspace.setting("imap_mark_seen") == "1",
            then=self.start_reading,
        )
        return lambda progress: pipelines.collect_mail(workspace, settings, progress, choice)

    async def collect(self, request: Request) -> Response:
        """Keep the mailbox settings (the password in memory only) and collect from the mailbox in the background."""
        try:
            async with request.form(max_files=1, max_fields=20) as form:
                values = {name: str(form.get(name, "")).strip() for name in IMAP_FIELDS if name in form}
                values["mark_seen"] = "1" if form.get("mark_seen") else ""
                password = str(form.get("password", ""))
                certificate = form.get("ca_file")
                ca = await self.keep_certificate(certificate) if isinstance(certificate, UploadFile) else None
                forget_ca = bool(form.get("forget_ca"))
        except HTTPException:
            return refusal(400, "提交的内容无法解析，请刷新页面后重试。")
        except UserError as exc:
            return refusal(400, str(exc))
        try:
            since_date(values.get("since", ""))
        except UserError as exc:
            return refusal(400, str(exc))
        self.workspace.set_settings({f"imap_{name}": value for name, value in values.items()})
        if ca is not None or forget_ca:
            self.workspace.set_settings({IMAP_CA: ca.id if ca else ""})
        if password:
            self.imap_passwords[self.session(request)] = password
        try:
            work = self.collecting(request)
        except UserError as exc:
            return refusal(400, str(exc))
        self.jobs.submit(pipelines.COLLECT, work)
        return RedirectResponse("/returns", status_code=303)

    async def keep_certificate(self, item: UploadFile) -> Upload | None:
        """A certificate file chosen in the mailbox form, stored as an upload; None when no file was chosen."""
        if not item.filename:
            return None
        data = await item.read(MAX_CA + 1)
        if len(data) > MAX_CA or b"-----BEGIN CERTIFICATE-----" not in data:
            raise UserError(f"“{item.filename}”不是 PEM 格式的证书文件（应以 -----BEGIN CERTIFICATE----- 开头）。")
        return await run_in_threadpool(self.workspace.add_upload, IMAP_CA, item.filename, iter([data]))

    def register_resumable(self) -> None:
        """The kinds of job a 继续 button starts again after a restart interrupted them."""
        workspace, rubrics, jobs = self.workspace, self.rubrics, self.jobs
        jobs.resumable(pipelines.BUILD, lambda _: lambda p: pipelines.build_blank(workspace, rubrics, p), "/forms")
        jobs.resumable(pipelines.READ, lambda _: self.reading(), "/returns")
        report = pipelines.write_report_files
        jobs.resumable(pipelines.REPORT, lambda _: lambda p: report(workspace, rubrics, p), "/returns")
        jobs.resumable(
            pipelines.ARCHIVE, lambda _: lambda p: pipelines.write_archive(workspace, rubrics, p), "/returns"
        )
        jobs.resumable(pipelines.COLLECT, self.collecting, "/returns")

    async def resume_job(self, request: Request) -> Response:
        """The 继续 button of a stopped job: the same kind of job again, going on from where it stopped."""
        job = self.workspace.job(request.path_params["job_id"])
        try:
            await run_in_threadpool(self.jobs.resume, request.path_params["job_id"], request)
        except UserError as exc:
            return refusal(400, str(exc))
        return RedirectResponse(self.jobs.pages.get(job.kind, "/") if job else "/", status_code=303)

    async def cancel_job(self, request: Request) -> Response:
        """The 取消 button of a waiting or running job; back to the page it was on."""
        job = self.workspace.job(request.path_params["job_id"])
        try:
            self.jobs.cancel(request.path_params["job_id"])
        except UserError as exc:
            return refusal(400, str(exc))
        return RedirectResponse(self.jobs.pages.get(job.kind, "/") if job else "/", status_code=303)

    def stored_result(self, result_id: int) -> FormResult | None:
        """The whole result of a row, as the reading stored it (the row's detail)."""
        blob = self.workspace.detail(result_id)
        return pickle.loads(blob) if blob is not None else None

    async def result_page(self, request: Request) -> Response:
        result_id = request.path_params["result_id"]
        row = self.workspace.result(result_id)
        rubric = self.rubrics.get(row.rubric_id) if row else None
        if row is None or rubric is None:
            return refusal(404, "找不到这份表格的结果（可能已重新读取）。")
        from generator.reports.tabulate import e_seal_cells, headers

        result = self.stored_result(result_id)
        scores = []
        for item in rubric.items:
            for sub in item.subitems:
                check = result.scores.get(sub.id) if result else None
                value = check.value if check else None
                bands = [(band, value is not None and band.min <= value <= band.max) for band in sub.bands]
                scores.append((item, sub, check, bands))
        crops = []
        if result is not None and result.scan is not None:
            crops = [crop.label for crop in scan_crops(result)]
        return self.page(
            "result.html.j2",
            "returns",
            row=row,
            rubric=rubric,
            result=result,
            scores=scores,
            crops=crops,
            e_seal=e_seal_cells(result.e_seal) if result and result.e_seal else None,
            cells=zip(headers(rubric), row.cells, strict=True),
        )

    async def crop_image(self, request: Request) -> Response:
        result = self.stored_result(request.path_params["result_id"])
        crops = scan_crops(result) if result is not None and result.scan is not None else []
        number = request.path_params["number"]
        if not 0 <= number < len(crops):
            return refusal(404, "找不到这张图片。")
        return Response(crops[number].jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    def reports(self) -> list[str]:
        return self.listing(pipelines.REPORTS)

    def archives(self) -> list[str]:
        return [name for name in self.listing(pipelines.ARCHIVES) if name.endswith(".pdf")]

    def listing(self, relative: str) -> list[str]:
        folder = self.workspace.inside(relative)
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []

    async def report_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.reports():
            return refusal(404, "找不到这个文件。")
        return self.download(f"{pipelines.REPORTS}/{name}")

    async def archive(self, request: Request) -> Response:
        workspace, rubrics = self.workspace, self.rubrics
        self.jobs.submit(pipelines.ARCHIVE, lambda progress: pipelines.write_archive(workspace, rubrics, progress))
        return RedirectResponse("/returns", status_code=303)

    async def archive_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.archives():
            return refusal(404, "找不到这个文件。")
        return self.download(f"{pipelines.ARCHIVES}/{name}")

    # Shared

    async def job_status(self, request: Request) -> Response:
        job = self.workspace.job(request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": "找不到这个任务。"}, status_code=404)
        return JSONResponse(job.public())

    async def later(self, name: str, request: Request) -> Response:
        return self.page("later.html.j2", name, title=LATER[name])

    def download(self, relative: str) -> Response:
        """A file of the workspace as a download; nothing outside it."""
        try:
            path = self.workspace.inside(relative)
        except OutsideWorkspace:
            return refusal(404, "找不到这个文件。")
        if not path.is_file():
            return refusal(404, "找不到这个文件。")
        return FileResponse(path, filename=path.name)


def create_app(workspace: Path, token: str, rubrics: RubricSet | None = None) -> Starlette:
    """The app over ``workspace`` (made when missing), admitting only requests with ``token``.

    ``rubrics`` default to those the commands use (:func:`generator.load`).  Jobs a
    previous server left unfinished are marked interrupted.
    """
    if rubrics is None:
        from generator import load

        rubrics = load()
    state = Workspace(workspace)
    state.interrupt_unfinished()
    app = App(state, token, rubrics)
    return Starlette(routes=app.routes(), middleware=[Middleware(Guard, token=token, max_body=MAX_BODY)])


def hidden_upload(name: str) -> bool:
    """Whether an uploaded file (a folder's, its path relative to it) is hidden there, as ``read`` leaves such out."""
    parts = name.replace("\\", "/").split("/")
    return any(part.startswith(".") and part not in (".", "..") for part in parts)


def since_date(text: str) -> date | None:
    """The mailbox form's 起始日期 (YYYY-MM-DD, as a date input sends it); None when empty."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"起始日期“{text}”无效，格式应为 YYYY-MM-DD，如 2025-07-01。") from None


def scan_crops(result: FormResult) -> list[Crop]:
    """A scanned form's images the detail view shows, numbered as the crop route serves them: the seal area first."""
    scan = result.scan
    if scan is None:
        return []
    return [*([scan.seal_crop] if scan.seal_crop is not None else []), *scan.crops]
