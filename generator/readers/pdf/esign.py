"""The organisation's electronic seal: the signature in a returned PDF's seal field, checked with pyHanko.

The seal box of a generated form is a signature field (``<rubric>-seal``)
whose /Lock names the score, total and header fields, so a signer that honours
it (Acrobat, pyHanko) records a FieldMDP transform and a viewer locks those
fields once the form is sealed.  :func:`read_e_seal` says what the field holds:

- nothing (未签章) — found without pyHanko: a file with no ``/ByteRange``
  anywhere has no signature at all, and costs one byte search;
- a signature pyHanko checked (已签章): signer (certificate subject CN and O),
  signing time (Beijing time), whether the signed bytes are intact, whether it
  covers the whole file or revisions were added after it, the trust chain when
  root certificates are given (the tool runs offline and trusts no authority
  by default; nothing is ever fetched), and what changed after signing;
- a signature it cannot check (SM2/SM3 seals, GB/T 38540, or another unknown
  algorithm): reported as present, with the signer's name when a certificate
  can be read out of it, and still checked for revisions added after it.

What changed after signing is found by comparing the field values of the
signed revision with the file as it is (the same field reading as the
tabulation's), and its annotations page by page.  pyHanko's difference
analysis adds the fields whose appearance was replaced while their value was
not (a viewer then shows, and prints, what the tabulation does not read) and
says whether anything else changed.  It runs with pyHanko's default rules but
one: pyHanko 0.38 takes every field whose appearance stream predates the
signed revision — the usual case of a form filled in, then sealed — for an
appearance rewritten in place, and with the seal's field lock then rejects
any later revision (even one adding a comment) as a locked field changed; so
appearance streams count as changed only when replaced by new objects.

:func:`e_seal_problems` turns the result into the form's problems, each one
Chinese sentence.  Nothing here raises for bad or hostile signature data: it
becomes a note.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING, Any

from generator.model.fields import FormField, form_fields, locked_fields, seal_field
from generator.model.rubric import Rubric
from generator.readers.results import ESeal

if TYPE_CHECKING:
    from asn1crypto import cms, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DiffPolicy
    from pyhanko.sign.validation import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import PdfSignatureStatus

SIGNATURE_MARK = b"/ByteRange"
"""Every signature dictionary has it, written out in the file (its /Contents must be): no mark, no signature."""
BEIJING = timezone(timedelta(hours=8))
GM_ARC = "1.2.156.10197."
"""The OID arc of the Chinese commercial cryptography standards (SM2, SM3, SM4, GM/T 0010 PKCS #7 types)."""
SUPPORTED_SUBFILTERS = frozenset({"/adbe.pkcs7.detached", "/ETSI.CAdES.detached"})
SUPPORTED_KEYS = frozenset({"rsa", "rsassa_pss", "ec", "dsa", "ed25519", "ed448"})
MAX_CERT_SEARCH = 2_000
"""How many ASN.1 sequences to try as a certificate when the signature is not a CMS pyHanko can read."""
MAX_TREE = 5_000
MAX_PAGES = 50

UNSIGNED = ESeal("unsigned")

NOT_CHECKED = "证书未验证信任链"
GM_SEAL = "国密签章，本工具无法校验"
UNKNOWN_ALGORITHM = "签章使用了本工具不支持的算法或格式，无法校验"
OTHER_SIGNATURES = "文件中另有电子签名（不在盖章处），本工具未核验"
NO_ORGANIZATION = "表上未填写所在组织名称，无法核对签章单位"
UNREADABLE = "签章数据已损坏或格式无法识别，无法校验；请让申报人所在组织重新签章后发送"
BAD_SIGNATURE = "签章无效：签名值与证书不符"
BAD_COVERAGE = "签章覆盖范围异常：签章未完整覆盖签章时的文件"
ALTERED = "签章无效：签章覆盖的内容已被改动"
EXPIRED_CHAIN = "签章证书不受信任：证书已过期或尚未生效"
WEAK_ALGORITHM = "签章证书不受信任：签章或证书使用了不安全的算法（如 SHA-1）"
OTHER_CHANGES = "签章后文件有其他改动（如页面内容或文件结构），无法逐项列出"
PROBLEM_NOTES = ("签章无效", "签章证书", "签章单位", "签章数据", "签章覆盖")
"""The notes that are problems of the form; the others only inform ("证书未验证信任链", "国密签章…")."""
LOCKED_FIELD = re.compile(r"the form field (\S+) is locked")
"""pyHanko's message for a locked field changed (the first one it met), when a value comparison misses it."""
LOCKED_CHANGES = "签章后评分被修改："
OTHER_CHANGES_PROBLEM = "签章后文件被改动："
EMPTY = "空白"

ANNOTATION_KINDS = {
    "/Text": "注释",
    "/FreeText": "文字批注",
    "/Ink": "手写批注",
    "/Stamp": "图章批注",
    "/Highlight": "高亮标记",
    "/Underline": "下划线标记",
    "/StrikeOut": "删除线标记",
    "/Squiggly": "波浪线标记",
    "/Square": "图形批注",
    "/Circle": "图形批注",
    "/Line": "图形批注",
    "/Polygon": "图形批注",
    "/PolyLine": "图形批注",
    "/FileAttachment": "附件",
    "/Link": "链接",
    "/Redact": "涂黑标记",
}
IGNORED_ANNOTATIONS = frozenset({"/Widget", "/Popup"})
SEAL_SUFFIX = re.compile(r"(电子)?(公章|印章|签章|业务专用章|专用章)$")

for _name in ("pyhanko", "pyhanko_certvalidator"):
    # pyHanko logs every failed check (with a traceback) as a warning; what matters reaches the user
    # as the result's notes and problems, in Chinese.
    logging.getLogger(_name).setLevel(logging.CRITICAL)


# --- reading the seal ------------------------------------------------------------------------------------


def read_e_seal(data: bytes, rubric: Rubric, typed_organization: str, trust_roots: Sequence[bytes] = ()) -> ESeal:
    """The state of the rubric's seal field in the PDF ``data``; never raises.

    ``typed_organization`` is the organisation's name typed on the seal line
    (:func:`~generator.model.fields.organization_field`), compared with the
    signer's; ``trust_roots`` are root certificates (DER or PEM) to check the
    signer's chain against — none: the chain is not checked, and the result
    says so.
    """
    if SIGNATURE_MARK not in data:
        return UNSIGNED
    for strict in (True, False):
        try:
            return _read_signed(data, rubric, typed_organization, tuple(trust_roots), strict)
        except Exception:  # hostile or broken data (RecursionError, MemoryError too): a note, never an error
            continue
    return ESeal("signed", notes=(UNREADABLE,))


def _read_signed(
    data: bytes, rubric: Rubric, typed_organization: str, trust_roots: tuple[bytes, ...], strict: bool
) -> ESeal:
    """Read the seal with pyHanko's strict parser (``strict``: any failure raises, to be read again leniently)
    or with its repairs."""
    from pyhanko.pdf_utils.generic import DictionaryObject
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(data), strict=strict)
    if reader.encrypted:  # protected by an owner password only, as the tabulation reads it
        reader.decrypt(b"")
    name = seal_field(rubric).name
    seal = _seal_field(reader, name)
    notes = (OTHER_SIGNATURES,) if data.count(SIGNATURE_MARK) > 1 and _other_signatures(reader, name) else ()
    if seal is None:
        return ESeal("unsigned", notes=notes)
    ref, value = seal
    if not isinstance(value.get_object(), DictionaryObject):
        return ESeal("signed", notes=(UNREADABLE, *notes))
    embedded, verifiable = _embedded(reader, ref, name)
    if embedded is None or not verifiable:
        return _unverifiable(data, reader, embedded, value, rubric, typed_organization, notes)
    return _verified(data, embedded, rubric, typed_organization, trust_roots, notes, strict)


