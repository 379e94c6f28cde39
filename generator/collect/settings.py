"""How to reach the office's IMAP mailbox, and where its password comes from (only ever an environment variable).

Kept apart from :mod:`generator.collect.imap` so that the command line can
name the defaults without loading the mail libraries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator.errors import UserError

Security = Literal["ssl", "starttls", "none"]
SECURITY_CHOICES: tuple[Security, ...] = ("ssl", "starttls", "none")
DEFAULT_PORTS: dict[str, int] = {"ssl": 993, "starttls": 143, "none": 143}
DEFAULT_PASSWORD_ENV = "RUBRIC_FORMS_IMAP_PASSWORD"
DEFAULT_FOLDER = "INBOX"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """One mailbox folder on an IMAP server.

    ``port`` 0 means the usual port of ``security`` (993 for ssl, 143 otherwise);
    ``ca_file`` names extra certificates to trust (a self-signed office server).
    """

    host: str
    user: str
    port: int = 0
    security: Security = "ssl"
    password_env: str = DEFAULT_PASSWORD_ENV
    folder: str = DEFAULT_FOLDER
    timeout: float = 60.0
    ca_file: Path | None = None

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def where(self) -> str:
        """``host:port`` as the user would write it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.effective_port}"

    def password(self) -> str:
        """The password from the environment; a Chinese error when the variable is not set."""
        if not self.user:
            raise UserError("需要 IMAP 登录用户名：请用 --imap-user 指定")
        password = os.environ.get(self.password_env, "")
        if not password:
            raise UserError(f"需要 IMAP 密码：请先设置环境变量 {self.password_env}（密码不能写在命令行或配置文件中）")
        if self.security == "none" and self.host.lower() not in LOOPBACK_HOSTS:
            raise UserError("拒绝在未加密的连接上发送密码：请使用 --security ssl 或 starttls")
        return password
