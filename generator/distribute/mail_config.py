"""Mail settings from a TOML config file, overridden by command-line options.

The file has two tables, ``[smtp]`` (host, port, security, user,
password_env, per_minute, timeout) and ``[mail]`` (from, reply_to, deadline).
A ``password`` key is refused wherever it appears: the password comes only
from the environment variable named by ``password_env``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, get_args

from generator.distribute.mail import MailSettings, parse_address
from generator.distribute.smtp_settings import DEFAULT_PASSWORD_ENV, DEFAULT_PORTS, Security, SmtpSettings
from generator.errors import UserError

Number = (int, float)
CONFIG_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    "smtp": {
        "host": (str,),
        "port": (int,),
        "security": (str,),
        "user": (str,),
        "password_env": (str,),
        "per_minute": Number,
        "timeout": Number,
    },
    "mail": {"from": (str,), "reply_to": (str,), "deadline": (str,)},
}
Config = dict[str, dict[str, Any]]


class ConfigError(UserError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"邮件配置文件 {path}：{reason}")


def load_config(path: Path | None) -> Config:
    """The checked contents of the config file; empty tables when there is none."""
    config: Config = {section: {} for section in CONFIG_KEYS}
    if path is None:
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "找不到这个文件") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"无法读取（{exc}）") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"TOML 语法错误（{exc}）") from None
    _refuse_passwords(path, data, "")
    for section, values in data.items():
        if section not in CONFIG_KEYS or not isinstance(values, dict):
            raise ConfigError(path, f"未知的表 [{section}]（允许：[smtp]、[mail]）")
        for key, value in values.items():
            config[section][key] = _checked(path, section, key, value)
    return config


def _refuse_passwords(path: Path, data: dict[str, Any], prefix: str) -> None:
    for key, value in data.items():
        if ("password" in key.lower() and key != "password_env") or key in ("密码", "口令"):
            raise ConfigError(
                path, f"不能在配置文件中写密码（{prefix}{key}）：请把密码放在环境变量中，用 password_env 指定变量名"
            )
        if isinstance(value, dict):
            _refuse_passwords(path, value, f"{prefix}{key}.")


def _checked(path: Path, section: str, key: str, value: Any) -> Any:
    allowed = CONFIG_KEYS[section]
    if key not in allowed:
        raise ConfigError(path, f"[{section}] 中未知的键 “{key}”（允许：{'、'.join(allowed)}）")
    if not isinstance(value, allowed[key]) or isinstance(value, bool):
        raise ConfigError(path, f"[{section}] {key} 的值类型不对：{value!r}")
    return value


def merged(config: Config, section: str, options: dict[str, Any]) -> dict[str, Any]:
    """The config table with every option that was given (not ``None``) put over it."""
    return {**config[section], **{k: v for k, v in options.items() if v is not None}}


def mail_settings(values: dict[str, Any]) -> MailSettings:
    if not values.get("from"):
        raise UserError("缺少发件人：请用 --from 指定，或在配置文件 [mail] 中写 from")
    if not values.get("deadline"):
        raise UserError(
            "缺少交回截止日期：请用 --deadline 指定（如“2025年7月31日”），或在配置文件 [mail] 中写 deadline"
        )
    sender = parse_address(values["from"], "发件人")
    reply_to = parse_address(values["reply_to"], "回复地址") if values.get("reply_to") else sender
    return MailSettings(sender=sender, return_address=reply_to, deadline=values["deadline"])


def smtp_settings(values: dict[str, Any]) -> SmtpSettings:
    if not values.get("host"):
        raise UserError("缺少 SMTP 服务器：请用 --smtp-host 指定，或在配置文件 [smtp] 中写 host")
    security = values.get("security", "starttls")
    if security not in get_args(Security):
        raise UserError(f"security 只能是 starttls、ssl 或 none，实际是“{security}”")
    per_minute = float(values.get("per_minute", 20))
    if per_minute <= 0:
        raise UserError(f"每分钟发送封数必须大于 0，实际是 {per_minute:g}")
    return SmtpSettings(
        host=values["host"],
        port=int(values.get("port", DEFAULT_PORTS[security])),
        security=security,
        user=values.get("user", ""),
        password_env=values.get("password_env", DEFAULT_PASSWORD_ENV),
        per_minute=per_minute,
        timeout=float(values.get("timeout", 30)),
    )
