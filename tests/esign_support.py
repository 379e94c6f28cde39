"""Test helpers for electronic seals: a test certificate authority, signing with pyHanko, and tampering.

The authority is made with ``cryptography`` for the test session: a root, an
intermediate and signer certificates whose subject carries the organisation
(O) and the seal's name (CN) — an organisation's seal, one of another
organisation, an expired one.  :func:`sign_form` signs the existing
``<rubric>-seal`` field of a filled form with pyHanko, as an incremental update
(a red seal drawn by reportlab as its appearance); the other helpers change a
signed form the way a user or a forger would.
"""

from __future__ import annotations

import io
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    import pymupdf
    from pyhanko.sign.signers import SimpleSigner

SM2_SIGNATURE = "1.2.156.10197.1.501"
"""SM2 signature with SM3 (GB/T 33560): what Chinese e-seals use and pyHanko cannot verify."""
SM3_DIGEST = "1.2.156.10197.1.401"
UNKNOWN_ALGORITHM = "1.3.6.1.4.1.55555.1.2"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Credential:
    """A certificate, its private key and the certificates above it (nearest first, the root last)."""

    cert: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, organization: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _new_key(kind: str) -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)


def issue(
    subject: x509.Name,
    issuer: Credential | None,
    *,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
    key_kind: str = "rsa",
) -> Credential:
    """A certificate for a new key, signed by ``issuer`` (self-signed when ``None``)."""
    key = _new_key(key_kind)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        issuer_ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False
        )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    builder = builder.add_extension(usage, critical=True)
    cert = builder.sign(signing_key, hashes.SHA256())
    chain = (issuer.cert, *issuer.chain) if issuer else ()
    return Credential(cert, key, chain)


@dataclass(frozen=True)
class SealPki:
    """The session's certificate authority and the seals it issued."""

    root: Credential
    intermediate: Credential
    seal: Credential
    """The seal of the organisation the filled forms name (``tests.read_fillers.ORGANIZATION``)."""
    other_org: Credential
    """A valid seal of another organisation."""
    expired: Credential
    """The organisation's seal, expired a year ago."""
    other_root: Credential
    """A root that issued none of these."""

    def root_ders(self) -> tuple[bytes, ...]:
        return (self.root.der,)


@cache
def make_pki(organization: str = "中国移动通信集团北京有限公司") -> SealPki:
    """A root, an intermediate and the signer certificates (cached: RSA keys take a while to make)."""
    now = datetime.now(UTC).replace(microsecond=0)
    year = timedelta(days=365)
    root = issue(
        _name("电子印章测试根证书", "电子印章测试认证中心"),
        None,
        ca=True,
        not_before=now - 5 * year,
        not_after=now + 20 * year,
    )
    intermediate = issue(
        _name("电子印章测试中级证书", "电子印章测试认证中心"),
        root,
        ca=True,
        not_before=now - 4 * year,
        not_after=now + 10 * year,
    )
    seal = issue(
        _name(f"{organization}电子印章", organization),
        intermediate,
        ca=False,
        not_before=now - year,
        not_after=now + 2 * year,
    )
    other = issue(
        _name("联通北京分公司电子印章", "中国联合网络通信有限公司北京市分公司"),
        intermediate,
        ca=False,
        not_before=now - year,
        not_after=now + 2 * year,
        key_kind="ec",
    )
    expired = issue(
        _name(f"{organization}电子印章", organization),
        intermediate,
        ca=False,
        not_before=now - 3 * year,
        not_after=now - year,
    )
    other_root = issue(
        _name("另一测试根证书", "另一认证中心"), None, ca=True, not_before=now - year, not_after=now + year
    )
    return SealPki(root, intermediate, seal, other, expired, other_root)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(credential: Credential) -> SimpleSigner:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_der = credential.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(credential.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in credential.chain]),
    )


@cache
def seal_image(folder: Path, text: str) -> Path:
    """A round red seal drawn by reportlab (a one-page PDF): the signature's appearance in the seal box."""
    from reportlab.lib.colors import Color
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = folder / "seal-appearance.pdf"
    size = 120.0
    canvas = Canvas(str(path), pagesize=(size, size), invariant=True)
    red = Color(0.85, 0.1, 0.1)
    canvas.setStrokeColor(red)
    canvas.setFillColor(red)
    canvas.setLineWidth(4)
    canvas.circle(size / 2, size / 2, size / 2 - 4)
    star = [(size / 2, size / 2 + 18), (size / 2 + 6, size / 2 + 3), (size / 2 + 19, size / 2 + 3)]
    star += [(size / 2 + 9, size / 2 - 6), (size / 2 + 12, size / 2 - 20), (size / 2, size / 2 - 11)]
    star += [(size / 2 - 12, size / 2 - 20), (size / 2 - 9, size / 2 - 6), (size / 2 - 19, size / 2 + 3)]
    star += [(size / 2 - 6, size / 2 + 3)]
    outline = canvas.beginPath()
    outline.moveTo(*star[0])
    for point in star[1:]:
        outline.lineTo(*point)
    outline.close()
    canvas.drawPath(outline, stroke=0, fill=1)
    canvas.setFont("STSong-Light", 9)
    short = text[:12]
    canvas.drawCentredString(size / 2, size / 2 + 30, short[:6])
    canvas.drawCentredString(size / 2, size / 2 + 20, short[6:])
    canvas.drawCentredString(size / 2, size / 2 - 36, "电子印章")
    canvas.save()
    return path


