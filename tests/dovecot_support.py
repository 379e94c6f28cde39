"""A real Dovecot IMAP server on loopback, with its own throwaway configuration, for the collect tests.

Dovecot (Debian package ``dovecot-imapd``) is started as ``dovecot -F -c <conf>``
and stopped with SIGTERM; nothing of the system's own configuration is used.

As root (this container, CI) Dovecot needs real unprivileged users: its
login processes refuse to run as root ("This process must not be run as
root") and so do mail processes ("Mail access not allowed for root").  So
the internal user is ``dovecot``, the login user ``dovenull`` (both made by
the package), and mail is stored as ``nobody`` — in a folder of its own under
the system's temporary folder, because pytest's ``tmp_path`` lies inside a
folder only root may enter.  As any other user everything runs as that user
and lives in ``tmp_path``.  Messages are put in with IMAP APPEND.

A test module imports the fixtures ``dovecot_fixture`` and ``dovecot_ssl_fixture``
and asks for them as ``dovecot`` and ``dovecot_ssl``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.collect.settings import ImapSettings, Security
from generator.collect.utf7 import encode_folder, quoted

if TYPE_CHECKING:
    import pwd

HOST = "127.0.0.1"
USER = "office@example.com"
PASSWORD = "s3cret-pw"
PASSWORD_ENV = "RUBRIC_FORMS_TEST_IMAP_PASSWORD"
CHINESE_USER = "人事处@example.com"
CHINESE_PASSWORD = "口令 回收-2025"
"""A second user whose name and password LOGIN cannot carry (AUTHENTICATE PLAIN in UTF-8 can)."""
START_TIMEOUT_S = 15.0


def dovecot_binary() -> str | None:
    """The dovecot program (``/usr/sbin`` is not on every user's PATH)."""
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _user(*names: str) -> pwd.struct_passwd:
    import pwd

    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise LookupError(f"none of the users {names} exists")


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate it signed for 127.0.0.1/localhost: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rubric-forms 测试 CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@dataclass
class Dovecot:
    """A running Dovecot: ``port`` speaks plain IMAP (STARTTLS too when ``ssl``), ``ssl_port`` IMAPS."""

    config_dir: Path
    ssl: bool = False
    port: int = field(default_factory=free_port)
    ssl_port: int = 0
    ca_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _work: Path | None = None

    @property
    def log(self) -> Path:
        return self.config_dir / "dovecot.log"

    def _write_config(self) -> Path:
        import pwd

        self.config_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            internal, login, mail = _user("dovecot"), _user("dovenull", "nobody"), _user("nobody")
            work = Path(tempfile.mkdtemp(prefix="rubric-forms-dovecot-"))
            work.chmod(0o755)
            (work / "mail").mkdir()
            os.chown(work / "mail", mail.pw_uid, mail.pw_gid)
        else:
            internal = login = mail = pwd.getpwuid(os.getuid())
            work = self.config_dir / "work"
            (work / "mail").mkdir(parents=True)
        self._work = work
        passwd = work / "passwd"
        passwd.write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}::::\n{CHINESE_USER}:{{PLAIN}}{CHINESE_PASSWORD}::::\n", encoding="utf-8"
        )
        passwd.chmod(0o644)
        ssl_lines = "ssl = no\n"
        if self.ssl:
            ca, cert, key = make_certificate(self.config_dir)
            self.ca_file, self.ssl_port = ca, self.ssl_port or free_port()
            ssl_lines = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"
        config = f"""# rubric-forms test server: nothing here is the system's configuration
base_dir = {work}/run
state_dir = {work}/state
log_path = {self.log}
protocols = imap
listen = {HOST}
{ssl_lines}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_chars =
default_internal_user = {internal.pw_name}
default_internal_group = {_group(internal)}
default_login_user = {login.pw_name}
mail_uid = {mail.pw_uid}
mail_gid = {mail.pw_gid}
first_valid_uid = {min(mail.pw_uid, 500)}
first_valid_gid = {min(mail.pw_gid, 500)}
mail_location = maildir:{work}/mail/%n
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = home={work}/mail/%n
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.ssl_port}
  }}
}}
"""
        if os.geteuid() != 0:
            config += "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
        path = self.config_dir / "dovecot.conf"
        path.write_text(config, encoding="utf-8")
        return path

    def start(self) -> None:
        """Start (or restart) the server and wait until it greets."""
        conf = self.config_dir / "dovecot.conf"
        if not conf.exists():
            conf = self._write_config()
        binary = dovecot_binary()
        assert binary
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"dovecot exited at start: {error}\n{self._log_text()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not greet within {START_TIMEOUT_S} s\n{self._log_text()}")

    def stop(self) -> None:
        """Stop the server and wait for it: SIGTERM to the master, SIGKILL to any process it leaves behind.

        The master does not wait for a session in progress (an imap process
        goes on serving its client after the master is gone): those are
        killed, so a client sees its connection drop, as when a server crashes.
        """
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for pid in _descendants(process.pid, "imap"):  # first, so that the master reaps them
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()

    def remove(self) -> None:
        self.stop()
        if self._work is not None and os.geteuid() == 0:
            shutil.rmtree(self._work, ignore_errors=True)

    def _log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    # --- as a mail client would put messages there ---

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(HOST, self.port, timeout=30)
        imap.login(USER, PASSWORD)
        return imap

    def create(self, folder: str) -> None:
        with contextlib.closing(self.client()) as imap:
            status, data = imap.create(quoted(encode_folder(folder)))
            assert status == "OK", data
            imap.logout()

    def append(
        self, folder: str, messages: list[bytes], when: dt.datetime | None = None, flags: str | None = None
    ) -> None:
        """APPEND the messages to ``folder`` (created when missing), with an arrival time and flags."""
        imap = self.client()
        try:
            name = quoted(encode_folder(folder))
            if folder.upper() != "INBOX":
                imap.create(name)  # "already exists" is fine
            for raw in messages:
                status, data = imap.append(name, flags, when or dt.datetime.now().astimezone(), raw)
                assert status == "OK", data
        finally:
            imap.logout()

    def flags(self, folder: str) -> dict[int, set[str]]:
        """Each message's flags (read with EXAMINE, which changes nothing), \\Recent left out."""
        imap = self.client()
        try:
            status, data = imap.select(quoted(encode_folder(folder)), readonly=True)
            assert status == "OK", data
            status, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            found: dict[int, set[str]] = {}
            for item in data:
                if isinstance(item, bytes):
                    uid = re.search(rb"UID (\d+)", item)
                    flags = re.search(rb"FLAGS \(([^)]*)\)", item)
                    if uid and flags:
                        found[int(uid.group(1))] = set(flags.group(1).decode().split()) - {"\\Recent"}
            return found
        finally:
            imap.logout()

    def settings(self, folder: str = "INBOX", security: Security = "none", ca_file: Path | None = None) -> ImapSettings:
        """Settings for ``collect_mailbox`` (plain IMAP unless ``security`` says otherwise)."""
        port = self.ssl_port if security == "ssl" else self.port
        return ImapSettings(HOST, USER, port, security, PASSWORD_ENV, folder, 10.0, ca_file)


