"""The e-mail to one applicant: subject and body from Jinja2 templates, the personalised PDF attached.

Messages are built with the standard library's :mod:`email` package under the
SMTP policy, so Chinese in the headers is RFC 2047 encoded (``=?utf-8?b?…?=``),
the attachment's Chinese file name is RFC 2231 encoded (``filename*=utf-8''…``)
and the body is base64: the whole message is 7-bit ASCII and passes any server.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from generator.distribute.email_address import email_problem, normalize_email
from generator.distribute.roster import Applicant
from generator.errors import UserError
from generator.textrender import render

SUBJECT_TEMPLATE = "mail_subject.txt.j2"
BODY_TEMPLATE = "mail_body.txt.j2"


@dataclass(frozen=True, slots=True)
class MailSettings:
    """What every message shares: who sends it, where forms go back to, by when."""

    sender: Address
    return_address: Address
    deadline: str


def parse_address(text: str, what: str) -> Address:
    """``人力资源部 <hr@example.com>`` or ``hr@example.com`` as an :class:`Address`; a Chinese error if invalid."""
    name, address = parseaddr(text.strip())
    address = normalize_email(address)
    problem = email_problem(address) if address else f"“{text}”不是邮箱地址"
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


def build_message(
    applicant: Applicant, settings: MailSettings, attachment: str, pdf: bytes, beside: Path | None = None
) -> EmailMessage:
    """The complete message to ``applicant`` with ``pdf`` attached as ``attachment``.

    ``beside`` is the rubric file whose own templates come first (see :mod:`generator.textrender`).
    """
    context = mail_context(applicant, settings, attachment)
    subject = " ".join(render(SUBJECT_TEMPLATE, beside, **context).split())
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = Address(display_name=applicant.name, addr_spec=applicant.email)
    if settings.return_address != settings.sender:
        message["Reply-To"] = settings.return_address
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.domain)
    message.set_content(render(BODY_TEMPLATE, beside, **context), charset="utf-8", cte="base64")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment, params={"name": attachment})
    return message
