"""The certificate authorities a run trusts for electronic seals: none unless a folder of them is given.

The tool runs offline and trusts no authority by default; ``--trust-roots DIR`` names a folder of
root certificates (PEM or DER, any file name), each checked here so that a wrong file is a clear
usage error before any return is read.  Workers get the certificates' DER bytes.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import UsageError
from generator.readers.files import display_name

MAX_ROOT_BYTES = 1_000_000
MAX_ROOTS = 200


def _der_certificates(data: bytes) -> list[bytes]:
    """Every certificate in a PEM file (a bundle may hold many), or the one DER certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if b"-----BEGIN CERTIFICATE-----" in data:
        return [cert.public_bytes(Encoding.DER) for cert in x509.load_pem_x509_certificates(data)]
    return [x509.load_der_x509_certificate(data).public_bytes(Encoding.DER)]


def certificates_in(data: bytes, name: str) -> list[bytes]:
    """The root certificates (DER) of one file named ``name``; raises :class:`UsageError` when it holds none."""
    try:
        if len(data) > MAX_ROOT_BYTES:
            raise ValueError
        return _der_certificates(data)
    except ValueError as exc:
        raise UsageError(f"{name} 不是 PEM 或 DER 格式的证书，无法作为信任的根证书。") from exc


def load_trust_roots(folder: Path) -> tuple[bytes, ...]:
    """The root certificates in ``folder``; raises :class:`UsageError` naming a file that is not one."""
    if not folder.is_dir():
        raise UsageError(f"--trust-roots 须为存放根证书（PEM 或 DER 格式）的文件夹：{display_name(folder)}")
    roots: list[bytes] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            data = path.read_bytes()[: MAX_ROOT_BYTES + 1]
        except OSError as exc:
            raise UsageError(f"无法读取根证书文件 {display_name(path)}：{exc.strerror or exc}") from exc
        roots += certificates_in(data, display_name(path))
    if not roots or len(roots) > MAX_ROOTS:
        raise UsageError(f"{display_name(folder)} 中没有可用的根证书（或超过 {MAX_ROOTS} 个）。")
    return tuple(roots)
