"""rubric-forms: one rubric source, print-ready Word forms and fillable PDF forms, and the returns read back.

The package is laid out as readers → one model → writers:

- :mod:`generator.model`: ``rubrics.toml`` loaded into immutable rubrics; the field-naming contract;
- :mod:`generator.layout`: each form's layout, decided once for every writer;
- :mod:`generator.writers`: the Word form and the fillable PDF;
- :mod:`generator.readers`: returned forms read back into one result record;
- :mod:`generator.reports`: results tabulated into a workbook, CSV files and an HTML report;
- :mod:`generator.distribute`: the roster, personalised forms and e-mail;
- :mod:`generator.collect`: returned forms saved out of the office's mailbox;
- :mod:`generator.commands`: the command line, a thin layer over the functions below.

The library API, for a Python user (each name is imported on first use, so
importing :mod:`generator` costs nothing)::

    from pathlib import Path
    import generator as rf

    rubrics = rf.load()                                  # the bundled rubrics.toml (or load(path))
    rf.build_forms(rubrics, Path("output"))              # three .docx and three fillable .pdf
    results = rf.read_returns([Path("收件箱")], rubrics)  # one FormResult per returned file
    tabulation = rf.tabulate(results, rubrics)           # duplicates flagged, ranked per rubric
    rf.write_reports(tabulation, Path("output/汇总"))     # 评分汇总.xlsx, CSV files, 评分报告.html
    rf.write_archives(tabulation.results, rubrics, Path("output/评审档案"))  # one archive PDF per rubric

    roster = rf.read_roster(Path("花名册.xlsx"), rubrics)
    rf.personalize(roster.applicants, Path("output/个人表格"), formats=("pdf", "docx"))
    rf.collect_files([Path("导出的邮件.mbox")], Path("output/回收"))    # or collect_mailbox(ImapSettings(...), ...)
    checked = rf.tabulate(rf.read_returns([Path("output/回收")], rubrics), rubrics, roster.applicants,
                          rf.ledger_senders(Path("output/回收")))    # checked.roster: 已交/未交/多次提交
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.version import __version__

if TYPE_CHECKING:
    from generator.archive import write_archives
    from generator.collect import CollectRun, ImapSettings, collect_files, collect_mailbox, ledger_senders
    from generator.distribute.mail import MailSettings
    from generator.distribute.mailing import MailRun, send_messages, write_messages
    from generator.distribute.personalize import PersonalizeRun, personalize
    from generator.distribute.roster import Applicant, Roster
    from generator.distribute.smtp_settings import SmtpSettings
    from generator.errors import UserError
    from generator.model.rubric import Rubric, RubricSet
    from generator.readers.batch import read_returns
    from generator.readers.limits import BatchLimits
    from generator.readers.results import FormResult
    from generator.readers.returns import read_return
    from generator.reports.outputs import write_reports
    from generator.reports.tabulate import Tabulation, tabulate
    from generator.resources import init_folder
    from generator.writers.forms import build_forms
    from generator.writers.pdf.fonts import FontSettings

_EXPORTS = {
    "Applicant": "generator.distribute.roster",
    "CollectRun": "generator.collect",
    "ImapSettings": "generator.collect",
    "collect_files": "generator.collect",
    "collect_mailbox": "generator.collect",
    "ledger_senders": "generator.collect",
    "BatchLimits": "generator.readers.limits",
    "FontSettings": "generator.writers.pdf.fonts",
    "FormResult": "generator.readers.results",
    "MailRun": "generator.distribute.mailing",
    "MailSettings": "generator.distribute.mail",
    "PersonalizeRun": "generator.distribute.personalize",
    "Roster": "generator.distribute.roster",
    "Rubric": "generator.model.rubric",
    "RubricSet": "generator.model.rubric",
    "SmtpSettings": "generator.distribute.smtp_settings",
    "Tabulation": "generator.reports.tabulate",
    "UserError": "generator.errors",
    "build_forms": "generator.writers.forms",
    "init_folder": "generator.resources",
    "personalize": "generator.distribute.personalize",
    "read_return": "generator.readers.returns",
    "read_returns": "generator.readers.batch",
    "send_messages": "generator.distribute.mailing",
    "tabulate": "generator.reports.tabulate",
    "write_archives": "generator.archive",
    "write_messages": "generator.distribute.mailing",
    "write_reports": "generator.reports.outputs",
}

__all__ = [
    "Applicant",
    "BatchLimits",
    "CollectRun",
    "FontSettings",
    "FormResult",
    "ImapSettings",
    "MailRun",
    "MailSettings",
    "PersonalizeRun",
    "Roster",
    "Rubric",
    "RubricSet",
    "SmtpSettings",
    "Tabulation",
    "UserError",
    "__version__",
    "build_forms",
    "collect_files",
    "collect_mailbox",
    "init_folder",
    "ledger_senders",
    "load",
    "personalize",
    "read_return",
    "read_returns",
    "read_roster",
    "send_messages",
    "tabulate",
    "write_archives",
    "write_messages",
    "write_reports",
]


def load(path: str | Path | None = None) -> RubricSet:
    """Load and check a rubrics file: ``path``, else ``rubrics.toml`` in the current folder, else the bundled one.

    Raises :class:`~generator.model.loader.RubricError` (a :class:`UserError`
    listing every problem in Chinese) when the file breaks a rule.
    """
    from generator.model.loader import load as load_file
    from generator.resources import default_rubrics

    return load_file(default_rubrics() if path is None else Path(path))


def read_roster(path: str | Path, rubrics: RubricSet, *, require_email: bool = False) -> Roster:
    """Read a roster (.xlsx or .csv): the applicants of its good rows, and a problem for each bad row."""
    from generator.distribute.roster import read_roster as read_file

    return read_file(Path(path), rubrics, require_email=require_email)


def __getattr__(name: str) -> Any:
    """Import each public name from its module on first use."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'generator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
