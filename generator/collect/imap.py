"""The office's IMAP mailbox, read without changing it.

The folder is opened with EXAMINE (read-only) and messages are fetched with
``BODY.PEEK[]``, so not even the \\Seen flag changes; only ``mark_seen``
opens it with SELECT, to set \\Seen on the messages collected.  Nothing is
ever deleted, moved or flagged otherwise, and CLOSE (which would expunge
messages another client marked \\Deleted) is never sent: the session ends
with LOGOUT.

Every failure to connect, to log in or to open the folder is a Chinese
:class:`~generator.errors.UserError`; a connection that breaks afterwards is
:class:`MailboxTrouble`, which stops the run with what was done so far kept.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from generator.collect.charsets import recover_text
from generator.collect.headers import parse_internaldate
from generator.collect.settings import ImapSettings
from generator.collect.utf7 import decode_folder, encode_folder, quoted
from generator.errors import UserError

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_SERVER_TEXT = 200
MAX_LISTED_FOLDERS = 30
UID = re.compile(rb"\bUID (\d+)")
SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]*)"')
LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')
MESSAGE_ID_LINE = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
CONNECTION_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError)


class MailboxTrouble(Exception):
    """The mailbox cannot be read any further (the connection broke, or the server refused a command)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    uid: int
    raw: bytes


@dataclass(frozen=True, slots=True)
class Summary:
    """What the server says about a message before its body is fetched."""

    uid: int
    size: int
    received: datetime | None


def server_text(exc: BaseException) -> str:
    """What the server (or imaplib) said, as readable text."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text) or type(exc).__name__
    return text if len(text) <= MAX_SERVER_TEXT else text[:MAX_SERVER_TEXT] + "…"


def imap_date(day: date) -> str:
    """A date as IMAP SEARCH wants it (``1-Jul-2025``), without the locale's month names."""
    return f"{day.day}-{MONTHS[day.month - 1]}-{day.year}"


def uid_set(uids: Sequence[int]) -> str:
    """``1:3,7,9:10`` for [1, 2, 3, 7, 9, 10]."""
    ordered = sorted(set(uids))
    ranges: list[str] = []
    start = previous = ordered[0]
    for uid in [*ordered[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        ranges.append(str(start) if start == previous else f"{start}:{previous}")
        if uid is not None:
            start = previous = uid
    return ",".join(ranges)


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    where = settings.where
    try:
        context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"无法读取证书文件 {settings.ca_file}（{getattr(exc, 'strerror', None) or exc}）") from None
    try:
        if settings.security == "ssl":
            return imaplib.IMAP4_SSL(
                settings.host, settings.effective_port, ssl_context=context, timeout=settings.timeout
            )
        imap = imaplib.IMAP4(settings.host, settings.effective_port, timeout=settings.timeout)
        if settings.security == "starttls":
            try:
                imap.starttls(ssl_context=context)
            except BaseException:
                _shutdown(imap)
                raise
        return imap
    except ssl.SSLCertVerificationError as exc:
        raise UserError(
            f"邮件服务器 {where} 的证书无法验证（{exc.verify_message or exc.reason}）；"
            "如果这是单位自己的服务器，请用 --ca-file 指定它的证书"
        ) from None
    except ssl.SSLError as exc:
        raise UserError(
            f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or exc}）；"
            "请检查 --security 与端口是否匹配（ssl 通常用 993，starttls 和 none 通常用 143）"
        ) from None
    except TimeoutError:
        raise UserError(f"连接邮件服务器 {where} 超时，请检查主机名、端口和 --security") from None
    except OSError as exc:
        raise UserError(f"无法连接邮件服务器 {where}（{exc.strerror or exc}）") from None
    except imaplib.IMAP4.error as exc:
        text = server_text(exc)
        if "STARTTLS" in text.upper() or "TLS NOT SUPPORTED" in text.upper():
            raise UserError(f"邮件服务器 {where} 不支持 STARTTLS，请改用 --security ssl") from None
        raise UserError(f"邮件服务器 {where} 拒绝连接（{text}）") from None