def sign_form(
    data: bytes,
    field_name: str,
    credential: Credential,
    *,
    appearance: Path | None = None,
    reason: str = "审核盖章",
) -> bytes:
    """The form signed into its existing seal field ``field_name``, as an incremental update (pyHanko)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, md_algorithm="sha256")
    style = StaticStampStyle.from_pdf_file(str(appearance), border_width=0) if appearance else None
    pdf_signer = signers.PdfSigner(meta, _signer(credential), stamp_style=style)
    out = pdf_signer.sign_pdf(writer, existing_fields_only=True)
    return out.getvalue()


def sign_new_field(data: bytes, field_name: str, credential: Credential) -> bytes:
    """A second signature, in a new invisible field (a reviewer signing after the seal), incremental."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256")
    spec = fields.SigFieldSpec(sig_field_name=field_name)
    out = signers.PdfSigner(meta, _signer(credential), new_field_spec=spec).sign_pdf(writer)
    return out.getvalue()


# --- changes after signing ---------------------------------------------------------------------------


def _save_incrementally(data: bytes, change: Callable[[pymupdf.Document], None]) -> bytes:
    """Apply ``change`` to the document and save it incrementally, as a viewer does (PyMuPDF needs a file)."""
    import pymupdf

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.pdf"
        path.write_bytes(data)
        with pymupdf.open(path) as document:
            change(document)
            document.saveIncr()
        changed = path.read_bytes()
    assert changed.startswith(data), "an incremental update keeps the signed bytes"
    return changed


def edit_field_incrementally(data: bytes, name: str, value: str) -> bytes:
    """Change one text field's value after signing and save incrementally (PyMuPDF, as a viewer would)."""

    def change(document: pymupdf.Document) -> None:
        for page in document:
            for widget in page.widgets():
                if widget.field_name == name:
                    widget.field_value = value
                    widget.update()

    return _save_incrementally(data, change)


def set_value_incrementally(data: bytes, name: str, value: str) -> bytes:
    """Change only a field's /V after signing, in an incremental update written by pyHanko (nothing else)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            field["/V"] = generic.pdf_string(value)
            writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_appearance(data: bytes, name: str, shown: str) -> bytes:
    """Give a field a new appearance stream showing ``shown`` after signing, its value left as it was."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
            content = f"BT /Helv 12 Tf 4 4 Td ({shown}) Tj ET".encode("ascii")
            font = generic.DictionaryObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                    generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
                }
            )
            stream = generic.StreamObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                    generic.pdf_name("/BBox"): generic.ArrayObject(
                        [
                            generic.FloatObject(0),
                            generic.FloatObject(0),
                            generic.FloatObject(x1 - x0),
                            generic.FloatObject(y1 - y0),
                        ]
                    ),
                    generic.pdf_name("/Resources"): generic.DictionaryObject(
                        {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/Helv"): font})}
                    ),
                },
                stream_data=content,
            )
            field["/AP"] = generic.DictionaryObject({generic.pdf_name("/N"): writer.add_object(stream)})
            writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_comment(data: bytes, page: int = 0, text: str = "此处已核实") -> bytes:
    """Add a sticky-note annotation after signing (an incremental update, PyMuPDF)."""

    def change(document: pymupdf.Document) -> None:
        document[page].add_text_annot((72, 72), text)

    return _save_incrementally(data, change)


def signed_range(data: bytes) -> tuple[int, int, int, int]:
    """The last signature's /ByteRange."""
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    a, b, c, d = (int(v) for v in found[-1])
    return a, b, c, d