def _seal_field(reader: PdfFileReader, name: str) -> tuple[Any, Any] | None:
    """The seal field and its value (the signature dictionary, as referenced), ``None`` when it is empty.

    The generated forms list the seal among the last top-level fields, so the
    field list is searched from its end: reading a field parses all of it,
    and the score fields carry long scripts.  A form whose seal is not a
    top-level field is searched the ordinary way.
    """
    from pyhanko.pdf_utils.generic import ArrayObject, DictionaryObject, IndirectObject
    from pyhanko.sign.fields import enumerate_sig_fields

    fields = reader.root["/AcroForm"]["/Fields"]
    if isinstance(fields, ArrayObject):
        for ref in list(reversed(fields))[:4]:
            field = ref.get_object() if isinstance(ref, IndirectObject) else None
            if isinstance(field, DictionaryObject) and field.get("/T") == name and field.get("/FT") == "/Sig":
                value = field.raw_get("/V") if "/V" in field else None
                return (ref, value) if value is not None else None
    for found, value, ref in enumerate_sig_fields(reader, with_name=name):
        if found == name:
            return (ref, value) if value is not None else None
    return None


def _other_signatures(reader: PdfFileReader, name: str) -> bool:
    """Whether a signature field other than the seal is signed (a second /ByteRange made us look)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    return any(found != name for found, _, _ in enumerate_sig_fields(reader, filled_status=True))


def _embedded(reader: PdfFileReader, ref: Any, name: str) -> tuple[EmbeddedPdfSignature | None, bool]:
    """pyHanko's view of the signature (``None``: its CMS cannot be parsed), and whether pyHanko can check it."""
    from pyhanko.sign.validation import EmbeddedPdfSignature

    try:
        embedded = EmbeddedPdfSignature(reader, ref, name)
    except Exception:
        return None, False
    try:
        return embedded, _verifiable(embedded)
    except Exception:
        return embedded, False


