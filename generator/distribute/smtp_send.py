"""Sending the messages through SMTP: one connection, a rate limit, the send log, per-recipient failures.

The password is read only from an environment variable (its name is a
setting); there is deliberately no option or config key for the password
itself.  A login is refused over an unencrypted connection except to the
local machine.

Each message goes to the roster's address only (the envelope never comes
from a header).  A refusal that would be the same for everyone — the sender
refused, or 530 "authentication required" — stops the run; the applicant it
happened to is counted as failed, and the ones not yet tried as pending.
Whatever the server answers is quoted with its control characters made visible.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

from generator.distribute.mail import MessageError
from generator.distribute.plain_text import quoted
from generator.distribute.roster import Applicant
from generator.distribute.send_log import SendLog
from generator.distribute.smtp_settings import SmtpSettings
from generator.errors import UserError

Outcome = Literal["sent", "already_sent", "uncertain", "failed"]
LOGIN_REQUIRED = 530
MAX_REPLY = 200


@dataclass
class SendSummary:
    """What a run did; ``stopped`` says why it ended early, if it did, and ``pending`` who was not tried."""

    sent: list[Applicant] = field(default_factory=list)
    already_sent: list[Applicant] = field(default_factory=list)
    uncertain: list[Applicant] = field(default_factory=list)
    failed: list[tuple[Applicant, str]] = field(default_factory=list)
    stopped: str = ""
    pending: list[Applicant] = field(default_factory=list)

    def add(self, applicant: Applicant, outcome: Outcome, reason: str) -> None:
        if outcome == "failed":
            self.failed.append((applicant, reason))
        else:
            getattr(self, outcome).append(applicant)


class SendingStopped(UserError):
    """No further message can go; ``reason`` is why the one being sent failed."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class RateLimiter:
    """At most ``per_minute`` messages a minute, spaced evenly."""

    def __init__(
        self,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute
        self.clock = clock
        self.sleep = sleep
        self.next_time: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.next_time is not None and now < self.next_time:
            self.sleep(self.next_time - now)
            now = self.next_time
        self.next_time = now + self.interval


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated connection; every failure becomes a Chinese :class:`UserError`."""
    password = settings.password()
    where = f"{settings.host}:{settings.port}"
    try:
        smtp = _open(settings)
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise UserError(f"与邮件服务器 {where} 建立加密连接失败（{exc}）") from None
    except smtplib.SMTPNotSupportedError:
        raise UserError(f"邮件服务器 {where} 不支持 STARTTLS，请改用 --security ssl") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise UserError(f"无法连接邮件服务器 {where}（{_reason(exc)}）") from None
    if settings.user:
        try:
            _login(smtp, settings.user, password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise UserError(f"邮件服务器 {where} 拒绝登录（用户 {settings.user}）：{_reason(exc)}") from None
        except smtplib.SMTPException as exc:
            smtp.close()
            raise UserError(f"登录邮件服务器 {where} 失败：{_reason(exc)}") from None
    return smtp


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a non-ASCII user or password (which smtplib cannot encode) goes as UTF-8 AUTH PLAIN (RFC 4616)."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPException("服务器不支持 AUTH PLAIN，无法使用含非 ASCII 字符的用户名或密码")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, response)


def _open(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.security == "starttls":
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _reason(exc: BaseException) -> str:
    """The server's answer or the network error, as one line safe for a terminal."""
    return quoted(_reply(exc), MAX_REPLY)


def _reply(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "；".join(_reply(smtplib.SMTPResponseException(c, m)) for c, m in exc.recipients.values())
    if isinstance(exc, socket.gaierror):
        return "找不到该主机"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "连接超时"
    return str(exc) or type(exc).__name__


def _codes(exc: smtplib.SMTPException) -> set[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return {code for code, _ in exc.recipients.values()}
    return {exc.smtp_code} if isinstance(exc, smtplib.SMTPResponseException) else set()


class Sender:
    """Sends one message after another over one connection, reconnecting when it has dropped."""

    def __init__(self, settings: SmtpSettings, log: SendLog, limiter: RateLimiter) -> None:
        self.settings = settings
        self.log = log
        self.limiter = limiter
        self.smtp: smtplib.SMTP | None = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def _connection(self) -> smtplib.SMTP:
        """The open connection, checked with NOOP so that a message never starts on a dead one."""
        if self.smtp is not None:
            try:
                self.smtp.noop()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
                self.smtp = None
        if self.smtp is None:
            self.smtp = connect(self.settings)
        return self.smtp

    def send(self, applicant: Applicant, message: EmailMessage) -> tuple[Outcome, str]:
        """Send one message to the applicant's address; raise :class:`UserError` only when no further one can go."""
        smtp = self._connection()
        self.limiter.wait()
        self.log.record("attempt", applicant, message_id=str(message["Message-ID"]))
        try:
            smtp.send_message(message, to_addrs=[applicant.email])
        except smtplib.SMTPSenderRefused as exc:
            reason = f"发件人被拒绝：{_reason(exc)}{self._hint(exc, '（服务器要求先登录：{}）')}"
            self.log.record("failed", applicant, error=reason)
            stop = f"邮件服务器拒绝发件人 {quoted(str(exc.sender))}（{_reason(exc)}）"
            raise SendingStopped(stop + self._hint(exc, "；服务器要求先登录：{}"), reason) from None
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            reason = f"被邮件服务器拒绝：{_reason(exc)}{self._hint(exc, '（服务器要求先登录：{}）')}"
            self.log.record("failed", applicant, error=reason)
            if LOGIN_REQUIRED in _codes(exc):
                stop = f"邮件服务器要求先登录才能发送（{_reason(exc)}）{self._hint(exc, '：{}')}"
                raise SendingStopped(stop, reason) from None
            return "failed", reason
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            smtp.close()
            self.smtp = None
            return "uncertain", f"发送途中连接中断（{_reason(exc)}），无法确定对方是否已收到"
        self.log.record("sent", applicant)
        return "sent", ""

    def _hint(self, exc: smtplib.SMTPException, form: str) -> str:
        """For a 530 (authentication required), what to do, put into ``form``; otherwise nothing."""
        if LOGIN_REQUIRED not in _codes(exc):
            return ""
        if not self.settings.user:
            return form.format("请用 --smtp-user 指定用户名，密码放在环境变量中")
        return form.format("请确认用户名和密码，或改用加密连接（--security starttls 或 ssl）")


def send_all(
    applicants: Iterable[Applicant],
    make_message: Callable[[Applicant], EmailMessage],
    settings: SmtpSettings,
    log: SendLog,
    *,
    resend_uncertain: bool = False,
    limiter: RateLimiter | None = None,
    progress: Callable[[Applicant, Outcome, str], None] = lambda applicant, outcome, reason: None,
) -> SendSummary:
    """Send each applicant's message unless the log says it was sent (or may have been).

    A message that cannot be built (:class:`MessageError`) fails for its
    applicant alone.  When sending cannot go on, ``stopped`` says why; the
    applicant whose message was refused is among ``failed``, and those not
    yet tried are ``pending``.
    """
    summary = SendSummary()
    sender = Sender(settings, log, limiter or RateLimiter(settings.per_minute))
    queue = list(applicants)
    try:
        for index, applicant in enumerate(queue):
            try:
                outcome, reason = _skip(log, applicant, resend_uncertain) or _send(sender, applicant, make_message)
            except SendingStopped as exc:
                summary.stopped, summary.pending = str(exc), _pending(log, queue[index + 1 :], resend_uncertain)
                outcome, reason = "failed", exc.reason
            except UserError as exc:
                summary.stopped, summary.pending = str(exc), _pending(log, queue[index:], resend_uncertain)
                break
            summary.add(applicant, outcome, reason)
            progress(applicant, outcome, reason)
            if summary.stopped:
                break
    finally:
        sender.close()
    return summary


def _send(
    sender: Sender, applicant: Applicant, make_message: Callable[[Applicant], EmailMessage]
) -> tuple[Outcome, str]:
    try:
        message = make_message(applicant)
    except MessageError as exc:
        sender.log.record("failed", applicant, error=exc.reason)
        return "failed", exc.reason
    return sender.send(applicant, message)


def _pending(log: SendLog, rest: list[Applicant], resend_uncertain: bool) -> list[Applicant]:
    """Those of ``rest`` a re-run would send to."""
    return [applicant for applicant in rest if _skip(log, applicant, resend_uncertain) is None]


def _skip(log: SendLog, applicant: Applicant, resend_uncertain: bool) -> tuple[Outcome, str] | None:
    status = log.status.get(applicant.key)
    if status == "sent":
        return "already_sent", ""
    if status == "uncertain" and not resend_uncertain:
        return "uncertain", "上次发送时中断，无法确定是否已送达，本次未重发"
    return None
