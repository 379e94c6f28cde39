"""Who may talk to the server: the browser opened with this run's token, on this machine, nothing bigger than allowed.

One ASGI middleware checks, before any route runs and before any body is read:

- the Host header names the loopback address and the server's own port (no DNS rebinding);
- the request carries the run's secret token: ``?token=`` on the first visit (answered by a
  redirect that sets an HttpOnly, SameSite=Strict cookie and drops the token from the address),
  the cookie after that;
- a request that changes anything (not GET/HEAD) carries the CSRF token, in the ``X-CSRF-Token``
  header or the ``csrf`` query parameter of the form's action;
- its body is no larger than the limit: a ``Content-Length`` over it is refused at once with 413,
  a body that grows past it without one is cut off with 413.
"""

from __future__ import annotations

import hashlib
import hmac
import html

from starlette.datastructures import URL, Headers
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD")
CSRF_HEADER = "x-csrf-token"
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

WRONG_HOST = "拒绝访问：请求的主机名不是本机地址（127.0.0.1）。"
NO_TOKEN = "拒绝访问：缺少或错误的访问令牌。请用启动服务时终端里显示的完整链接打开本页。"
NO_CSRF = "拒绝访问：表单校验码缺失或错误。请刷新页面后重试。"


def csrf_token(token: str) -> str:
    """The CSRF token of a run, derived from its secret token (the cookie that carries it is HttpOnly)."""
    return hmac.new(token.encode(), b"rubric-forms csrf", hashlib.sha256).hexdigest()


def cookie_name(port: int) -> str:
    """One cookie per port: two servers on one machine do not overwrite each other's token."""
    return f"rubric-forms-{port}"


def refusal(status: int, message: str) -> Response:
    page = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>rubric-forms</title>'
        f"<body><h1>{status}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(page, status_code=status)


class BodyTooLarge(Exception):
    """A request body grew past the limit while it was being read."""


class Guard:
    """The middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, token: str, max_body: int) -> None:
        self.app = app
        self.token = token
        self.csrf = csrf_token(token)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets
            await send({"type": "websocket.close", "code": 1008})
            return
        send = secured(send)
        refused = self.refused(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.limited(scope, receive, send)

    def refused(self, scope: Scope) -> Response | None:
        """The answer to a request that may not go on, or None."""
        connection = HTTPConnection(scope)
        server = scope.get("server")
        port = server[1] if server else None
        if port is None or connection.headers.get("host") not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
            return refusal(403, WRONG_HOST)
        given = connection.query_params.get("token")
        if given is not None:
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return refusal(403, NO_TOKEN)
            if scope["method"] in SAFE_METHODS:
                return self.welcome(connection.url, port)
        elif not hmac.compare_digest(connection.cookies.get(cookie_name(port), "").encode(), self.token.encode()):
            return refusal(403, NO_TOKEN)
        if scope["method"] not in SAFE_METHODS:
            csrf = connection.headers.get(CSRF_HEADER) or connection.query_params.get("csrf") or ""
            if not hmac.compare_digest(csrf.encode(), self.csrf.encode()):
                return refusal(403, NO_CSRF)
        if content_length(connection.headers) > self.max_body:
            return self.too_large()
        return None

    def welcome(self, url: URL, port: int) -> Response:
        """The first visit: the token goes into a cookie, and out of the address bar."""
        clean = url.remove_query_params("token")
        response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), status_code=303)
        response.set_cookie(cookie_name(port), self.token, httponly=True, samesite="strict", path="/")
        return response

    def too_large(self) -> Response:
        return refusal(413, f"上传的内容过大：一次最多上传 {self.max_body // (1024 * 1024)} MB。")

    async def limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, cutting the body off past the limit; 413 unless the app has already answered."""
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await self.too_large()(scope, receive, send)


def content_length(headers: Headers) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 0


def secured(send: Send) -> Send:
    """``send`` with the security headers added to every response."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)

    return sending
