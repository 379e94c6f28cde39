"""The 发放 and 名单核对 pages: the roster, personalised forms, sending them, and reminding the missing.

State lives in the workspace: rosters are uploads (the latest is the current
one), the SMTP settings other than the password, each recipient's send status
and the roster check are tables of the state database, and the send logs are
the library's own (``outputs/邮件/发送记录.jsonl``, one per reminder round), so a
re-sent mailing skips those already sent.

The SMTP password is never stored: it is kept in this process's memory, by
session (the browser's token cookie), and handed to the job that sends; a
restart forgets it and the page asks for it again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from generator.atomic import atomic_output
from generator.distribute.smtp_settings import LOOPBACK_HOSTS, SmtpSettings
from generator.errors import UserError
from generator.web import pipelines
from generator.web.jobs import Cancelled, Progress, Work
from generator.web.security import refusal
from generator.web.workspace import OUTPUTS, Job, Upload, Workspace

if TYPE_CHECKING:
    from generator.distribute.mail import MailSettings, MessageKind
    from generator.distribute.roster import Applicant, Roster
    from generator.distribute.smtp_send import Outcome
    from generator.model.rubric import RubricSet
    from generator.web.app import App

ROSTER = "roster"
"""The upload kind of rosters."""
PERSONALIZE = "personalize"
SEND = "send"
CHECK = "roster_check"
REMIND = "remind"
JOB_LABELS = {PERSONALIZE: "生成个人表格", SEND: "发送邮件", CHECK: "核对名单", REMIND: "催交"}
FORMS_DIR = f"{OUTPUTS}/个人表格"
FORMS_ZIP = f"{OUTPUTS}/个人表格.zip"
MAIL_DIR = f"{OUTPUTS}/邮件"
MAX_ROSTER = 20 * 1024 * 1024
CHUNK = 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_status (
    mailing TEXT NOT NULL, key TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (mailing, key)
);
CREATE TABLE IF NOT EXISTS roster_check (
    position INTEGER PRIMARY KEY, roster_key TEXT NOT NULL, place TEXT NOT NULL, rubric TEXT NOT NULL,
    name TEXT NOT NULL, email TEXT NOT NULL, status TEXT NOT NULL, files TEXT NOT NULL, note TEXT NOT NULL
);
"""
SMTP_FIELDS = ("host", "port", "security", "user", "sender", "reply_to", "deadline", "per_minute")
SMTP_DEFAULTS = {"security": "starttls", "per_minute": "20"}
OUTCOME_TEXT = {
    "waiting": "等待发送",
    "sent": "已发送",
    "already_sent": "此前已发送",
    "uncertain": "状态不明",
    "failed": "发送失败",
    "pending": "未发送（发送已停止）",
}
SEND_MAILING = "form"
"""The mailing of the forms themselves; a reminder round's is ``remind:<round>``."""


@dataclass(frozen=True, slots=True)
class TypedSmtp(SmtpSettings):
    """The library's SMTP settings whose :meth:`password` is the one typed in the page, checked as the library
    checks it; the password is left out of ``repr`` so that no log or traceback shows it."""

    typed: str = field(default="", repr=False, compare=False)

    def password(self) -> str:
        if not self.user:
            return ""
        if not self.typed:
            raise UserError("需要 SMTP 密码：请在“发放”页的邮件设置中填写密码后再发送（密码只保存在本次运行的内存中）")
        if self.security == "none" and self.host not in LOOPBACK_HOSTS:
            raise UserError("拒绝在未加密的连接上发送密码：请把加密方式改为 STARTTLS 或 SSL")
        return self.typed


def smtp_with_password(settings: SmtpSettings, secret: str) -> TypedSmtp:
    values = {name: getattr(settings, name) for name in SmtpSettings.__dataclass_fields__}
    return TypedSmtp(**values, typed=secret)