def _verifiable(embedded: EmbeddedPdfSignature) -> bool:
    """Whether pyHanko can check the signature: a known SubFilter, hash and signature algorithm, RSA/EC keys.

    The certificates' key algorithms are read straight from the CMS's certificate set: finding the
    signer's own takes pyHanko a costly name matching, which its validation does again anyway.
    """
    from pyhanko.sign.general import get_pyca_cryptography_hash

    subfilter = embedded.sig_object.get("/SubFilter")
    if subfilter is None or str(subfilter) not in SUPPORTED_SUBFILTERS or embedded.sig_object_type != "/Sig":
        return False
    certs = [choice.chosen for choice in embedded.signed_data["certificates"] if choice.name == "certificate"]
    oids = [oid for cert in certs for oid in _key_oids(cert)]
    oids += _signer_oids(embedded.signer_info)
    if any(oid.startswith(GM_ARC) for oid in oids):
        return False
    try:
        get_pyca_cryptography_hash(embedded.md_algorithm)
        get_pyca_cryptography_hash(embedded.external_md_algorithm)
    except Exception:
        return False
    mechanism = embedded.signer_info["signature_algorithm"]["algorithm"]
    keys = {cert.public_key.algorithm for cert in certs}
    return mechanism.native != mechanism.dotted and bool(certs) and keys <= SUPPORTED_KEYS


def _signer_oids(signer_info: cms.SignerInfo) -> list[str]:
    return [
        signer_info["digest_algorithm"]["algorithm"].dotted,
        signer_info["signature_algorithm"]["algorithm"].dotted,
    ]


def _key_oids(cert: x509.Certificate) -> list[str]:
    """The OIDs of a certificate's key algorithm, its curve (an SM2 key is an EC key on the SM2 curve) and
    the algorithm its issuer signed it with."""
    key = cert["tbs_certificate"]["subject_public_key_info"]["algorithm"]
    oids = [key["algorithm"].dotted, cert["signature_algorithm"]["algorithm"].dotted]
    if key["algorithm"].native == "ec" and key["parameters"].name == "named":
        oids.append(key["parameters"].chosen.dotted)
    return oids


# --- a signature pyHanko checks -----------------------------------------------------------------------------


