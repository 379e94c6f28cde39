"""``rubric-forms collect``: returns saved out of a real Dovecot mailbox and out of exported mail files.

Messages are real MIME built with Python's ``email`` package and raw bytes
as Chinese mail clients write them; zip files are made as Windows' built-in
zip writer makes them.  Nothing here connects anywhere but 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import mailbox
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.collect import archives, collect_files, collect_mailbox, collecting, ledger_senders
from generator.collect.utf7 import decode_folder, encode_folder
from generator.errors import UserError
from tests.dovecot_support import (
    CHINESE_PASSWORD,
    CHINESE_USER,
    HOST,
    PASSWORD,
    PASSWORD_ENV,
    USER,
    Dovecot,
    dovecot_binary,
    dovecot_fixture,  # noqa: F401  # the fixture "dovecot"
    dovecot_ssl_fixture,  # noqa: F401  # the fixture "dovecot_ssl"
    start_dovecot,
)

ROOT = Path(__file__).resolve().parent.parent
LEDGER = "回收记录.jsonl"
NOON = dt.datetime(2025, 7, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DAY = NOON.astimezone().strftime("%Y%m%d")  # the local date the file names carry


# --- building messages ---


def pdf(text: str) -> bytes:
    """A small PDF-like file whose content is unique to ``text``."""
    return f"%PDF-1.4\n% {text}\n".encode() + hashlib.sha256(text.encode()).digest() + b"\n%%EOF\n"


def message(
    sender: str = "张三 <zhang@example.com>",
    attachments: list[tuple[str, bytes]] | None = None,
    subject: str = "交回自评表",
    message_id: str | None = "auto",
    when: dt.datetime = NOON,
) -> bytes:
    """A message as a modern client builds it (UTF-8, RFC 2231 file names)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "hr@example.com"
    msg["Subject"] = subject
    msg["Date"] = when.strftime("%a, %d %b %Y %H:%M:%S %z")
    if message_id == "auto":
        message_id = f"<{hashlib.sha256(repr((sender, attachments, subject)).encode()).hexdigest()[:20]}@example.com>"
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("您好，附件是我的自评表。")
    for name, data in attachments or []:
        maintype, subtype = {
            ".pdf": ("application", "pdf"),
            ".zip": ("application", "zip"),
            ".jpg": ("image", "jpeg"),
            ".png": ("image", "png"),
        }.get(Path(name).suffix.lower(), ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # as on the wire


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def q(text: str, charset: str) -> str:
    return "".join(chr(b) if chr(b).isalnum() and b < 128 else f"={b:02X}" for b in text.encode(charset))


def pct(text: str, charset: str) -> str:
    return "".join(chr(b) if chr(b).isalnum() and b < 128 else f"%{b:02X}" for b in text.encode(charset))


def part(headers: str, data: bytes) -> str:
    body = base64.encodebytes(data).decode("ascii")
    return f"------=_NextPart_000_0001\r\n{headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n"


CONTENTS = {name: pdf(name) for name in ("gb2312", "gbk-q", "gb18030", "utf8-cont", "big5", "raw8", "split", "evil")}


def chinese_client_message() -> bytes:
    """A message as Foxmail, Outlook on Chinese Windows and older webmail write one (hand-made bytes)."""
    split = "张三.pdf".encode()
    parts = [
        part('Content-Type: text/plain; charset="gb2312"', "您好，自评表见附件。".encode("gbk")),
        part(  # RFC 2047 in quotes, labelled GB2312 but holding GBK's 堃
            f'Content-Type: application/pdf; name="=?GB2312?B?{b64("王堃自评表.pdf", "gbk")}?="\r\n'
            f'Content-Disposition: attachment; filename="=?GB2312?B?{b64("王堃自评表.pdf", "gbk")}?="',
            CONTENTS["gb2312"],
        ),
        part(
            f'Content-Type: application/octet-stream; name="=?gbk?Q?{q("服务明星表.pdf", "gbk")}?="',
            CONTENTS["gbk-q"],
        ),
        part(
            "Content-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; filename*=GB18030''{pct('杰出管理者自评.pdf', 'gb18030')}",
            CONTENTS["gb18030"],
        ),
        part(
            "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
            f"\tfilename*0*=utf-8''{pct('班组', 'utf-8')};\r\n\tfilename*1*={pct('自评表', 'utf-8')};\r\n"
            '\tfilename*2=".pdf"',
            CONTENTS["utf8-cont"],
        ),
        part(f'Content-Type: image/jpeg; name="=?big5?B?{b64("陳大文表格.jpg", "big5")}?="', CONTENTS["big5"]),
        part(
            'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
            + "赵六.pdf".encode("gbk").decode("latin-1")
            + '"',
            CONTENTS["raw8"],
        ),
        part(  # one character split across two encoded words
            "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename="
            f'"=?UTF-8?B?{base64.b64encode(split[:2]).decode()}?= =?UTF-8?B?{base64.b64encode(split[2:]).decode()}?="',
            CONTENTS["split"],
        ),
        part(
            "Content-Type: application/pdf\r\n"
            'Content-Disposition: attachment; filename="..\\\\..\\\\Windows\\\\ev\x07il.pdf"',
            CONTENTS["evil"],
        ),
    ]
    head = (
        f"From: =?GB2312?B?{b64('王五', 'gbk')}?= <wangwu@example.cn>\r\n"
        "To: hr@example.com\r\n"
        f"Subject: =?gbk?Q?{q('交回：自评表', 'gbk')}?=\r\n"
        f"Date: {NOON.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n"
        "Message-ID: <foxmail-0001@example.cn>\r\n"
        "X-Mailer: Foxmail 7.2\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed;\r\n\tboundary="----=_NextPart_000_0001"\r\n\r\n'
        "This is a multi-part message in MIME format.\r\n\r\n"
    )
    return (head + "".join(parts) + "------=_NextPart_000_0001--\r\n").encode("latin-1")


class WindowsZipInfo(zipfile.ZipInfo):
    """A member whose name is stored as given bytes without the UTF-8 flag, as Windows' built-in zip does."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own hook: it would set the UTF-8 flag
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def windows_zip(members: dict[str, bytes]) -> bytes:
    """A zip whose member names are CP936 (GBK) bytes and carry no UTF-8 flag."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = WindowsZipInfo(name.encode("gbk").decode("cp437"))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def utf8_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_encrypted_flag(data: bytes) -> bytes:
    """The zip with its first member marked encrypted (general purpose flag bit 0), in both of its headers."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = patched.find(signature)
        (flags,) = struct.unpack_from("<H", patched, start + offset)
        struct.pack_into("<H", patched, start + offset, flags | 1)
    return bytes(patched)


# --- reading results ---


def saved_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(LEDGER)}


def ledger(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / LEDGER).read_text(encoding="utf-8").splitlines() if line]


def write_eml(folder: Path, messages: list[bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(messages, 1):
        (folder / f"邮件 {number:03d}.eml").write_bytes(raw)
    return folder


# --- names and charsets ---


def test_folder_names_travel_in_modified_utf7() -> None:
    assert encode_folder("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"  # RFC 3501's example
    assert encode_folder("A&B 回收") == "A&-B &Vt5lNg-"
    for name in ("回收表格", "交回 2025 & 杰出管理者", "INBOX", "😀 表情"):
        assert decode_folder(encode_folder(name)) == name


def test_attachment_names_as_chinese_clients_write_them(tmp_path: Path) -> None:
    source = write_eml(tmp_path / "导出 邮件", [chinese_client_message()])
    out = tmp_path / "回收 结果"
    run = collect_files([source], out)
    files = saved_files(out)
    expected = {
        f"{DAY}-王五-王堃自评表.pdf": CONTENTS["gb2312"],
        f"{DAY}-王五-服务明星表.pdf": CONTENTS["gbk-q"],
        f"{DAY}-王五-杰出管理者自评.pdf": CONTENTS["gb18030"],
        f"{DAY}-王五-班组自评表.pdf": CONTENTS["utf8-cont"],
        f"{DAY}-王五-陳大文表格.jpg": CONTENTS["big5"],
        f"{DAY}-王五-赵六.pdf": CONTENTS["raw8"],
        f"{DAY}-王五-张三.pdf": CONTENTS["split"],
        f"{DAY}-王五-ev_il.pdf": CONTENTS["evil"],
    }
    assert files == expected
    (record,) = run.messages
    assert (record.address, record.name, record.subject) == ("wangwu@example.cn", "王五", "交回：自评表")
    assert len(run.problems) == 1 and "含有路径或控制字符" in run.problems[0]  # the path and the BEL
    (line,) = ledger(out)
    assert line["message_id"] == "<foxmail-0001@example.cn>" and line["source"] == "file"
    assert {item["file"] for item in line["saved"]} == set(expected)
    assert ledger_senders(out) == dict.fromkeys(expected, "wangwu@example.cn")


def test_windows_zip_names_nesting_and_hostile_members(tmp_path: Path) -> None:
    inner = utf8_zip({"第二层/李四 自评表.pdf": pdf("inner"), "deeper.zip": utf8_zip({"x.pdf": pdf("deep")})})
    windows = windows_zip(
        {
            "材料/张三 自评表.pdf": pdf("gbk member"),
            "照片/现场.jpg": b"\xff\xd8\xff\xe0 jpeg",
            "说明.txt": b"not a return",
            "内层.zip": inner,
            "../../etc/x.pdf": pdf("climb"),
            "/abs/绝对.pdf": pdf("absolute"),
            "C:\\Users\\王\\盘符.pdf": pdf("drive"),
            "__MACOSX/材料/._张三 自评表.pdf": b"apple double",
        }
    )
    out = tmp_path / "回收"
    source = write_eml(tmp_path / "in", [message(attachments=[("申报材料.zip", windows)])])
    run = collect_files([source], out)
    names = set(saved_files(out))
    assert names == {
        f"{DAY}-张三-申报材料-张三 自评表.pdf",
        f"{DAY}-张三-申报材料-现场.jpg",
        f"{DAY}-张三-申报材料-内层-李四 自评表.pdf",
        f"{DAY}-张三-申报材料-x.pdf",
        f"{DAY}-张三-申报材料-绝对.pdf",
        f"{DAY}-张三-申报材料-盘符.pdf",
        f"{DAY}-张三-申报材料.zip",  # kept as it came: the third level was not opened
    }
    problems = "\n".join(run.problems)
    assert "“../../etc/x.pdf”带有不安全的路径" in problems
    assert "“/abs/绝对.pdf”带有不安全的路径" in problems
    assert "“C:\\Users\\王\\盘符.pdf”带有不安全的路径" in problems
    assert "嵌套超过 2 层" in problems
    assert all(p.parent == out for p in out.iterdir())
    assert not (tmp_path / "etc").exists()
    (line,) = ledger(out)
    assert "申报材料.zip/说明.txt" in line["ignored"]


def test_archive_bounds_each_reported_and_the_archive_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = utf8_zip({"炸弹.pdf": bytes(20 * 1024 * 1024)})  # 20 MB of zeros: some 1,000 to 1
    many = utf8_zip({f"{n}.pdf": b"%PDF" for n in range(archives.MAX_MEMBERS + 1)}, zipfile.ZIP_STORED)
    encrypted = with_encrypted_flag(utf8_zip({"加密.pdf": pdf("secret"), "公开.pdf": pdf("open")}))
    rng = random.Random(4)
    large = utf8_zip({f"{n}.pdf": rng.randbytes(600 * 1024) for n in range(3)}, zipfile.ZIP_STORED)
    broken = b"PK\x03\x04" + b"\x00" * 100
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 1024 * 1024)
    zips = {"bomb.zip": bomb, "many.zip": many, "enc.zip": encrypted, "large.zip": large, "broken.zip": broken}
    source = write_eml(
        tmp_path / "in", [message(f"寄件人{n} <s{n}@example.com>", [item]) for n, item in enumerate(zips.items())]
    )
    out = tmp_path / "回收"
    run = collect_files([source], out)
    problems = {record.subject + str(n): record.problems for n, record in enumerate(run.messages)}
    text = "\n".join(run.problems)
    assert "压缩比超过 200:1" in text and "压缩炸弹" in text
    assert f"文件超过 {archives.MAX_MEMBERS} 个" in text
    assert "“加密.pdf”已加密" in text
    assert "压缩包“large.zip”解压后超过 1 MB" in text
    assert "“broken.zip”已损坏" in text
    assert len(problems) == 5 and all(problems.values())
    files = saved_files(out)
    for number, (name, data) in enumerate(zips.items()):
        assert files[f"{DAY}-寄件人{number}-{name}"] == data  # every archive kept as it came
    assert files[f"{DAY}-寄件人2-enc-公开.pdf"] == pdf("open")
    assert max(len(data) for data in files.values()) < 3 * 1024 * 1024


def test_two_hundred_attachments_are_all_saved(tmp_path: Path) -> None:
    attachments = [(f"附件 {n:03d}.pdf", pdf(f"many {n}")) for n in range(200)]
    source = write_eml(tmp_path / "in", [message(attachments=attachments)])
    run = collect_files([source], tmp_path / "回收")
    assert run.ok and len(run.saved) == 200
    assert len(saved_files(tmp_path / "回收")) == 200


def test_malformed_messages_are_problems_and_nothing_is_lost(tmp_path: Path) -> None:
    good = message(attachments=[("表.pdf", pdf("no boundary"))], message_id="<nb@example.com>")
    head, _, body = good.partition(b"\r\n\r\n")
    no_boundary = head.replace(b'boundary="', b'xboundary="') + b"\r\n\r\n" + body
    bad_base64 = (
        "From: 李四 <li@example.com>\r\nSubject: bad base64\r\nMessage-ID: <b64@example.com>\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        'Content-Type: application/pdf; name="坏.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        "JVBERi0xLjQK!!!@@@JVBERi0xLjQKJVBE=x\r\n--b--\r\n"
    ).encode()
    bad_charset = (
        f'From: =?x-no-such-charset?B?{b64("王五", "utf-8")}?= <w@example.com>\r\nSubject: =?gb2312"?Q?=D6=D0?=\r\n'
        "Message-ID: <cs@example.com>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        f'Content-Type: application/pdf; charset="bogus\\""; name*=x-unknown\'\'{pct("名单.pdf", "utf-8")}\r\n\r\n'
        "%PDF-1.4 plain\r\n--b--\r\n"
    ).encode()
    truncated = message(attachments=[("截断.pdf", pdf("truncated") * 50)])[:-400]
    garbage = bytes(range(256)) * 4
    source = write_eml(tmp_path / "in", [no_boundary, bad_base64, bad_charset, truncated, garbage])
    out = tmp_path / "回收"
    run = collect_files([source], out)
    assert len(run.messages) == 5
    by_id = {record.message_id: record for record in run.messages}
    recovered = by_id["<nb@example.com>"]
    assert any("邮件结构有误" in p for p in recovered.problems)
    files = saved_files(out)
    assert files[f"{DAY}-张三-表.pdf"] == pdf("no boundary")  # found by guessing the boundary
    assert files[f"{DAY}-张三-邮件原文.eml"] == no_boundary  # and the message kept as it came
    assert any("base64 编码有误" in p for p in by_id["<b64@example.com>"].problems)
    assert any(name.endswith("李四-坏.pdf") for name in files)
    charset = by_id["<cs@example.com>"]
    assert charset.name == "王五" and any(name.endswith("王五-名单.pdf") for name in files)
    assert len(ledger(out)) == 5


def test_duplicates_are_saved_once_and_clashing_names_numbered(tmp_path: Path) -> None:
    form, other = pdf("张三的表"), pdf("张三改过的表")
    first = [message(attachments=[("自评表.pdf", form), ("自评表 副本.pdf", form)], subject="第一次")]
    out = tmp_path / "回收"
    collect_files([write_eml(tmp_path / "a", first)], out)
    second = [
        message(attachments=[("自评表.pdf", other)], subject="改过了"),
        message("李四 <li@example.com>", [("转交的表.pdf", form)], subject="转交"),
    ]
    run = collect_files([write_eml(tmp_path / "b", second)], out)
    files = saved_files(out)
    assert files == {f"{DAY}-张三-自评表.pdf": form, f"{DAY}-张三-自评表-2.pdf": other}
    assert [d.same_as for d in run.duplicates] == [f"{DAY}-张三-自评表.pdf"]
    lines = ledger(out)
    assert lines[0]["duplicates"] == [
        {
            "attachment": "自评表 副本.pdf",
            "sha256": hashlib.sha256(form).hexdigest(),
            "same_as": f"{DAY}-张三-自评表.pdf",
        }
    ]
    assert lines[2]["duplicates"][0]["same_as"] == f"{DAY}-张三-自评表.pdf"
    assert ledger_senders(out) == {
        f"{DAY}-张三-自评表.pdf": "zhang@example.com",
        f"{DAY}-张三-自评表-2.pdf": "zhang@example.com",
    }


def test_eml_folders_mbox_files_and_since(tmp_path: Path) -> None:
    june = dt.datetime(2025, 6, 1, 12, tzinfo=NOON.tzinfo)
    messages = [
        message(f"申报人{n} <u{n}@example.com>", [(f"表{n}.pdf", pdf(f"mbox {n}"))], when=june if n == 0 else NOON)
        for n in range(4)
    ]
    box_path = tmp_path / "Thunderbird 导出" / "收件箱.mbox"
    box_path.parent.mkdir()
    box = mailbox.mbox(box_path)
    for raw in messages[:3]:
        box.add(raw)
    box.flush()
    box.close()
    folder = write_eml(tmp_path / "Foxmail 导出", [messages[2], messages[3]])  # one message in both
    (folder / "说明.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    out = tmp_path / "回收"
    run = collect_files([box_path, folder, folder / "说明.msg", tmp_path / "不存在.eml"], out, dt.date(2025, 7, 1))
    assert sorted(record.address for record in run.messages) == ["u1@example.com", "u2@example.com", "u3@example.com"]
    assert run.before_since == 1 and run.already == 1
    assert sum("另存为 .eml" in t for t in run.troubles) == 1 and any("不存在" in t for t in run.troubles)
    assert [line.get("index") for line in ledger(out)] == [2, 3, None]
    again = collect_files([box_path, folder], out, dt.date(2025, 7, 1))
    assert again.messages == [] and again.already == 3 + 1 and again.before_since == 1 and again.ok


def test_a_torn_ledger_line_is_dropped_and_its_files_claimed_not_copied(tmp_path: Path) -> None:
    messages = [message(f"申报人{n} <u{n}@example.com>", [(f"表{n}.pdf", pdf(f"torn {n}"))]) for n in range(3)]
    source = write_eml(tmp_path / "in", messages)
    out = tmp_path / "回收"
    collect_files([source], out)
    before = saved_files(out)
    text = (out / LEDGER).read_text(encoding="utf-8")
    (out / LEDGER).write_text(text[: text.rindex("\n", 0, -1) + 40], encoding="utf-8")  # killed mid-line
    (out / f".{DAY}-申报人9-表9.pdf.abcd_123.tmp").write_bytes(b"half")  # and mid-file
    run = collect_files([source], out)
    assert [r.address for r in run.messages] == ["u2@example.com"] and run.ok
    assert [(s.recovered, s.file) for s in run.saved] == [(True, f"{DAY}-申报人2-表2.pdf")]
    assert saved_files(out) == before
    assert [line["from_address"] for line in ledger(out)] == ["u0@example.com", "u1@example.com", "u2@example.com"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_damaged_ledger_line_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "回收"
    out.mkdir()
    (out / LEDGER).write_text('not json\n{"event": "message", "message_id": "x"}\n', encoding="utf-8")
    with pytest.raises(UserError, match="第 1 行已损坏"):
        collect_files([tmp_path], out)


# --- IMAP ---


@pytest.fixture(scope="module")
def shared_dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """One Dovecot for the IMAP tests that do not stop it; each test uses folders of its own."""
    if not dovecot_binary():
        pytest.skip("需要 Dovecot（apt-get install dovecot-imapd）")
    server = start_dovecot(tmp_path_factory.mktemp("dovecot") / "配置")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PASSWORD_ENV, PASSWORD)
        yield server
    server.remove()


def collect_args(server: Dovecot, folder: str, out: Path, *extra: str) -> list[str]:
    return [
        "collect", "--imap-host", HOST, "--imap-port", str(server.port), "--security", "none",
        "--imap-user", USER, "--password-env", PASSWORD_ENV, "--folder", folder, "--out", str(out), *extra,
    ]  # fmt: skip


def test_imap_collects_a_chinese_folder_and_changes_nothing(
    shared_dovecot: Dovecot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = "交回 表格 2025"
    form = pdf("imap form")
    shared_dovecot.append(folder, [message(attachments=[("自评表.pdf", form)])], NOON, "(\\Flagged)")
    shared_dovecot.append(
        folder,
        [
            message("李四 <li@example.com>", [("李四.pdf", pdf("li")), ("同一份.pdf", form)]),
            chinese_client_message(),
        ],
        NOON,
    )
    flags_before = shared_dovecot.flags(folder)
    out = tmp_path / "回收 目录"
    assert main(collect_args(shared_dovecot, folder, out)) == 1  # the hostile name in the Foxmail message
    captured = capsys.readouterr()
    assert "读取邮件 3 封，保存文件 10 个，内容重复未再保存 1 个，问题 1 项。" in captured.out
    assert f"{folder} UID 3（王五 <wangwu@example.cn>，“交回：自评表”）：附件名" in captured.err
    assert shared_dovecot.flags(folder) == flags_before == {1: {"\\Flagged"}, 2: set(), 3: set()}
    lines = ledger(out)
    assert [(line["uid"], line["folder"], line["source"]) for line in lines] == [(n, folder, "imap") for n in (1, 2, 3)]
    assert len({line["uidvalidity"] for line in lines}) == 1
    assert saved_files(out)[f"{DAY}-张三-自评表.pdf"] == form
    assert main(collect_args(shared_dovecot, folder, out)) == 0  # nothing new
    assert "此前已收取、本次跳过 3 封" in capsys.readouterr().out
    assert len(ledger(out)) == 3


def test_mark_seen_is_the_one_option_that_changes_the_mailbox(shared_dovecot: Dovecot, tmp_path: Path) -> None:
    folder = "标记已读"
    shared_dovecot.append(
        folder, [message(f"人{n} <p{n}@example.com>", [("表.pdf", pdf(f"seen {n}"))]) for n in range(3)]
    )
    run = collect_mailbox(shared_dovecot.settings(folder), tmp_path / "回收", mark_seen=True)
    assert run.ok and len(run.saved) == 3
    assert shared_dovecot.flags(folder) == {1: {"\\Seen"}, 2: {"\\Seen"}, 3: {"\\Seen"}}


def test_since_and_a_renumbered_folder(shared_dovecot: Dovecot, tmp_path: Path) -> None:
    folder = "按日期"
    old = message("旧 <old@example.com>", [("旧.pdf", pdf("old"))])
    new = [message(f"新{n} <n{n}@example.com>", [("新.pdf", pdf(f"new {n}"))]) for n in range(2)]
    no_id = message("无编号 <noid@example.com>", [("无编号.pdf", pdf("no id"))], message_id=None)
    shared_dovecot.append(folder, [old], dt.datetime(2025, 6, 1, 12, tzinfo=NOON.tzinfo))
    shared_dovecot.append(folder, [*new, no_id], NOON)
    out = tmp_path / "回收"
    run = collect_mailbox(shared_dovecot.settings(folder), out, since=dt.date(2025, 7, 1))
    assert sorted(r.address for r in run.messages) == ["n0@example.com", "n1@example.com", "noid@example.com"]
    assert ledger(out)[-1]["message_id"] == "sha256:" + hashlib.sha256(no_id).hexdigest()
    with shared_dovecot.client() as imap:  # the folder is made again: new UIDVALIDITY, same messages
        imap.delete(f'"{encode_folder(folder)}"')
    shared_dovecot.append(folder, [old, *new, no_id], NOON)
    run = collect_mailbox(shared_dovecot.settings(folder), out)
    assert [r.address for r in run.messages] == ["old@example.com"] and run.already == 3
    assert len(ledger(out)) == 4 and len(saved_files(out)) == 4


def test_login_folder_and_tls_errors_are_clear(
    shared_dovecot: Dovecot, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "回收"
    shared_dovecot.append("已有文件夹", [message()])
    assert main(collect_args(shared_dovecot, "不存在的文件夹", out)) == 1
    err = capsys.readouterr().err
    assert "邮箱中没有文件夹“不存在的文件夹”" in err and "已有文件夹" in err and "Traceback" not in err
    assert main([*collect_args(shared_dovecot, "INBOX", out), "--security", "ssl"]) == 1
    assert "建立加密连接失败" in capsys.readouterr().err
    assert main([*collect_args(shared_dovecot, "INBOX", out), "--security", "starttls"]) == 1
    assert "不支持 STARTTLS" in capsys.readouterr().err
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    assert main(collect_args(shared_dovecot, "INBOX", out)) == 1
    assert f"拒绝登录（用户 {USER}）" in capsys.readouterr().err
    monkeypatch.delenv(PASSWORD_ENV)
    assert main(collect_args(shared_dovecot, "INBOX", out)) == 1
    assert f"请先设置环境变量 {PASSWORD_ENV}" in capsys.readouterr().err
    assert main(["collect", "--imap-host", HOST, "--imap-user", USER, "邮件.eml"]) == 2
    assert "只能选一种" in capsys.readouterr().err
    assert main(["collect", "a.eml", "--since", "2025/7/1"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["collect", "--imap-host", "127.0.0.1", "--imap-port", str(shared_dovecot.port), "--imap-user", USER,
                 "--security", "none", "--password-env", "NO_SUCH_VARIABLE_HERE"]) == 1  # fmt: skip
    assert "NO_SUCH_VARIABLE_HERE" in capsys.readouterr().err


def test_a_chinese_user_name_and_password_log_in(
    shared_dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUBRIC_FORMS_TEST_CHINESE_PASSWORD", CHINESE_PASSWORD)
    settings = replace(shared_dovecot.settings(), user=CHINESE_USER, password_env="RUBRIC_FORMS_TEST_CHINESE_PASSWORD")
    run = collect_mailbox(settings, tmp_path / "回收")  # an empty inbox: logging in is the test
    assert run.ok and run.messages == []


def test_ssl_and_starttls_with_the_office_certificate(dovecot_ssl: Dovecot, tmp_path: Path) -> None:
    dovecot_ssl.append("INBOX", [message(attachments=[("表.pdf", pdf("tls"))])])
    for security in ("ssl", "starttls"):
        run = collect_mailbox(dovecot_ssl.settings("INBOX", security, dovecot_ssl.ca_file), tmp_path / security)
        assert run.ok and len(run.saved) == 1
    with pytest.raises(UserError, match=r"证书无法验证.*--ca-file"):
        collect_mailbox(dovecot_ssl.settings("INBOX", "ssl"), tmp_path / "untrusted")


def test_a_killed_run_resumes_without_copies_or_gaps(shared_dovecot: Dovecot, tmp_path: Path) -> None:
    folder = "中断后继续"
    common = pdf("notice everyone attached")
    messages = [
        message(f"申报人{n:02d} <u{n}@example.com>", [(f"自评表{n}.pdf", pdf(f"kill {n}")), ("通知.pdf", common)])
        for n in range(60)
    ]
    shared_dovecot.append(folder, messages, NOON)
    out = tmp_path / "回收 输出"
    command = [sys.executable, "-m", "generator", *collect_args(shared_dovecot, folder, out)]
    env = {**os.environ, PASSWORD_ENV: PASSWORD}

    def run_until(lines: int, delay: str) -> int | None:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**env, "RUBRIC_FORMS_TEST_COLLECT_DELAY": delay},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if (out / LEDGER).read_bytes().count(b"\n") >= lines:
                    process.kill()  # SIGKILL: no clean-up of any kind
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.002)
        process.wait(timeout=30)
        assert process.stderr is not None
        assert b"Traceback" not in process.stderr.read()
        process.stderr.close()
        return process.returncode

    assert run_until(8, "0.03") not in (0, 1)  # killed
    first = len(ledger(out))
    assert 8 <= first < 60
    run_until(30, "0")  # killed wherever it is, or finished
    final = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert final.returncode == 0, final.stderr.decode()
    lines = ledger(out)
    assert sorted(line["uid"] for line in lines) == list(range(1, 61))  # each message once: no gap, no repeat
    files = saved_files(out)
    assert len(files) == 61 and len({hashlib.sha256(d).digest() for d in files.values()}) == 61
    assert sorted(files.values()) == sorted([common, *(pdf(f"kill {n}") for n in range(60))])
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    senders = ledger_senders(out)
    assert len(senders) == 61 and senders[f"{DAY}-申报人07-自评表7.pdf"] == "u7@example.com"


def test_a_dropped_connection_stops_the_run_and_a_rerun_completes(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "断线"
    dovecot.append(folder, [message(f"人{n} <p{n}@example.com>", [("表.pdf", pdf(f"drop {n}"))]) for n in range(20)])
    monkeypatch.setattr(collecting, "BATCH_MESSAGES", 5)
    out = tmp_path / "回收"

    def stop_server(done: int, total: int) -> None:
        if done == 7:
            dovecot.stop()

    run = collect_mailbox(dovecot.settings(folder), out, on_progress=stop_server)
    assert "连接中断" in run.stopped and "重新运行即可接着收取" in run.stopped and not run.ok
    assert len(run.messages) == 10 and len(ledger(out)) == 10  # the two batches fetched before the drop
    dovecot.start()
    again = collect_mailbox(dovecot.settings(folder), out)
    assert again.ok and len(again.messages) == 10 and again.already == 10
    assert sorted(line["uid"] for line in ledger(out)) == list(range(1, 21))
    assert len(saved_files(out)) == 20


def test_unnamed_returns_get_a_name_and_outlook_tnef_is_reported(tmp_path: Path) -> None:
    raw = (
        "From: 孙七 <sun@example.com>\r\nSubject: 无名附件\r\nMessage-ID: <tnef@example.com>\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n正文\r\n"
        "--b\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 unnamed\r\n"
        '--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="自评表"\r\n\r\n'
        "%PDF-1.4 no extension\r\n"
        '--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n\r\nTNEF\r\n--b--\r\n'
    ).encode()
    out = tmp_path / "回收"
    run = collect_files([write_eml(tmp_path / "in", [raw])], out)
    names = {name.split("-", 1)[1] for name in saved_files(out)}  # no Date header: the file's date
    assert names == {"孙七-附件1.pdf", "孙七-自评表.pdf"}
    assert "winmail.dat" in ledger(out)[0]["ignored"]
    assert any("TNEF" in problem for problem in run.problems)


class CuttingProxy:
    """A TCP proxy in front of Dovecot that breaks the connection after ``cut_after`` bytes from the server."""

    def __init__(self, port: int, cut_after: int) -> None:
        self.port, self.cut_after = port, cut_after
        self.listener = socket.create_server((HOST, 0))
        self.address = self.listener.getsockname()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            client, _ = self.listener.accept()
            upstream = socket.create_connection((HOST, self.port))
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            self._pump(upstream, client, self.cut_after)

    def _pump(self, source: socket.socket, target: socket.socket, limit: int | None) -> None:
        sent = 0
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if limit is not None and sent + len(data) > limit:
                    target.sendall(data[: limit - sent])
                    break
                target.sendall(data)
                sent += len(data)
        self.close()

    def close(self) -> None:
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_a_connection_cut_in_the_middle_of_a_fetch(
    shared_dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "传输中断"
    rng = random.Random(9)
    forms = [rng.randbytes(20 * 1024) for _ in range(15)]  # some 28 KB each in base64
    shared_dovecot.append(
        folder, [message(f"人{n} <p{n}@example.com>", [("表.pdf", form)]) for n, form in enumerate(forms)]
    )
    monkeypatch.setattr(collecting, "BATCH_MESSAGES", 5)
    proxy = CuttingProxy(shared_dovecot.port, cut_after=200_000)  # inside the second batch's literals
    out = tmp_path / "回收"
    try:
        run = collect_mailbox(replace(shared_dovecot.settings(folder), port=proxy.address[1]), out)
    finally:
        proxy.close()
    assert "连接中断" in run.stopped and len(run.messages) == 5 and len(ledger(out)) == 5
    again = collect_mailbox(shared_dovecot.settings(folder), out)
    assert again.ok and len(again.messages) == 10 and again.already == 5
    assert sorted(saved_files(out).values()) == sorted(forms)
