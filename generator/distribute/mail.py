"""The e-mail to one applicant: subject and body from Jinja2 templates, the personalised PDF attached.

Messages are built with the standard library's :mod:`email` package under the
SMTP policy: the attachment's Chinese file name is RFC 2231 encoded
(``filename*=utf-8''…``) and the body is base64, so the whole message is 7-bit
ASCII and passes any server.  Subject and display names are text, never header
syntax: :mod:`.mail_headers` encodes every character of them itself
(``=?utf-8?b?…?=``), and each built message is parsed back and compared with
what was meant before it is written or sent (:func:`check_message`).
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from generator.distribute.email_address import email_problem, normalize_email
from generator.distribute.mail_headers import LiteralHeader, address_header, header_problem, text_header
from generator.distribute.plain_text import CONTROL, ENCODED_WORD, ENCODED_WORD_SHOWN, one_line, quoted
from generator.distribute.roster import Applicant, RowProblem
from generator.errors import UserError
from generator.textrender import render

SUBJECT_TEMPLATE = "mail_subject.txt.j2"
BODY_TEMPLATE = "mail_body.txt.j2"


@dataclass(frozen=True, slots=True)
class MessageKind:
    """Which message: its subject and body templates, and what else they are told (a reminder's round)."""

    subject: str = SUBJECT_TEMPLATE
    body: str = BODY_TEMPLATE
    round: str = ""


FORM_MESSAGE = MessageKind()
"""The first message: the applicant's form, to fill in."""


def reminder(round_name: str) -> MessageKind:
    """A reminder to someone who has not returned the form, in the round ``round_name``."""
    return MessageKind("mail_remind_subject.txt.j2", "mail_remind_body.txt.j2", round_name)


MESSAGE_HEADERS = frozenset({"subject", "from", "to", "date", "message-id", "mime-version", "content-type"})


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What every message shares: who sends it, where forms go back to, by when."""

    sender: Address
    return_address: Address
    deadline: str


class MessageError(UserError):
    """One applicant's message could not be built safely; the others are not affected."""

    def __init__(self, applicant: Applicant, reason: str) -> None:
        super().__init__(f"{applicant.where}：{reason}")
        self.applicant, self.reason = applicant, reason

    @property
    def problem(self) -> RowProblem:
        """The same, as a problem of the applicant's roster row."""
        return RowProblem(self.applicant.row, self.reason, self.applicant.sheet)


def parse_address(text: str, what: str) -> Address:
    """``人力资源部 <hr@example.com>`` or ``hr@example.com`` as an :class:`Address`; a Chinese error if invalid."""
    name, address = parseaddr(text.strip())
    address = normalize_email(address)
    problem = email_problem(address) if address else f"“{quoted(text)}”不是邮箱地址"
    if not problem and ENCODED_WORD.search(name):
        problem = f"名称中不能含有{ENCODED_WORD_SHOWN}编码文字，请直接写中文"
    if not problem and CONTROL.search(name):
        problem = f"名称中含有控制字符（{quoted(name)}），请删除"
    if problem:
        raise UserError(f"{what}无效：{problem}")
    return Address(display_name=name, addr_spec=address)


def mail_context(applicant: Applicant, settings: MailSettings, attachment: str) -> dict[str, str]:
    """The variables the subject and body templates see."""
    labels = dict((h.id, h.label) for h in applicant.rubric.applicant_fields)
    prefilled = "、".join(labels[header_id] for header_id, value in applicant.values if value)
    return {
        "name": applicant.name,
        "rubric_name": applicant.rubric.name,
        "rubric_title": applicant.rubric.title,
        "prefilled": prefilled,
        "attachment": attachment,
        "deadline": settings.deadline,
        "return_address": settings.return_address.addr_spec,
        "sender_name": settings.sender.display_name,
    }


def to_header(display: str, address: str) -> LiteralHeader:
    """The To: header for one applicant: the name as text, the roster's address."""
    return address_header("To", display, address)


def build_message(
    applicant: Applicant,
    settings: MailSettings,
    attachment: str,
    pdf: bytes,
    beside: Path | None = None,
    kind: MessageKind = FORM_MESSAGE,
) -> EmailMessage:
    """The complete message to ``applicant`` with ``pdf`` attached as ``attachment``.

    ``beside`` is the rubric file whose own templates come first (see :mod:`generator.textrender`);
    ``kind`` chooses the templates (the form, or a reminder).
    Raises :class:`MessageError` when the message cannot be made exactly as meant.
    """
    problem = email_problem(applicant.email)
    if problem:
        raise MessageError(applicant, f"无法生成邮件：{problem}")
    context = mail_context(applicant, settings, attachment) | {"round": kind.round}
    subject = one_line(render(kind.subject, beside, **context))
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = text_header("Subject", subject)
    message["From"] = _address("From", settings.sender)
    message["To"] = to_header(one_line(applicant.name), applicant.email)
    if settings.return_address != settings.sender:
        message["Reply-To"] = _address("Reply-To", settings.return_address)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.domain)
    message.set_content(render(kind.body, beside, **context), charset="utf-8", cte="base64")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment, params={"name": attachment})
    check_message(message, applicant, settings, subject)
    return message


def _address(name: str, address: Address) -> LiteralHeader:
    return address_header(name, one_line(address.display_name), address.addr_spec)


def check_message(message: EmailMessage, applicant: Applicant, settings: MailSettings, subject: str) -> None:
    """Parse ``message`` back from its bytes; raise :class:`MessageError` unless its headers are exactly as meant.

    Exactly the expected header names, each once; Subject decodes to
    ``subject``, From to the sender, To to the applicant (and Reply-To, when
    there is one, to the return address).
    """
    addresses = {
        "From": (one_line(settings.sender.display_name), settings.sender.addr_spec),
        "To": (one_line(applicant.name), applicant.email),
    }
    if settings.return_address != settings.sender:
        ra = settings.return_address
        addresses["Reply-To"] = (one_line(ra.display_name), ra.addr_spec)
    expected = MESSAGE_HEADERS | {name.lower() for name in addresses}
    problem = header_problem(message.as_bytes(), set(expected), subject, addresses)
    if problem:
        raise MessageError(
            applicant, f"生成的邮件头与预期不符（{problem}），为安全起见已跳过这封邮件；请检查这一行的姓名等内容"
        )