def flip_signed_byte(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace ``old`` by ``new`` (same length) at its first place inside the signed range, no new revision."""
    assert len(old) == len(new)
    _, length, _, _ = signed_range(data)
    at = data.find(old)
    assert 0 <= at < length - len(old), "the text to change must lie in the signed bytes"
    return data[:at] + new + data[at + len(old) :]


def _contents_span(data: bytes) -> tuple[int, int]:
    """Where the last signature's hex /Contents string lies (between ``<`` and ``>``, exclusive)."""
    _, length, start, _ = signed_range(data)
    assert data[length : length + 1] == b"<" and data[start - 1 : start] == b">"
    return length + 1, start - 1


def signature_cms(data: bytes) -> cms.ContentInfo:
    start, end = _contents_span(data)
    raw = bytes.fromhex(data[start:end].decode("ascii"))
    return cms.ContentInfo.load(raw)  # not strict: the zero padding after it is ignored


def replace_contents(data: bytes, der: bytes) -> bytes:
    """Put other CMS bytes into the signature's /Contents, padded to the same length (the byte range stays)."""
    start, end = _contents_span(data)
    hexed = der.hex().upper().encode("ascii")
    assert len(hexed) <= end - start, "the new signature must fit the space reserved"
    return data[:start] + hexed.ljust(end - start, b"0") + data[end:]


def with_algorithm(data: bytes, signature_oid: str = SM2_SIGNATURE, digest_oid: str | None = SM3_DIGEST) -> bytes:
    """The signed form with its CMS's algorithm identifiers replaced (an SM2/SM3 seal as pyHanko sees one)."""
    info = signature_cms(data)
    signed = info["content"]
    signer_info = signed["signer_infos"][0]
    signer_info["signature_algorithm"] = cms.SignedDigestAlgorithm({"algorithm": signature_oid})
    if digest_oid is not None:
        signer_info["digest_algorithm"] = cms.DigestAlgorithm({"algorithm": digest_oid})
        signed["digest_algorithms"] = cms.DigestAlgorithms([cms.DigestAlgorithm({"algorithm": digest_oid})])
    rebuilt = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    return replace_contents(data, rebuilt.dump(force=True))


def sm2_certificate(cn: str, organization: str, *, days_valid: int = 730) -> asn1_x509.Certificate:
    """A certificate with an SM2 key, signed with SM2/SM3 (random key and signature bytes: nobody checks them here)."""
    now = datetime.now(UTC).replace(microsecond=0)
    name = asn1_x509.Name.build({"country_name": "CN", "organization_name": organization, "common_name": cn})
    key = asn1_keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1_keys.ECDomainParameters(name="named", value="1.2.156.10197.1.301"),
            },
            "public_key": b"\x04" + secrets.token_bytes(64),
        }
    )
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(63),
            "signature": {"algorithm": SM2_SIGNATURE},
            "issuer": asn1_x509.Name.build({"country_name": "CN", "common_name": "国密测试根证书"}),
            "validity": {
                "not_before": asn1_x509.Time(name="utc_time", value=now - timedelta(days=1)),
                "not_after": asn1_x509.Time(name="utc_time", value=now + timedelta(days=days_valid)),
            },
            "subject": name,
            "subject_public_key_info": key,
        }
    )
    algorithm = {"algorithm": SM2_SIGNATURE}
    signature = secrets.token_bytes(72)
    return asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": algorithm, "signature_value": signature}
    )


def sm2_cms(cert: asn1_x509.Certificate, *, gm_content_types: bool = False) -> bytes:
    """A detached CMS SignedData as an SM2/SM3 e-seal makes one (GM/T 0010 content types if asked)."""
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time(name="utc_time", value=datetime.now(UTC))]}),
            cms.CMSAttribute({"type": "message_digest", "values": [secrets.token_bytes(32)]}),
        ]
    )
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": {"algorithm": SM3_DIGEST},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": SM2_SIGNATURE},
            "signature": secrets.token_bytes(72),
        }
    )
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": SM3_DIGEST}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert],
            "signer_infos": [signer],
        }
    )
    if gm_content_types:  # GM/T 0010: ContentInfo { 1.2.156.10197.6.1.4.2.2, [0] EXPLICIT SignedData }
        content = signed.dump()
        inner = core.ObjectIdentifier("1.2.156.10197.6.1.4.2.2").dump() + _tlv(0xA0, content)
        return _tlv(0x30, inner)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def ses_signature(cert: asn1_x509.Certificate) -> bytes:
    """A GB/T 38540-like SES_Signature: not CMS, the signer's certificate inside an OCTET STRING."""
    to_sign = _tlv(
        0x30,
        core.Integer(4).dump()
        + core.UTF8String("电子印章").dump()
        + core.GeneralizedTime(datetime.now(UTC)).dump()
        + core.OctetString(secrets.token_bytes(32)).dump(),
    )
    signature = core.ObjectIdentifier(SM2_SIGNATURE).dump() + core.OctetString(secrets.token_bytes(64)).dump()
    return _tlv(0x30, to_sign + core.OctetString(cert.dump()).dump() + signature)


def _tlv(tag: int, content: bytes) -> bytes:
    """A DER value: tag, definite length, content."""
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def garbage_contents(data: bytes, payload: bytes = b"\x30\x82\xff\xff not a signature") -> bytes:
    """Hostile data in the signature's /Contents."""
    return replace_contents(data, payload)