def _verified(
    data: bytes,
    embedded: EmbeddedPdfSignature,
    rubric: Rubric,
    typed_organization: str,
    trust_roots: tuple[bytes, ...],
    notes: tuple[str, ...],
    strict: bool,
) -> ESeal:
    from pyhanko.sign.validation import SignatureCoverageLevel
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        status = _validate(embedded, trust_roots)
    except SignatureValidationError:
        if strict:  # e.g. a hybrid-reference file, which only the lenient reader validates
            raise
        return _broken(embedded, notes)
    cert = status.signing_cert
    signer, organization = _subject(cert)
    when = _signing_time(status)
    found: list[str] = []
    if not status.intact:
        found.append(ALTERED)
    elif not status.valid:
        found.append(BAD_SIGNATURE)
    coverage = status.coverage
    whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
    if coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION):
        found.append(BAD_COVERAGE)
    changes: list[str] = []
    if status.intact and not whole:
        changes = _changes(data, _signed_end(embedded.byte_range), rubric, status.diff_result)
    validity = _validity_notes(cert, when)
    trusted: bool | None = None
    if trust_roots:
        trusted = bool(status.trusted)
        if not trusted and status.intact and status.valid:
            reason = _untrusted(status)
            expired_then = any(note.startswith(PROBLEM_NOTES) for note in validity)
            if not (expired_then and reason == EXPIRED_CHAIN):  # the validity problem says it better
                found.append(reason)
    else:
        found.append(NOT_CHECKED)
        if status.intact and status.valid and "CRYPTO" in str(getattr(status.trust_problem_indic, "name", "")):
            found.append(WEAK_ALGORITHM)  # found without any root: the algorithm check comes first
    found += validity
    found += _organization_notes(signer, organization, typed_organization)
    return ESeal(
        "signed",
        signer=signer,
        organization=organization,
        signed_at=_time_text(when),
        intact=bool(status.intact),
        whole_file=whole,
        trusted=trusted,
        changes=tuple(changes),
        notes=(*_unique(found), *notes),
    )


def _validate(embedded: EmbeddedPdfSignature, trust_roots: tuple[bytes, ...]) -> PdfSignatureStatus:
    """pyHanko's validation, offline: the given roots only (none: nothing can be trusted), no fetching."""
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(_roots(trust_roots)), allow_fetching=False)
    coroutine = async_validate_pdf_signature(embedded, context, diff_policy=seal_diff_policy())
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:  # called from async code: run pyHanko's loop beside it
        return pool.submit(asyncio.run, coroutine).result()


