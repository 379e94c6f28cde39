"""Checking the e-mail addresses typed into a roster.

An address is accepted when it is one plain ``local@domain`` that an SMTP
server will take: a dot-atom local part (RFC 5322) and a domain of valid DNS
labels with a top-level domain; an internationalised domain (例子.中国) is
accepted through IDNA.  Full-width characters typed with a Chinese input
method (＠, ．) are normalised first.  A local part may legally hold ``=?``
and ``?=``, but one shaped like an RFC 2047 encoded word is refused: mail
software would decode it in the To: header.
"""

from __future__ import annotations

import re
import unicodedata

from generator.distribute.plain_text import ENCODED_WORD, ENCODED_WORD_SHOWN, quoted

ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL_PART = re.compile(rf"{ATOM}(?:\.{ATOM})*")
DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
SEPARATORS = re.compile(r"[,;，；、\s]")


def normalize_email(text: str) -> str:
    """The address as it is sent: full-width forms folded, blanks trimmed, the domain in IDNA ASCII form."""
    address = unicodedata.normalize("NFKC", text).strip()
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def email_problem(address: str) -> str | None:
    """Why ``address`` (already normalised) is not a usable address, in Chinese; ``None`` when it is."""
    shown = quoted(address)
    if SEPARATORS.search(address):
        return f"邮箱“{shown}”格式不正确：只能填写一个邮箱地址，且不能含空格"
    if ENCODED_WORD.search(address):
        return f"邮箱“{shown}”格式不正确：不能含有{ENCODED_WORD_SHOWN}编码文字"
    if address.count("@") != 1:
        return f"邮箱“{shown}”格式不正确：应恰好含一个 @"
    local, domain = address.split("@")
    if not local or len(local) > 64 or not LOCAL_PART.fullmatch(local):
        return f"邮箱“{shown}”格式不正确：@ 前面的部分无效"
    if not _domain_ok(domain):
        return f"邮箱“{shown}”格式不正确：@ 后面的域名无效"
    return None


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253:
        return False
    return all(DNS_LABEL.fullmatch(label) for label in labels) and bool(TOP_LEVEL.fullmatch(labels[-1]))