class DistributePages:
    """The routes of 发放 and 名单核对, over the App's workspace, rubrics, jobs and page renderer."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.workspace: Workspace = app.workspace
        self.rubrics: RubricSet = app.rubrics
        self.passwords: dict[str, str] = {}
        """The SMTP password by session, in memory only."""
        self.lock = threading.Lock()
        self.rosters: dict[tuple[str, bool], Roster] = {}
        """Rosters read, by upload id and whether e-mail was required: an upload never changes."""
        with self.workspace.connect() as db:
            db.executescript(SCHEMA)
        jobs = app.jobs
        jobs.resumable(PERSONALIZE, lambda _: self.personalize_all, "/distribute")
        jobs.resumable(SEND, self.sending, "/distribute")
        jobs.resumable(CHECK, lambda _: self.check, "/roster")
        jobs.resumable(REMIND, lambda request: self.reminding(request, self.setting("remind_round")), "/roster")

    def routes(self) -> list[Route]:
        return [
            Route("/distribute", self.distribute_page),
            Route("/distribute/roster", self.upload_roster, methods=["POST"]),
            Route("/distribute/personalize", self.start_personalize, methods=["POST"]),
            Route("/distribute/forms.zip", self.forms_zip),
            Route("/distribute/smtp", self.save_smtp, methods=["POST"]),
            Route("/distribute/send", self.start_send, methods=["POST"]),
            Route("/distribute/status", self.send_status),
            Route("/roster", self.roster_page),
            Route("/roster/check", self.start_check, methods=["POST"]),
            Route("/roster/remind", self.start_remind, methods=["POST"]),
        ]

    # Shared

    def render(self, template: str, active: str, **context: Any) -> Response:
        return self.app.page(template, active, job_labels=JOB_LABELS, **context)

    def session(self, request: Request) -> str:
        return self.app.session(request)

    def setting(self, name: str) -> str:
        return self.workspace.setting(name)

    def set_settings(self, values: dict[str, str]) -> None:
        self.workspace.set_settings(values)

    def current_roster(self) -> Upload | None:
        uploads = self.workspace.uploads(ROSTER)
        return uploads[-1] if uploads else None

    def read_current(self, *, require_email: bool) -> tuple[Upload, Roster]:
        """The current roster read; a Chinese error naming the uploaded file when there is none or it is bad."""
        from generator.distribute.roster import read_roster

        upload = self.current_roster()
        if upload is None:
            raise UserError("还没有上传花名册：请先在“发放”页上传花名册（.xlsx 或 .csv）。")
        found = self.rosters.get((upload.id, require_email))
        if found is not None:
            return upload, found
        try:
            roster = read_roster(upload.path, self.rubrics, require_email=require_email)
        except UserError as exc:
            raise UserError(str(exc).replace(str(upload.path), f"“{upload.name}”")) from None
        self.rosters[upload.id, require_email] = roster
        return upload, roster

    def statuses(self, mailing: str) -> dict[str, tuple[str, str]]:
        with self.workspace.connect() as db:
            rows = db.execute("SELECT key, outcome, reason FROM mail_status WHERE mailing = ?", (mailing,)).fetchall()
        return {key: (outcome, reason) for key, outcome, reason in rows}

    def set_status(self, mailing: str, key: str, outcome: str, reason: str = "") -> None:
        with self.workspace.connect() as db:
            db.execute(
                "INSERT INTO mail_status (mailing, key, outcome, reason) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (mailing, key) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason",
                (mailing, key, outcome, reason),
            )

    def smtp_form(self, request: Request) -> dict[str, str]:
        values = {name: self.setting(name) or SMTP_DEFAULTS.get(name, "") for name in SMTP_FIELDS}
        return {**values, "has_password": "1" if self.passwords.get(self.session(request)) else ""}

    async def read_form(self, request: Request) -> FormData | Response:
        try:
            async with request.form(max_files=0, max_fields=20) as form:
                return FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
        except HTTPException:
            return refusal(400, "提交的内容无法解析，请刷新页面后重试。")

    def keep_smtp(self, request: Request, form: FormData) -> None:
        """The settings typed in the page: the password into memory only, the rest into the workspace."""
        values = {name: str(form.get(name, "")).strip() for name in SMTP_FIELDS}
        self.set_settings(values)
        password = str(form.get("password", ""))
        if password:
            self.passwords[self.session(request)] = password
        elif form.get("forget"):
            self.passwords.pop(self.session(request), None)

    def mail_settings(self, request: Request) -> tuple[MailSettings, SmtpSettings]:
        """The saved settings as the library's, with this session's password; Chinese errors when incomplete."""
        from generator.distribute.mail_config import mail_settings, smtp_settings

        values = {name: self.setting(name) for name in SMTP_FIELDS}
        mail = mail_settings({"from": values["sender"], "reply_to": values["reply_to"], "deadline": values["deadline"]})
        try:
            port = int(values["port"]) if values["port"] else None
            per_minute = float(values["per_minute"]) if values["per_minute"] else None
        except ValueError:
            raise UserError("端口和每分钟发送封数必须是数字。") from None
        options: dict[str, Any] = {"host": values["host"], "security": values["security"] or "starttls"}
        options |= {"user": values["user"], "port": port, "per_minute": per_minute}
        smtp = smtp_settings({k: v for k, v in options.items() if v not in (None, "")})
        smtp = smtp_with_password(smtp, self.passwords.get(self.session(request), ""))
        smtp.password()  # refuse before any work when the password is missing or would go unencrypted
        return mail, smtp

    def job_box(self, kind: str) -> Job | None:
        return self.workspace.latest_job(kind)

    # 发放

    async def distribute_page(self, request: Request) -> Response:
        upload = self.current_roster()
        roster: Roster | None = None
        error = ""
        if upload is not None:
            try:
                _, roster = self.read_current(require_email=False)
            except UserError as exc:
                error = str(exc)
        personalize_job = self.job_box(PERSONALIZE)
        ready = (
            personalize_job is not None
            and personalize_job.state == "done"
            and self.workspace.inside(FORMS_ZIP).is_file()
        )
        send_job = self.job_box(SEND)
        return self.render(
            "distribute.html.j2",
            "distribute",
            upload=upload,
            roster=roster,
            error=error,
            rows=self.recipient_rows(roster, SEND_MAILING) if roster else [],
            personalize_job=personalize_job,
            personalize_warnings=json.loads(self.setting("personalize_warnings") or "[]"),
            ready=ready,
            send_job=send_job,
            smtp=self.smtp_form(request),
            live=bool(send_job and send_job.active),
        )

    def recipient_rows(self, roster: Roster, mailing: str) -> list[dict[str, str]]:
        found = self.statuses(mailing)
        rows = []
        for applicant in roster.applicants:
            outcome, reason = found.get(applicant.key, ("", ""))
            rows.append(
                {
                    "where": applicant.where,
                    "rubric": applicant.rubric.name,
                    "name": applicant.name,
                    "unit": applicant.unit,
                    "email": applicant.email or "（无邮箱）",
                    "outcome": outcome,
                    "status": status_text(outcome, reason),
                }
            )
        return rows

    async def upload_roster(self, request: Request) -> Response:
        try:
            async with request.form(max_files=1, max_fields=5) as form:
                item = form.get("roster")
                if not isinstance(item, UploadFile) or not item.filename:
                    return RedirectResponse("/distribute", status_code=303)
                suffix = Path(item.filename).suffix.lower()
                if suffix not in (".xlsx", ".csv"):
                    return refusal(400, "花名册只能是 .xlsx 或 .csv 文件。")
                data = await item.read(MAX_ROSTER + 1)
                if len(data) > MAX_ROSTER:
                    return refusal(413, f"花名册过大：最多 {MAX_ROSTER // (1024 * 1024)} MB。")
                self.workspace.add_upload(ROSTER, item.filename, iter([data]))
        except HTTPException:
            return refusal(400, "上传的内容无法解析，请重新上传。")
        return RedirectResponse("/distribute", status_code=303)

    async def start_personalize(self, request: Request) -> Response:
        self.app.jobs.submit(PERSONALIZE, self.personalize_all)
        return RedirectResponse("/distribute", status_code=303)

    def personalize_all(self, progress: Progress) -> str:
        """Every applicant's PDF and Word form, into ``outputs/个人表格`` and one zip."""
        from generator.distribute.personalize import personalize

        _, roster = self.read_current(require_email=False)
        if not roster.applicants:
            raise UserError("花名册中没有可用的行，请先修正花名册中的问题。")
        workspace = self.workspace
        folder = workspace.inside(FORMS_DIR)
        with tempfile.TemporaryDirectory(prefix=".personalize-", dir=workspace.root / OUTPUTS) as temporary:
            fresh = Path(temporary) / "个人表格"
            done = personalize(roster.applicants, fresh, on_progress=progress, formats=("pdf", "docx"))
            with atomic_output(workspace.inside(FORMS_ZIP)) as handle, zipfile.ZipFile(handle, "w") as archive:
                for path in done.written:
                    archive.write(path, path.relative_to(fresh).as_posix(), zipfile.ZIP_DEFLATED)
            if folder.exists():
                shutil.rmtree(folder)
            fresh.rename(folder)
        self.set_settings({"personalize_warnings": json.dumps(done.warnings, ensure_ascii=False)})
        return FORMS_ZIP

    async def forms_zip(self, request: Request) -> Response:
        return self.app.download(FORMS_ZIP)

    async def save_smtp(self, request: Request) -> Response:
        form = await self.read_form(request)
        if isinstance(form, Response):
            return form
        self.keep_smtp(request, form)
        return RedirectResponse(str(form.get("back") or "/distribute"), status_code=303)

    async def start_send(self, request: Request) -> Response:
        form = await self.read_form(request)
        if isinstance(form, Response):
            return form
        self.keep_smtp(request, form)
        try:
            work = self.sending(request)
        except UserError as exc:
            return refusal(400, str(exc))
        self.app.jobs.submit(SEND, work)
        return RedirectResponse("/distribute", status_code=303)

    def sending(self, request: Request) -> Work:
        """The work of sending every applicant their form (those the send log has are skipped), for this session."""
        mail, smtp = self.mail_settings(request)
        _, roster = self.read_current(require_email=True)
        return lambda progress: self.send(roster.applicants, mail, smtp, progress)

    def send(
        self,
        applicants: tuple[Applicant, ...] | list[Applicant],
        mail: MailSettings,
        smtp: SmtpSettings,
        progress: Progress,
        kind: MessageKind | None = None,
    ) -> str:
        """Send each applicant's message under the library's send log; every outcome into the status table."""
        from generator.distribute.mail import FORM_MESSAGE
        from generator.distribute.mailing import LOG_NAME, send_messages
        from generator.filenames import safe_component

        kind = kind or FORM_MESSAGE
        if not applicants:
            raise UserError(
                "没有需要提醒的人（未交的人都没有填写邮箱）。"
                if kind.round
                else "没有需要发送的人（花名册中没有填写邮箱的可用行）。"
            )
        mailing = f"remind:{kind.round}" if kind.round else SEND_MAILING
        folder = MAIL_DIR + (f"/催交-{safe_component(kind.round)}" if kind.round else "")
        out = self.workspace.inside(folder)
        out.mkdir(parents=True, exist_ok=True)
        for applicant in applicants:
            self.set_status(mailing, applicant.key, "waiting")
        reported: set[str] = set()
        progress(0, len(applicants))

        def report(applicant: Applicant, outcome: Outcome, reason: str) -> None:
            reported.add(applicant.key)
            self.set_status(mailing, applicant.key, outcome, reason)
            progress(len(reported), len(applicants))

        try:
            done = send_messages(applicants, mail, smtp, out, beside=self.rubrics.source, on_outcome=report, kind=kind)
        except Cancelled:
            for applicant in applicants:
                if applicant.key not in reported:
                    self.set_status(mailing, applicant.key, "pending")
            raise
        summary = done.summary
        if summary is not None and summary.stopped:
            for applicant in summary.pending:
                self.set_status(mailing, applicant.key, "pending")
            raise UserError(f"发送已停止：{summary.stopped}")
        return f"{folder}/{LOG_NAME}"

    async def send_status(self, request: Request) -> Response:
        """Each recipient's status, in roster order, as the page's script polls it."""
        mailing = request.query_params.get("mailing") or SEND_MAILING
        upload = self.current_roster()
        if upload is None:
            return JSONResponse({"rows": []})
        try:
            _, roster = self.read_current(require_email=False)
        except UserError:
            return JSONResponse({"rows": []})
        found = self.statuses(mailing)
        rows = [status_text(*found.get(a.key, ("", "")), blank=mailing != SEND_MAILING) for a in roster.applicants]
        return JSONResponse({"rows": rows})

    # 名单核对

    async def roster_page(self, request: Request) -> Response:
        upload = self.current_roster()
        check_job = self.job_box(CHECK)
        read_job = self.workspace.latest_job(pipelines.READ)
        stale = self.stale(upload, read_job)
        if stale and read_job is not None and read_job.state == "done" and not (check_job and check_job.active):
            self.submit_check()
            check_job = self.job_box(CHECK)
        lines = self.check_lines() if not stale else []
        round_name = request.query_params.get("round") or self.setting("remind_round") or date.today().isoformat()
        reminded = self.statuses(f"remind:{round_name}")
        keys = self.roster_keys()
        for line in lines:
            outcome, reason = reminded.get(keys.get(line["roster_key"], ""), ("", ""))
            line["remind"] = status_text(outcome, reason) if outcome else ""
        counts = {status: sum(line["status"] == status for line in lines) for status in ("已交", "未交", "多次提交")}
        return self.render(
            "roster.html.j2",
            "roster",
            upload=upload,
            read_job=read_job,
            check_job=check_job,
            stale=stale,
            lines=lines,
            counts=counts,
            unmatched=json.loads(self.setting("check_unmatched") or "[]"),
            round_name=round_name,
            remind_job=(remind_job := self.job_box(REMIND)),
            smtp=self.smtp_form(request),
            live=bool(remind_job and remind_job.active),
        )

    def stale(self, upload: Upload | None, read_job: Job | None) -> bool:
        """Whether the stored check is not of the current roster and the latest reading of the returns."""
        if upload is None:
            return True
        return self.setting("check_of") != check_stamp(upload, read_job)

    def roster_keys(self) -> dict[str, str]:
        """The current roster's applicant keys by roster key."""
        try:
            _, roster = self.read_current(require_email=False)
        except UserError:
            return {}
        return {a.roster_key: a.key for a in roster.applicants}

    def check_lines(self) -> list[dict[str, str]]:
        with self.workspace.connect() as db:
            rows = db.execute(
                "SELECT roster_key, place, rubric, name, email, status, files, note FROM roster_check ORDER BY position"
            ).fetchall()
        names = ("roster_key", "place", "rubric", "name", "email", "status", "files", "note")
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def start_check(self, request: Request) -> Response:
        self.submit_check()
        return RedirectResponse("/roster", status_code=303)

    def submit_check(self) -> None:
        with self.lock:
            job = self.job_box(CHECK)
            if job is None or not job.active:
                self.app.jobs.submit(CHECK, self.check)

    def check(self, progress: Progress) -> str:
        """Check each roster row against the returns' results, as the 回收 page's reading left them (cached)."""
        from generator.reports.roster_check import check_roster

        upload, roster = self.read_current(require_email=False)
        read_job = self.workspace.latest_job(pipelines.READ)
        results = pipelines.uploaded_results(self.workspace, self.rubrics, progress)
        checked = check_roster(roster.applicants, results, self.rubrics)
        rows = [
            (
                position,
                line.entry.roster_key,
                line.entry.where,
                line.entry.rubric.name,
                line.entry.name,
                line.entry.email,
                line.status,
                line.files,
                line.note,
            )
            for position, line in enumerate(checked.lines)
        ]
        with self.workspace.connect() as db:
            db.execute("DELETE FROM roster_check")
            db.executemany("INSERT INTO roster_check VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        unmatched = [result.source for result in checked.unmatched]
        stamp = check_stamp(upload, read_job)
        self.set_settings({"check_of": stamp, "check_unmatched": json.dumps(unmatched, ensure_ascii=False)})
        return ""

    async def start_remind(self, request: Request) -> Response:
        form = await self.read_form(request)
        if isinstance(form, Response):
            return form
        round_name = str(form.get("round", "")).strip() or date.today().isoformat()
        self.set_settings({"remind_round": round_name})
        try:
            work = self.reminding(request, round_name)
        except UserError as exc:
            return refusal(400, str(exc))
        self.app.jobs.submit(REMIND, work)
        return RedirectResponse("/roster", status_code=303)

    def reminding(self, request: Request, round_name: str) -> Work:
        """The work of reminding, in round ``round_name``, those the current roster check finds missing."""
        from generator.distribute.mail import reminder

        upload, roster = self.read_current(require_email=True)
        if self.stale(upload, self.workspace.latest_job(pipelines.READ)):
            raise UserError("名单核对结果不是最新的：请等核对完成后再催交。")
        mail, smtp = self.mail_settings(request)
        missing = {line["roster_key"] for line in self.check_lines() if line["status"] == "未交"}
        waiting = [a for a in roster.applicants if a.roster_key in missing]
        kind = reminder(round_name or date.today().isoformat())
        return lambda progress: self.send(waiting, mail, smtp, progress, kind)


def check_stamp(upload: Upload, read_job: Job | None) -> str:
    """What a roster check was made of: the roster upload and the reading of the returns."""
    return f"{upload.id}:{read_job.id if read_job else ''}"


def status_text(outcome: str, reason: str, *, blank: bool = False) -> str:
    """How the page shows a recipient's outcome; nothing yet is 未发送, or blank (``blank``: a reminder round)."""
    if not outcome:
        return "" if blank else "未发送"
    text = OUTCOME_TEXT.get(outcome, outcome)
    return f"{text}：{reason}" if reason and outcome in ("failed", "uncertain") else text
