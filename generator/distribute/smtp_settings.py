"""How to reach the SMTP server, and where its password comes from (only ever an environment variable).

Kept apart from :mod:`generator.distribute.smtp_send` so that the command
line can name the defaults without loading the mail libraries.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from generator.errors import UserError

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_PASSWORD_ENV = "RUBRIC_FORMS_SMTP_PASSWORD"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security = "starttls"
    user: str = ""
    password_env: str = DEFAULT_PASSWORD_ENV
    per_minute: float = 20.0
    timeout: float = 30.0

    def password(self) -> str:
        """The password from the environment; a Chinese error when a user is set but the variable is not."""
        if not self.user:
            return ""
        password = os.environ.get(self.password_env, "")
        if not password:
            raise UserError(f"需要 SMTP 密码：请先设置环境变量 {self.password_env}（密码不能写在命令行或配置文件中）")
        if self.security == "none" and self.host not in LOOPBACK_HOSTS:
            raise UserError("拒绝在未加密的连接上发送密码：请使用 --security starttls 或 ssl")
        return password