@lru_cache(maxsize=8)
def _roots(trust_roots: tuple[bytes, ...]) -> tuple[x509.Certificate, ...]:
    """The root certificates, parsed once per set (DER or PEM; what cannot be parsed is skipped)."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    parsed = []
    for blob in trust_roots:
        try:
            ders = [der for _, _, der in pem.unarmor(blob, multiple=True)] if pem.detect(blob) else [blob]
            for der in ders:
                cert = asn1_x509.Certificate.load(der)
                _ = cert.subject.native
                parsed.append(cert)
        except Exception:
            continue
    return tuple(parsed)


@lru_cache(maxsize=1)
def seal_diff_policy() -> DiffPolicy:
    """pyHanko's default difference policy, but appearance streams count only when replaced by new objects.

    pyHanko's in-place check reports every field whose appearance stream was
    written before the signed revision as changed, which with a field lock
    fails every later revision (even one only adding an annotation); an
    appearance stream rewritten in place is then an unexplained change (OTHER).
    """
    from pyhanko.sign.diff_analysis import (
        DEFAULT_DIFF_POLICY,
        FormUpdatingRule,
        GenericFieldModificationRule,
        SigFieldCreationRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
    )

    return StandardDiffPolicy(
        global_rules=DEFAULT_DIFF_POLICY.global_rules,
        form_rule=FormUpdatingRule(
            field_rules=[
                SigFieldCreationRule(),
                SigFieldModificationRule(allow_in_place_appearance_stream_changes=False),
                GenericFieldModificationRule(allow_in_place_appearance_stream_changes=False),
            ]
        ),
    )


def _broken(embedded: EmbeddedPdfSignature, notes: tuple[str, ...]) -> ESeal:
    """A signature whose CMS pyHanko rejects (a structural error): present, but not valid."""
    try:
        signer, organization = _subject(embedded.signer_cert)
    except Exception:
        signer = organization = ""
    return ESeal("signed", signer=signer, organization=organization, notes=(UNREADABLE, *notes))


def _untrusted(status: PdfSignatureStatus) -> str:
    """Why the chain to the given roots failed, as a problem."""
    indication = str(getattr(status.trust_problem_indic, "name", ""))
    if "REVOKED" in indication:
        return "签章证书已被吊销"
    if "OUT_OF_BOUNDS" in indication or "EXPIRED" in indication:
        return EXPIRED_CHAIN
    if "NO_CERTIFICATE_CHAIN" in indication:
        return "签章证书不受信任：证书不是由指定的根证书签发的"
    if "CRYPTO" in indication:
        return WEAK_ALGORITHM
    if "CHAIN_CONSTRAINTS" in indication:
        return "签章证书不受信任：证书用途或证书链不符合要求"
    return "签章证书不受信任：无法验证证书链"


# --- a signature pyHanko cannot check ------------------------------------------------------------------------


def _unverifiable(
    data: bytes,
    reader: PdfFileReader,
    embedded: EmbeddedPdfSignature | None,
    value: Any,
    rubric: Rubric,
    typed_organization: str,
    notes: tuple[str, ...],
) -> ESeal:
    """An SM2/SM3 seal or another algorithm pyHanko lacks: present, signer read if possible, coverage checked.

    ``value`` is the seal field's /V as written (a reference to the signature dictionary, usually).
    """
    signature = value.get_object()
    contents = _contents(signature)
    cert = _signer_certificate(embedded, contents)
    signer, organization = _subject(cert) if cert is not None else ("", "")
    if embedded is None and cert is None and not _looks_like_signature(contents):
        return ESeal("signed", notes=(UNREADABLE, *notes))
    when = _claimed_time(embedded, signature, reader)
    found = [GM_SEAL if _is_gm(embedded, cert, contents) else UNKNOWN_ALGORITHM]
    whole, changes, coverage_notes = _coverage_only(data, reader, embedded, value, rubric)
    found += coverage_notes
    if cert is not None:
        found += _validity_notes(cert, when)
    found += _organization_notes(signer, organization, typed_organization) if signer or organization else []
    return ESeal(
        "unverifiable",
        signer=signer,
        organization=organization,
        signed_at=_time_text(when),
        whole_file=whole,
        changes=tuple(changes),
        notes=(*_unique(found), *notes),
    )


def _contents(signature: Any) -> bytes:
    try:
        raw = signature.get("/Contents")
        return bytes(getattr(raw, "original_bytes", raw) or b"")
    except Exception:
        return b""


def _looks_like_signature(contents: bytes) -> bool:
    """DER data of some length (a SEQUENCE), not padding or text."""
    return len(contents.rstrip(b"\x00")) > 64 and contents[:1] == b"\x30"


def _is_gm(embedded: EmbeddedPdfSignature | None, cert: x509.Certificate | None, contents: bytes) -> bool:
    """Whether the seal uses the Chinese algorithms (any OID of the GM arc in the CMS or the certificate)."""
    if embedded is not None:
        try:
            oids = _signer_oids(embedded.signer_info) + (_key_oids(cert) if cert is not None else [])
            return any(oid.startswith(GM_ARC) for oid in oids)
        except Exception:
            pass
    return bytes.fromhex("2a811ccf55") in contents  # 1.2.156.10197 in DER: an OID of the arc anywhere in it


def _signer_certificate(embedded: EmbeddedPdfSignature | None, contents: bytes) -> x509.Certificate | None:
    """The signer's certificate: the CMS's own when pyHanko could parse it, else found anywhere in the data."""
    if embedded is not None:
        try:
            cert = embedded.signer_cert
            _ = cert.subject.native
            return cert
        except Exception:
            pass
    certs = list(_certificates_in(contents))
    end_entity = [c for c in certs if not c.ca]
    found = end_entity or certs
    return found[0] if found else None


def _certificates_in(der: bytes) -> Iterator[x509.Certificate]:
    """Every X.509 certificate nested anywhere in DER data (a GB/T 38540 seal, a GM/T 0010 SignedData, …).

    A small TLV walk: constructed values are entered, and OCTET STRINGs too
    (seals wrap certificates in them); each SEQUENCE that parses as a
    certificate is yielded.  Bounded in depth and in the number of tries.
    """
    from asn1crypto import x509 as asn1_x509

    tries = 0
    first = _tlv(der, 0, len(der))
    stack = [(0, first[2], 0)] if first is not None else []  # the padding after the value is not searched
    while stack:
        start, end, depth = stack.pop()
        position = start
        while position < end and tries < MAX_CERT_SEARCH:
            header = _tlv(der, position, end)
            if header is None:
                break
            tag, content_start, content_end = header
            if tag == 0 and content_start == content_end:  # end-of-contents or zero padding
                break
            tries += 1
            if tag == 0x30 and depth < 12:
                try:
                    cert = asn1_x509.Certificate.load(der[position:content_end])
                    _ = cert.subject.native, cert["tbs_certificate"]["subject_public_key_info"]["algorithm"].native
                    yield cert
                    position = content_end
                    continue
                except Exception:
                    pass
            if (tag & 0x20 or tag == 0x04) and depth < 12:
                stack.append((content_start, content_end, depth + 1))
            position = content_end


def _tlv(der: bytes, position: int, end: int) -> tuple[int, int, int] | None:
    """(tag, content start, content end) of the DER value at ``position``; None when it does not fit."""
    if position + 2 > end:
        return None
    tag = der[position]
    if tag & 0x1F == 0x1F:
        return None
    length = der[position + 1]
    at = position + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > end:
            return None
        length = int.from_bytes(der[at : at + count], "big")
        at += count
    if at + length > end:
        return None
    return tag, at, at + length


def _claimed_time(embedded: EmbeddedPdfSignature | None, signature: Any, reader: PdfFileReader) -> datetime | None:
    """The signing time the signer claims: the CMS signing-time attribute, else the signature's /M."""
    if embedded is not None:
        try:
            return embedded.self_reported_timestamp
        except Exception:
            pass
    try:
        from pyhanko.pdf_utils.generic import parse_pdf_date

        return parse_pdf_date(signature["/M"], strict=False)
    except Exception:
        return None


