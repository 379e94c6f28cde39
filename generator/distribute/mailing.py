"""The mail run: one message per applicant with their personalised form, written as ``.eml`` or sent.

Every message is also kept as an ``.eml`` file in the output folder — the
copy an administrator checks before sending, and the record of what was
sent.  Sending goes through :mod:`generator.distribute.smtp_send` under the
send log, so a run that is interrupted resumes without sending anyone a
second message; the log is locked first, so two runs at once cannot both send.

A message that cannot be built safely (:class:`~generator.distribute.mail.MessageError`)
is that applicant's problem only: the run goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from generator.atomic import write_bytes_atomic
from generator.distribute.mail import FORM_MESSAGE, MailSettings, MessageError, MessageKind, build_message
from generator.distribute.personalize import Personalizer, missing_glyph_warning
from generator.distribute.roster import Applicant, RowProblem
from generator.distribute.send_log import SendLog
from generator.distribute.smtp_send import Outcome, SendSummary, send_all
from generator.distribute.smtp_settings import SmtpSettings
from generator.filenames import inside
from generator.writers.pdf.fonts import FontSettings

LOG_NAME = "发送记录.jsonl"
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class MailRun:
    """What a mail run did: the ``.eml`` files written, warnings, and the send summary when sending.

    ``warnings`` are every per-row line to show the user: characters the font
    lacks, and (when only writing) the messages skipped as unsafe, which are
    also in ``problems``.  When sending, a skipped message is a failure in the summary.
    """

    written: list[Path]
    warnings: list[str]
    summary: SendSummary | None = None
    problems: list[RowProblem] = field(default_factory=list)


class _Messages:
    """Builds each applicant's message once and keeps its ``.eml`` copy in the output folder."""

    def __init__(
        self,
        applicants: Sequence[Applicant],
        settings: MailSettings,
        out_dir: Path,
        fonts: FontSettings | None,
        beside: Path | None,
        kind: MessageKind = FORM_MESSAGE,
    ) -> None:
        self.personalizer = Personalizer(applicants, fonts)
        self.settings, self.out_dir, self.beside, self.kind = settings, out_dir, beside, kind
        self.written: list[Path] = []
        warnings = (missing_glyph_warning(applicant, self.personalizer.glyphs) for applicant in applicants)
        self.warnings = [warning for warning in warnings if warning]

    def __call__(self, applicant: Applicant) -> EmailMessage:
        personalizer = self.personalizer
        pdf = personalizer.pdf(applicant)
        attachment = personalizer.file_name(applicant)
        message = build_message(applicant, self.settings, attachment, pdf, self.beside, self.kind)
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
    kind: MessageKind = FORM_MESSAGE,
) -> MailRun:
    """Write each applicant's message (``kind``: the form, or a reminder) into ``out_dir`` as an ``.eml``
    file, for checking or sending by hand."""
    if not applicants:
        return MailRun([], [])
    messages = _Messages(applicants, settings, out_dir, fonts, beside, kind)
    problems: list[RowProblem] = []
    for done, applicant in enumerate(applicants, 1):
        try:
            messages(applicant)
        except MessageError as exc:
            problems.append(exc.problem)
        if on_progress:
            on_progress(done, len(applicants))
    return MailRun(messages.written, [*messages.warnings, *map(str, problems)], problems=problems)


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
    kind: MessageKind = FORM_MESSAGE,
) -> MailRun:
    """Send each applicant's message unless the send log says it went already; keep ``.eml`` copies.

    ``kind`` is the form or a reminder (whose round has its own send log, so nobody is reminded
    twice in one round); ``log_path`` defaults to :data:`LOG_NAME` in ``out_dir``; ``on_outcome``
    hears of every applicant as they are done.  Raises :class:`~generator.errors.UserError`
    at once when another run is using the same send log.
    """
    if not applicants:
        return MailRun([], [], SendSummary())
    with SendLog(log_path or out_dir / LOG_NAME) as log:  # locked first: a second run stops here, before any work
        messages = _Messages(applicants, settings, out_dir, fonts, beside, kind)
        summary = send_all(
            applicants,
            messages,
            smtp,
            log,
            resend_uncertain=resend_uncertain,
            progress=on_outcome or (lambda applicant, outcome, reason: None),
        )
    return MailRun(messages.written, messages.warnings, summary)
