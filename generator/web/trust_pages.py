"""The 回收 page's root certificates: the authorities electronic seals are checked against.

As ``read --trust-roots`` does for the commands: with no root, a seal is checked for integrity only
and the results say its chain was not checked.  Each uploaded file is checked to hold certificates
before it is kept (an upload of kind :data:`~generator.web.pipelines.TRUST`); adding or removing one
starts a reading, which reads again only the forms that carry an electronic seal (their cached
outcomes hold under the roots they were checked against).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from generator.errors import UserError
from generator.readers.trust import MAX_ROOT_BYTES, MAX_ROOTS, certificates_in
from generator.web.pipelines import TRUST
from generator.web.security import refusal

if TYPE_CHECKING:
    from generator.web.app import App


@dataclass(frozen=True, slots=True)
class Root:
    """One uploaded root certificate as the page lists it."""

    id: str
    file: str
    subject: str
    until: str


class TrustPages:
    """Uploading and removing the trusted root certificates, over the App's workspace and reading."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.workspace = app.workspace

    def routes(self) -> list[Route]:
        return [
            Route("/returns/trust", self.upload, methods=["POST"]),
            Route("/returns/trust/{upload_id}/remove", self.remove, methods=["POST"]),
        ]

    def roots(self) -> list[Root]:
        """Every certificate uploaded, with whom it names and until when it is valid."""
        from cryptography import x509

        listed = []
        for upload in self.workspace.uploads(TRUST):
            for der in certificates_in(upload.path.read_bytes(), upload.name):
                certificate = x509.load_der_x509_certificate(der)
                subject = subject_text(certificate.subject)
                until = certificate.not_valid_after_utc.date().isoformat()
                listed.append(Root(upload.id, upload.name, subject, until))
        return listed

    async def upload(self, request: Request) -> Response:
        """Keep each chosen certificate file, refusing the whole upload when one is not a certificate."""
        try:
            async with request.form(max_files=MAX_ROOTS, max_fields=5) as form:
                chosen = [item for item in form.getlist("roots") if isinstance(item, UploadFile) and item.filename]
                files = [(item.filename or "", await item.read(MAX_ROOT_BYTES + 1)) for item in chosen]
        except HTTPException:
            return refusal(400, "上传的内容无法解析，请重新上传。")
        try:
            for name, data in files:
                certificates_in(data, f"“{name}”")
        except UserError as exc:
            return refusal(400, f"{exc}没有保存任何文件，请只选择根证书文件（.cer、.crt、.pem）。")
        for name, data in files:
            await run_in_threadpool(self.workspace.add_upload, TRUST, name, iter([data]))
        if files:
            self.app.start_reading_if_any()
        return RedirectResponse("/returns", status_code=303)

    async def remove(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        found = [upload for upload in self.workspace.uploads(TRUST) if upload.id == upload_id]
        if not found:
            return refusal(404, "找不到这个根证书（可能已经删除）。")
        self.workspace.remove_upload(found[0])
        self.app.start_reading_if_any()
        return RedirectResponse("/returns", status_code=303)


def subject_text(name: Any) -> str:
    """A certificate's subject as a person reads it: its common name, and its organisation in brackets."""
    from cryptography.x509.oid import NameOID

    def first(oid: Any) -> str:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    common, organization = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    if common and organization and organization != common:
        return f"{common}（{organization}）"
    return common or organization or name.rfc4514_string()