def _coverage_only(
    data: bytes, reader: PdfFileReader, embedded: EmbeddedPdfSignature | None, value: Any, rubric: Rubric
) -> tuple[bool | None, list[str], list[str]]:
    """Whole-file coverage, what changed after signing, coverage notes — without the cryptography.

    pyHanko's coverage check when it could parse the CMS; otherwise the /ByteRange
    is checked here (one contiguous gap, exactly the /Contents string).  The
    difference analysis runs from the revision that wrote the signature.
    """
    from pyhanko.sign.validation import SignatureCoverageLevel

    signature = value.get_object()
    try:
        if embedded is not None:
            coverage = embedded.evaluate_signature_coverage()
            whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
            contiguous = coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
            signed_end = _signed_end(embedded.byte_range)
        else:
            signed_end = _raw_signed_end(data, signature)
            contiguous = signed_end is not None
            whole = contiguous and not data[signed_end:].strip()
    except Exception:
        return None, [], [BAD_COVERAGE]
    if not contiguous or signed_end is None:
        return False, [], [BAD_COVERAGE]
    if whole:
        return True, [], []
    try:
        revision = reader.xrefs.get_last_change(value.reference)
        diff = seal_diff_policy().review_file(reader, revision)
    except Exception:
        diff = None
    return False, _changes(data, signed_end, rubric, diff), []


def _raw_signed_end(data: bytes, signature: Any) -> int | None:
    """Where the signed bytes end, if the /ByteRange is the usual one: from the start, one gap for /Contents."""
    byte_range = _signed_range(signature.get("/ByteRange"))
    if byte_range is None:
        return None
    start, length, gap_end, tail = byte_range
    if start != 0 or gap_end + tail > len(data) or data[length : length + 1] != b"<":
        return None
    if data[gap_end - 1 : gap_end] != b">" or b">" in data[length + 1 : gap_end - 1]:
        return None
    return gap_end + tail


def _signed_range(value: Any) -> tuple[int, int, int, int] | None:
    try:
        numbers = [int(v) for v in value]
    except Exception:
        return None
    if len(numbers) != 4 or min(numbers) < 0:
        return None
    return numbers[0], numbers[1], numbers[2], numbers[3]


# --- what changed after signing ------------------------------------------------------------------------------