def _descendants(pid: int, name: str) -> list[int]:
    """The processes called ``name`` below ``pid`` (Linux: read from /proc)."""
    processes: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                command = stat[stat.index("(") + 1 : stat.rindex(")")]
                processes[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, (its_parent, _) in processes.items() if its_parent == parent]
        found += [child for child in children if processes[child][1] == name]
        frontier += children
    return found


def _group(user: pwd.struct_passwd) -> str:
    import grp  # POSIX only, like Dovecot

    try:
        return grp.getgrgid(user.pw_gid).gr_name
    except KeyError:
        return str(user.pw_gid)


def start_dovecot(config_dir: Path, ssl: bool = False) -> Dovecot:
    server = Dovecot(config_dir, ssl=ssl)
    try:
        server.start()
    except BaseException:
        server.remove()
        raise
    return server


@pytest.fixture(name="dovecot")
def dovecot_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    """A Dovecot of this test's own (plain IMAP on a free loopback port), its password in the environment."""
    if not dovecot_binary():
        pytest.skip("需要 Dovecot（apt-get install dovecot-imapd）")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = start_dovecot(tmp_path / "dovecot 配置")
    yield server
    server.remove()


@pytest.fixture(name="dovecot_ssl")
def dovecot_ssl_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    """Like ``dovecot``, with IMAPS and STARTTLS from a certificate of a test CA (``ca_file``)."""
    if not dovecot_binary():
        pytest.skip("需要 Dovecot（apt-get install dovecot-imapd）")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    server = start_dovecot(tmp_path / "dovecot ssl", ssl=True)
    yield server
    server.remove()
