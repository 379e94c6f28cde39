"""What reading one returned form yields: the per-form result every output is built from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from generator.readers.scores import ScoreCheck

Eligibility = Literal["eligible", "ineligible", "unknown"]
CropKind = Literal["field", "seal", "page"]
"""What a crop shows: a box to key (named by its field), the seal area, or a whole page's thumbnail."""
SealState = Literal["sealed", "absent", "unclear", ""]
"""The paper seal as seen on a scan: red ink in the seal area, none, or not decidable ('' for no scan)."""

TOO_BIG = "读取该文件所需的内存超出上限，已停止读取；这不是正常的评分表。"


class UnreadableForm(Exception):
    """A file that cannot be read as a form; the message is one Chinese sentence."""


class NoFormFields(UnreadableForm):
    """A PDF without form fields: a flattened form, a scan, or no form at all (the message says which)."""


FORMAT_TEXT = {
    "pdf": "PDF",
    "docx": "Word",
    "docm": "Word（启用宏的文档，宏未运行）",
    "doc": "Word 97-2003（经 LibreOffice 转换）",
    "wps": "WPS 文字（经 LibreOffice 转换）",
    "rtf": "RTF（经 LibreOffice 转换）",
    "odt": "OpenDocument 文本（经 LibreOffice 转换）",
    "scan": "纸质扫描件",
    "keyed": "纸质录入",
}
"""How outputs name the format a return came in, by the reader's code for it."""

ELIGIBILITY_TEXT: dict[Eligibility, str] = {
    "eligible": "可申报",
    "ineligible": "不得申报",
    "unknown": "待核实",
}

SEAL_TEXT: dict[SealState, str] = {"sealed": "已盖章", "absent": "未见印章", "unclear": "无法判断", "": ""}

ESealState = Literal["unsigned", "signed", "unverifiable"]
"""The PDF's seal field: no signature; a signature pyHanko checked; a signature it cannot check (SM2/SM3)."""
ESEAL_TEXT: dict[ESealState, str] = {
    "unsigned": "未签章",
    "signed": "已签章",
    "unverifiable": "已签章（国密，无法校验）",
}


@dataclass(frozen=True, slots=True)
class ESeal:
    """The organisation's electronic seal: the signature in the PDF's seal field, as pyHanko sees it.

    ``signer`` and ``organization`` are the certificate subject's CN and O; ``signed_at`` the signing
    time as ``YYYY-MM-DD HH:MM`` (the signer's claim, or the timestamp's); ``intact`` whether the signed
    bytes are unchanged; ``whole_file`` whether the signature covers the file as it is (no revision added
    after it); ``trusted`` whether the certificate chains to a given trust root (``None``: not checked);
    ``changes`` what changed after signing, in Chinese; ``notes`` anything else a reader must know
    ("证书未验证信任链", "证书已过期", "国密签章，本工具无法校验").
    """

    state: ESealState
    signer: str = ""
    organization: str = ""
    signed_at: str = ""
    intact: bool | None = None
    whole_file: bool | None = None
    trusted: bool | None = None
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return ESEAL_TEXT[self.state]


@dataclass(frozen=True, slots=True)
class Crop:
    """An area of a scanned page as a JPEG: a box the office keys from, the seal area, or a page thumbnail.

    ``kind`` says which; ``name`` is the field's name (:mod:`generator.model.fields`), ``seal`` for the
    seal area or ``page-<n>`` for a thumbnail; ``label`` says what it shows, in Chinese.
    """

    name: str
    label: str
    jpeg: bytes
    width: int
    height: int
    kind: CropKind = "field"


@dataclass(frozen=True, slots=True)
class ScanEvidence:
    """What the scan of one paper application shows, beside the values read or keyed from it.

    ``application_id`` names the application in the keying workbook and across runs; ``pages``
    says where each page of the form was found (``扫描.pdf 第 3 页``), in page order; ``crops`` are
    the boxes to key (header blanks, scores, the review); ``seal_crop`` the seal area and the band
    around it; ``keyed_values`` what the office keyed for it (kept when the keying workbook is rewritten);
    ``notes`` the problems of its pages (missing, repeated, another version); ``page_refs`` each page's
    file (its source) and 1-based page number, so its image can be taken again (the archive does).
    """

    application_id: str
    pages: tuple[str, ...]
    crops: tuple[Crop, ...] = ()
    seal: SealState = ""
    seal_crop: Crop | None = None
    keyed_values: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    page_refs: tuple[tuple[str, int], ...] = ()

    @property
    def keyed(self) -> bool:
        """Whether values were keyed for this application (``keyed_values``: field name, text)."""
        return bool(self.keyed_values)


@dataclass(frozen=True, slots=True)
class FormResult:
    """One input file after reading.

    A file that could not be read as a form (``read`` is false) carries only
    its source and the one problem saying why.  A form that was read carries
    the rubric id, the applicant's header fields, every sub-item's score
    check, item subtotals and the total computed from valid scores only, the
    self-reported total as typed, eligibility, the organisation's name,
    review opinion and review date, and every problem found, each a complete
    Chinese sentence.  ``format`` is the reader's code for the format the
    file came in (a key of :data:`FORMAT_TEXT`).
    """

    source: str
    problems: tuple[str, ...] = ()
    read: bool = False
    format: str = ""
    rubric_id: str | None = None
    fingerprint: str | None = None
    applicant: dict[str, str] = field(default_factory=dict)
    scores: dict[str, ScoreCheck] = field(default_factory=dict)
    subtotals: dict[str, int] = field(default_factory=dict)
    total: int | None = None
    self_reported: str = ""
    self_reported_value: int | None = None
    eligibility: Eligibility = "unknown"
    organization: str = ""
    review: str = ""
    review_date: str = ""
    roster_key: str = ""
    seal: SealState = ""
    scan: ScanEvidence | None = None
    e_seal: ESeal | None = None

    @property
    def seal_text(self) -> str:
        return SEAL_TEXT[self.seal]

    @property
    def format_text(self) -> str:
        text = FORMAT_TEXT.get(self.format, self.format)
        if self.scan is not None and self.format not in ("scan", "keyed"):
            return f"{text} + 纸质扫描件"
        return text

    @property
    def clean(self) -> bool:
        return self.read and not self.problems

    @property
    def eligibility_text(self) -> str:
        return ELIGIBILITY_TEXT[self.eligibility]

    @property
    def complete(self) -> bool:
        """Whether every score is valid, so the total is the whole form's total."""
        return self.read and all(check.value is not None for check in self.scores.values())

    def with_problems(self, *problems: str) -> FormResult:
        return replace(self, problems=(*self.problems, *problems))


def unreadable(source: str, problem: str, format: str = "") -> FormResult:
    """The result for a file that could not be read as a form."""
    return FormResult(source=source, problems=(problem,), format=format)