def _changes(data: bytes, signed_end: int | None, rubric: Rubric, diff_result: Any) -> list[str]:
    """What changed between the signed revision (``data[:signed_end]``) and the file as it is, in Chinese.

    Field values and annotations are compared here.  pyHanko's difference
    analysis (``diff_result``) adds the fields whose appearance changed while
    their value did not (what a viewer shows and prints is then not what the
    tabulation reads), and says whether anything else changed.
    """
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel

    if signed_end is None:
        return [OTHER_CHANGES]
    try:
        before, after = _snapshot(data[:signed_end]), _snapshot(data)
    except Exception:
        return [OTHER_CHANGES]
    changes = _field_changes(rubric, before.values, after.values)
    valued = {
        name
        for name, value in after.values.items()
        if name not in before.values or before.values[name].strip() != value.strip()
    }  # added fields are changes of their own, not appearance changes
    if isinstance(diff_result, DiffResult):
        touched = set(diff_result.changed_form_fields)
    else:
        locked = LOCKED_FIELD.search(str(diff_result or ""))
        touched = {locked[1]} if locked else set()
    changes += _appearance_changes(rubric, touched - valued)
    changes += _annotation_changes(before.annotations, after.annotations)
    if len(before.annotations) != len(after.annotations):
        changes.append(f"页数由 {len(before.annotations)} 页变为 {len(after.annotations)} 页")
    if isinstance(diff_result, DiffResult):
        unexplained = diff_result.modification_level > ModificationLevel.FORM_FILLING
    else:
        unexplained = diff_result is not None  # a SuspiciousModification
    if unexplained and not changes:
        changes.append(OTHER_CHANGES)
    return changes


def _appearance_changes(rubric: Rubric, names: set[str]) -> list[str]:
    """Fields pyHanko saw changed whose value is the same: their appearance (what is shown) was replaced."""
    by_name = {f.name: f for f in form_fields(rubric) if f.kind != "seal"}
    shown = [field_display(by_name[name]) for name in by_name if name in names]
    shown += [f"表单字段“{name}”" for name in sorted(names) if name not in by_name and "." not in name][:5]
    return [f"{name}（显示的内容被改动，填写的值未变）" for name in shown]


def _signed_end(byte_range: Any) -> int | None:
    """Where the signed revision ends: the end of the byte range's second part."""
    numbers = _signed_range(byte_range)
    return numbers[2] + numbers[3] if numbers is not None else None


class _Snapshot:
    """A revision's field values (by the tabulation's reading) and its annotations page by page."""

    __slots__ = ("annotations", "values")

    def __init__(self, values: dict[str, str], annotations: list[list[tuple[int, str]]]) -> None:
        self.values = values
        self.annotations = annotations


def _snapshot(data: bytes) -> _Snapshot:
    """Read one revision with the tabulation's reader (pypdf, its limits; strict, else with repairs)."""
    from pypdf.errors import PdfReadError

    from generator.readers.pdf.dict_scan import entries
    from generator.readers.pdf.document import field_values, guarded_read, open_pdf

    with guarded_read():
        try:
            reader = open_pdf(data, strict=True)
            values = field_values(reader, data)
        except (PdfReadError, AssertionError):
            reader = open_pdf(data, strict=False)
            values = field_values(reader, data)
        annotations = []
        for page in reader.pages[:MAX_PAGES]:
            annots = page.get("/Annots")
            annots = annots.get_object() if annots is not None else []
            found: list[tuple[int, str]] = []
            for ref in list(annots)[:MAX_TREE]:
                subtype = str(entries(reader, data, ref, ("/Subtype",)).get("/Subtype", ""))
                if subtype not in IGNORED_ANNOTATIONS:
                    found.append((getattr(ref, "idnum", -1 - len(found)), subtype))
            annotations.append(found)
    return _Snapshot(values, annotations)


