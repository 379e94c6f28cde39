"""The mail run: one message per applicant with their personalised form, written as ``.eml`` or sent.

Every message is also kept as an ``.eml`` file in the output folder — the
copy an administrator checks before sending, and the record of what was
sent.  Sending goes through :mod:`generator.distribute.smtp_send` under the
send log, so a run that is interrupted resumes without sending anyone a
second message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.distribute.mail import MailSettings, build_message
from generator.distribute.personalize import Personalizer, missing_glyph_warning
from generator.distribute.roster import Applicant
from generator.distribute.send_log import SendLog
from generator.distribute.smtp_send import Outcome, SendSummary, send_all
from generator.distribute.smtp_settings import SmtpSettings
from generator.filenames import inside
from generator.writers.pdf.fonts import FontSettings

LOG_NAME = "发送记录.jsonl"
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class MailRun:
    """What a mail run did: the ``.eml`` files written, font warnings, and the send summary when sending."""

    written: list[Path]
    warnings: list[str]
    summary: SendSummary | None = None


class _Messages:
    """Builds each applicant's message once and keeps its ``.eml`` copy in the output folder."""

    def __init__(
        self,
        applicants: Sequence[Applicant],
        settings: MailSettings,
        out_dir: Path,
        fonts: FontSettings | None,
        beside: Path | None,
    ) -> None:
        self.personalizer = Personalizer(applicants, fonts)
        self.settings, self.out_dir, self.beside = settings, out_dir, beside
        self.written: list[Path] = []
        warnings = (missing_glyph_warning(applicant, self.personalizer.glyphs) for applicant in applicants)
        self.warnings = [warning for warning in warnings if warning]

    def __call__(self, applicant: Applicant) -> EmailMessage:
        personalizer = self.personalizer
        pdf = personalizer.pdf(applicant)
        message = build_message(applicant, self.settings, personalizer.file_name(applicant), pdf, self.beside)
        path = inside(self.out_dir, f"{personalizer.stem(applicant)}.eml")
        write_bytes_atomic(path, message.as_bytes())
        self.written.append(path)
        return message


def write_messages(
    applicants: Sequence[Applicant],
    settings: MailSettings,
    out_dir: Path,
    fonts: FontSettings | None = None,
    beside: Path | None = None,
    on_progress: Progress | None = None,
) -> MailRun:
    """Write each applicant's message into ``out_dir`` as an ``.eml`` file, for checking or sending by hand."""
    if not applicants:
        return MailRun([], [])
    messages = _Messages(applicants, settings, out_dir, fonts, beside)
    for done, applicant in enumerate(applicants, 1):
        messages(applicant)
        if on_progress:
            on_progress(done, len(applicants))
    return MailRun(messages.written, messages.warnings)


def send_messages(
    applicants: Sequence[Applicant],
    settings: MailSettings,
    smtp: SmtpSettings,
    out_dir: Path,
    *,
    log_path: Path | None = None,
    fonts: FontSettings | None = None,
    beside: Path | None = None,
    resend_uncertain: bool = False,
    on_outcome: Callable[[Applicant, Outcome, str], None] | None = None,
) -> MailRun:
    """Send each applicant's message unless the send log says it went already; keep ``.eml`` copies.

    ``log_path`` defaults to :data:`LOG_NAME` in ``out_dir``; ``on_outcome``
    hears of every applicant as they are done.
    """
    if not applicants:
        return MailRun([], [], SendSummary())
    messages = _Messages(applicants, settings, out_dir, fonts, beside)
    with SendLog(log_path or out_dir / LOG_NAME) as log:
        summary = send_all(
            applicants,
            messages,
            smtp,
            log,
            resend_uncertain=resend_uncertain,
            progress=on_outcome or (lambda applicant, outcome, reason: None),
        )
    return MailRun(messages.written, messages.warnings, summary)
