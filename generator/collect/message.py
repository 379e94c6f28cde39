"""One raw message read into what the collector needs: who sent it, when, and its attachments.

The message is parsed with ``email.policy.default``; if that raises on a
malformed message, with ``compat32``, which takes anything.  Headers are
read raw (:mod:`.headers`), so neither policy's own decoding is relied on.

An attachment is a leaf part with a file name (inline or not — a photo of a
paper form may be pasted into the body) or, without a name, of a type a
return can have (``application/pdf``, ``image/jpeg`` …).  Text bodies without
a name are the message itself.  A damaged structure (a multipart without its
boundary, a missing start boundary) is a problem, and the raw message is
kept as well so that nothing is lost.  Every attachment is saved, up to
:data:`MAX_ATTACHMENTS` per message (a message of 200 forms is fine); beyond
that the rest are not, the message says so, and the raw message is kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import errors, policy
from email.message import Message
from email.parser import BytesParser

from generator.collect import headers
from generator.collect.naming import TYPE_EXTENSIONS, base_name, extension, has_control

MAX_ATTACHMENTS = 1000
"""More attachments than this in one message are not saved (a mail client never sends so many returns)."""
STRUCTURE_DEFECTS = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.CloseBoundaryNotFoundDefect,
)
HEADER_END = re.compile(rb"\r?\n\r?\n")
CONTENT_TYPE_LINES = re.compile(rb"^content-type:.*(?:\r?\n[ \t].*)*(?:\r?\n|$)", re.IGNORECASE | re.MULTILINE)
BOUNDARY_LINE = re.compile(rb"^--([ -~]{1,70}?)[ \t]*\r?$", re.MULTILINE)
BASE64_DEFECTS = (
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
)


@dataclass
class Attachment:
    """One attachment: its name as the sender meant it (sanitised to a base name), its bytes, and its problems."""

    name: str
    data: bytes
    original: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class ParsedMessage:
    message_id: str
    address: str
    display_name: str
    subject: str
    date: datetime | None
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    keep_raw: bool = False
    """Whether the raw message should be kept too: its structure is damaged, so an attachment may be missed."""


def raw_key(raw: bytes) -> str:
    """The key of a message without a Message-ID: the SHA-256 of its raw bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse_message(raw: bytes) -> ParsedMessage:
    """Read ``raw``; never raises (what cannot be read is a problem of the result)."""
    for chosen in (policy.default, policy.compat32):
        try:
            message = BytesParser(policy=chosen).parsebytes(raw)
            parsed = _read(message, raw)
        except Exception:  # a malformed message can make the default policy raise anywhere
            continue
        if not parsed.attachments and any(isinstance(d, errors.NoBoundaryInMultipartDefect) for d in message.defects):
            parsed.attachments = _with_guessed_boundary(raw, chosen)
        return parsed
    return ParsedMessage(raw_key(raw), "", "", "", None, problems=["邮件无法解析，已保存邮件原文"], keep_raw=True)


def _with_guessed_boundary(raw: bytes, chosen: policy.Policy) -> list[Attachment]:
    """The attachments of a multipart message whose Content-Type lost its boundary, guessed from the body."""
    end = HEADER_END.search(raw)
    if not end:
        return []
    head, body = raw[: end.start()], raw[end.start() :]
    match = BOUNDARY_LINE.search(body)
    if not match or b'"' in match.group(1):
        return []
    boundary = match.group(1).decode("ascii")
    head = CONTENT_TYPE_LINES.sub(b"", head).rstrip(b"\r\n")
    patched = head + f'\r\nContent-Type: multipart/mixed; boundary="{boundary}"'.encode("ascii") + body
    try:
        return _read(BytesParser(policy=chosen).parsebytes(patched), patched).attachments
    except Exception:  # the guess did not help: the raw message is kept anyway
        return []


def _read(message: Message, raw: bytes) -> ParsedMessage:
    address, display = headers.sender(message)
    parsed = ParsedMessage(
        message_id=headers.message_id(message) or raw_key(raw),
        address=address,
        display_name=display,
        subject=headers.header_text(message, "subject"),
        date=headers.received_date(message),
    )
    structure = False
    count = 0
    for part in message.walk():
        if any(isinstance(defect, STRUCTURE_DEFECTS) for defect in part.defects):
            structure = True
        if part.is_multipart():
            continue
        attachment = _attachment(part, count + 1)
        if attachment is None:
            continue
        count += 1
        if count > MAX_ATTACHMENTS:
            continue
        parsed.attachments.append(attachment)
    if count > MAX_ATTACHMENTS:
        parsed.problems.append(f"邮件有 {count} 个附件，超过 {MAX_ATTACHMENTS} 个，只保存了前 {MAX_ATTACHMENTS} 个")
        parsed.keep_raw = True
    if structure:
        parsed.problems.append("邮件结构有误（如 multipart 缺少分隔符），附件可能未能全部找出，已另存邮件原文")
        parsed.keep_raw = True
    return parsed


def _attachment(part: Message, number: int) -> Attachment | None:
    original = headers.filename_of(part)
    content_type = part.get_content_type()
    if not original:
        ext = TYPE_EXTENSIONS.get(content_type)
        if not ext:
            return None  # a text body, or something no return is
        original = f"附件{number}{ext}"
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    name = base_name(original) or f"附件{number}"
    if not extension(name):  # "自评表" sent as application/pdf, or just starting as a PDF does
        name += TYPE_EXTENSIONS.get(content_type) or (".pdf" if data.startswith(b"%PDF-") else "")
    attachment = Attachment(name=name, data=data, original=original)
    if name != original.strip() or has_control(original):
        attachment.problems.append(f"附件名“{original}”含有路径或控制字符，已改为安全的文件名")
    if content_type == "application/ms-tnef" or name.lower() == "winmail.dat":
        attachment.problems.append(
            f"附件“{name}”是 Outlook 的 TNEF 格式（winmail.dat），其中的表格无法取出；"
            "请对方把邮件格式改为 HTML 或纯文本后重发"
        )
    if any(isinstance(defect, BASE64_DEFECTS) for defect in part.defects):
        attachment.problems.append(f"附件“{name}”的 base64 编码有误，保存的文件可能不完整")
    return attachment