def _shutdown(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        imap.shutdown()


def _login(imap: imaplib.IMAP4, settings: ImapSettings, password: str) -> None:
    """Log in; a non-ASCII user name or password (LOGIN cannot carry it) goes as UTF-8 AUTHENTICATE PLAIN."""
    user = settings.user
    try:
        if (user + password).isascii():
            imap.login(user, password)
        else:
            token = f"\0{user}\0{password}".encode()
            imap.authenticate("PLAIN", lambda challenge: token)
    except CONNECTION_ERRORS as exc:
        raise UserError(f"登录邮件服务器 {settings.where} 时连接中断（{server_text(exc)}）") from None
    except imaplib.IMAP4.error as exc:
        raise UserError(
            f"邮件服务器 {settings.where} 拒绝登录（用户 {user}）：{server_text(exc)}；"
            f"请检查用户名和环境变量 {settings.password_env} 中的密码（有的邮箱需要“授权码”而不是登录密码）"
        ) from None


def folder_names(imap: imaplib.IMAP4) -> list[str]:
    """The folders the server lists, decoded (for telling the user which exist)."""
    try:
        status, data = imap.list()
    except (*CONNECTION_ERRORS, imaplib.IMAP4.error):
        return []
    names: list[str] = []
    for item in data if status == "OK" else []:
        if not isinstance(item, bytes):
            continue
        match = LIST_LINE.match(item)
        if not match or b"\\noselect" in match.group("flags").lower():
            continue
        raw = match.group("name").strip()
        if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
            raw = raw[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
        text = raw.decode("ascii", "replace")
        try:
            names.append(decode_folder(text))
        except ValueError:
            names.append(text)
    return names


class Mailbox:
    """One folder of an IMAP mailbox, logged in and opened; use as a context manager."""

    def __init__(self, settings: ImapSettings, writable: bool = False) -> None:
        password = settings.password()
        self.settings = settings
        self.imap = _connect(settings)
        try:
            _login(self.imap, settings, password)
            self.uidvalidity = self._open(writable)
        except BaseException:
            _shutdown(self.imap)
            raise

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self, writable: bool) -> int:
        folder, where = self.settings.folder, self.settings.where
        try:
            status, data = self.imap.select(quoted(encode_folder(folder)), readonly=not writable)
        except imaplib.IMAP4.readonly:
            raise UserError(f"邮箱文件夹“{folder}”是只读的，无法标记为已读；请去掉 --mark-seen") from None
        except CONNECTION_ERRORS as exc:
            raise UserError(f"打开邮箱文件夹“{folder}”时与 {where} 的连接中断（{server_text(exc)}）") from None
        except imaplib.IMAP4.error as exc:
            raise UserError(f"无法打开邮箱文件夹“{folder}”：{server_text(exc)}") from None
        if status != "OK":
            said = server_text(Exception(data[-1] if data else b""))
            existing = folder_names(self.imap)
            listed = "、".join(existing[:MAX_LISTED_FOLDERS]) + ("……" if len(existing) > MAX_LISTED_FOLDERS else "")
            hint = f"；邮箱中现有的文件夹：{listed}" if existing else ""
            raise UserError(f"邮箱中没有文件夹“{folder}”，或无法打开（服务器答复：{said}）{hint}")
        _, values = self.imap.response("UIDVALIDITY")
        try:
            return int(values[0]) if values and values[0] else 0
        except (TypeError, ValueError):
            return 0

    def close(self) -> None:
        """End the session with LOGOUT (never CLOSE: see the module text)."""
        try:
            self.imap.logout()
        except (*CONNECTION_ERRORS, imaplib.IMAP4.error):
            _shutdown(self.imap)

    def _command(self, *args: str) -> list[object]:
        try:
            status, data = self.imap.uid(*args)
        except CONNECTION_ERRORS as exc:
            raise MailboxTrouble(f"与邮件服务器 {self.settings.where} 的连接中断（{server_text(exc)}）") from None
        except imaplib.IMAP4.error as exc:
            raise MailboxTrouble(
                f"邮件服务器 {self.settings.where} 拒绝了命令 {args[0]}（{server_text(exc)}）"
            ) from None
        if status != "OK":
            said = server_text(Exception(data[-1] if data else b""))
            raise MailboxTrouble(f"邮件服务器 {self.settings.where} 拒绝了命令 {args[0]}（{said}）")
        return [item for item in data if item is not None]

    def search(self, since: date | None) -> list[int]:
        """The UIDs of the folder's messages (received on or after ``since``), ascending."""
        criteria = ("SINCE", imap_date(since)) if since else ("ALL",)
        uids: set[int] = set()
        for item in self._command("SEARCH", *criteria):
            if isinstance(item, bytes):
                uids.update(int(token) for token in item.split() if token.isdigit())
        return sorted(uids)

    def summaries(self, uids: Sequence[int]) -> dict[int, Summary]:
        """Size and arrival time of each message (one command for all)."""
        found: dict[int, Summary] = {}
        if not uids:
            return found
        for meta, _ in _responses(self._command("FETCH", uid_set(uids), "(UID RFC822.SIZE INTERNALDATE)")):
            uid, size, when = UID.search(meta), SIZE.search(meta), INTERNALDATE.search(meta)
            if uid and size:  # an unsolicited FETCH (a flag another client changed) has no size
                received = parse_internaldate(when.group(1).decode("ascii", "replace")) if when else None
                found[int(uid.group(1))] = Summary(int(uid.group(1)), int(size.group(1)), received)
        return found

    def message_ids(self, uids: Sequence[int]) -> dict[int, str]:
        """The Message-ID header of each message (only the header line is fetched)."""
        found: dict[int, str] = {}
        if not uids:
            return found
        command = "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
        for meta, literal in _responses(self._command("FETCH", uid_set(uids), command)):
            uid = UID.search(meta)
            match = MESSAGE_ID_LINE.search(literal or b"")
            if uid and match:
                text = re.sub(r"\r?\n[ \t]", "", match.group(1).decode("utf-8", "surrogateescape"))
                found[int(uid.group(1))] = recover_text(text).strip()
        return found

    def header(self, uid: int) -> bytes:
        """The header of one message (for a message too large to fetch whole)."""
        for meta, literal in _responses(self._command("FETCH", str(uid), "(UID BODY.PEEK[HEADER])")):
            match = UID.search(meta)
            if match and int(match.group(1)) == uid and literal is not None:
                return literal
        return b""

    def fetch(self, uids: Sequence[int]) -> Iterator[Fetched]:
        """The raw messages, fetched without setting \\Seen; a message deleted meanwhile is left out."""
        for meta, literal in _responses(self._command("FETCH", uid_set(uids), "(UID BODY.PEEK[])")):
            match = UID.search(meta)
            if match and literal is not None:
                yield Fetched(int(match.group(1)), literal)

    def mark_seen(self, uid: int) -> None:
        self._command("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")


def _responses(data: list[object]) -> Iterator[tuple[bytes, bytes | None]]:
    """Each FETCH response as (its text outside the literal, the literal), however the server orders items."""
    index = 0
    while index < len(data):
        item = data[index]
        if isinstance(item, tuple) and len(item) == 2:
            head, literal = item
            following = data[index + 1] if index + 1 < len(data) else None
            tail = following if isinstance(following, bytes) else b""  # imaplib's rest of the line after a literal
            yield bytes(head) + b" " + tail, bytes(literal)
            index += 2 if isinstance(following, bytes) else 1
        elif isinstance(item, bytes):
            yield item, None
            index += 1
        else:
            index += 1