def _field_changes(rubric: Rubric, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Each of the form's fields whose value changed, in the form's order; fields added or removed."""
    changes = []
    known = {f.name for f in form_fields(rubric)}
    for field in form_fields(rubric):
        if field.kind == "seal":
            continue
        old, new = before.get(field.name, "").strip(), after.get(field.name, "").strip()
        if old != new:
            changes.append(f"{field_display(field)}（签章时为{_shown(old)}，现为{_shown(new)}）")
    added = [name for name in after if name not in before and name not in known]
    removed = [name for name in before if name not in after]
    changes += [f"新增表单字段“{name}”" for name in added[:5]]
    changes += [f"删除表单字段“{name}”" for name in removed[:5]]
    return changes


def _shown(value: str) -> str:
    return f"“{_clip(value)}”" if value else EMPTY


def _clip(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _annotation_changes(before: list[list[tuple[int, str]]], after: list[list[tuple[int, str]]]) -> list[str]:
    changes = []
    for number, (old, new) in enumerate(zip(before, after, strict=False), start=1):
        old_keys = {key for key, _ in old}
        new_keys = {key for key, _ in new}
        added = sorted({ANNOTATION_KINDS.get(kind, "批注") for key, kind in new if key not in old_keys})
        changes += [f"第 {number} 页新增{kind}" for kind in added]
        if old_keys - new_keys:
            changes.append(f"第 {number} 页删除了批注")
    return changes


def field_display(field: FormField) -> str:
    """How problems name a field: a score by its sub-item (评分“…”), any other by its label."""
    if field.kind == "score" and field.subitem is not None:
        return f"评分“{field.subitem.name}”"
    return field.label


# --- the certificate, the time, the organisation -----------------------------------------------------------------


def _subject(cert: x509.Certificate) -> tuple[str, str]:
    """The certificate subject's CN and O (several values joined), '' when absent."""
    subject = cert.subject.native
    return _name_part(subject.get("common_name")), _name_part(subject.get("organization_name"))


def _name_part(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _signing_time(status: PdfSignatureStatus) -> datetime | None:
    """A timestamp token's time when there is a valid one, else the time the signer claims."""
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid:
        return stamp.timestamp
    return status.signer_reported_dt


def _time_text(when: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Beijing time (the forms' offices are in China)."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _validity_notes(cert: x509.Certificate, when: datetime | None) -> list[str]:
    """The certificate's validity against the signing time (a problem) and now (a note)."""
    try:
        not_before, not_after = cert.not_valid_before, cert.not_valid_after
    except Exception:
        return []
    at = when or datetime.now(UTC)
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    until = _time_text(not_after)[:10]
    if at > not_after:
        return [f"签章证书在签章时已过期（有效期至 {until}）"]
    if at < not_before:
        return [f"签章证书在签章时尚未生效（自 {_time_text(not_before)[:10]} 起有效）"]
    if datetime.now(UTC) > not_after:
        return [f"证书现已过期（有效期至 {until}），签章时有效"]
    return []


def _organization_notes(signer: str, organization: str, typed: str) -> list[str]:
    """Whether the seal's organisation (O, else CN) is the one typed on the seal line."""
    if not typed.strip():
        return [NO_ORGANIZATION]
    if same_organization(typed, organization) or same_organization(typed, signer):
        return []
    shown = organization or signer or "（证书中无单位名称）"
    return [f"签章单位与表上所填组织名称不一致：签章单位为“{shown}”，表上为“{_clip(typed.strip(), 40)}”"]


def same_organization(typed: str, certified: str) -> bool:
    """Whether two organisation names are the same, ignoring spaces, full-width forms and a seal word (电子印章)."""
    a, b = _normal(typed), _normal(certified)
    if not a or not b:
        return False
    return a == b or SEAL_SUFFIX.sub("", a) == SEAL_SUFFIX.sub("", b)


def _normal(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- problems ----------------------------------------------------------------------------------------------------


def e_seal_problems(e_seal: ESeal, rubric: Rubric) -> list[str]:
    """The form's problems from its seal, each one Chinese sentence; an unsigned seal has none.

    A score, the total or a header value changed after signing comes first
    (``签章后评分被修改：…``), then other changes, a signature that does not
    hold, then the problem notes (certificate, organisation).  A seal this
    tool cannot check (国密) is not a problem by itself.
    """
    if e_seal.state == "unsigned":
        return []
    locked = [field_display(f) for f in locked_fields(rubric)]
    scored: list[str] = []
    other: list[str] = []
    for change in e_seal.changes:
        (scored if any(change.startswith(name + "（") for name in locked) else other).append(change)
    problems = []
    if scored:
        problems.append(LOCKED_CHANGES + "、".join(scored) + "。")
    if other:
        problems.append(OTHER_CHANGES_PROBLEM + "、".join(other) + "。")
    if e_seal.intact is False and ALTERED not in e_seal.notes:
        problems.append(ALTERED + "。")
    problems += [_sentence(note) for note in e_seal.notes if note.startswith(PROBLEM_NOTES)]
    return problems


def _sentence(note: str) -> str:
    return note if note.endswith(("。", "！", "？")) else note + "。"
