"""Helpers for the roster, personalisation and mail tests: real roster files, personalised PDFs, an SMTP server.

The SMTP server is aiosmtpd on loopback, started by the tests themselves; nothing connects anywhere else.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from pypdf import PdfReader

HOST = "127.0.0.1"
HEADER = ["表格", "姓名", "班组名称", "单位", "岗位", "邮箱"]

GOOD_ROWS = [
    ["服务明星", "张伟", "", "中国电信北京分公司", "客服代表", "zhangwei@example.com"],
    ["team", "", "巾帼文明岗", "国网上海市电力公司", "", "jinguo@example.com"],
    ["全国用户满意服务杰出管理者自评标准", "欧阳娜娜", "", "招商银行深圳分行", "行长", "ouyang@example.com"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    """A CSV roster as Excel saves it: the given encoding (``utf-8-sig`` adds the BOM), CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None, title: str = "") -> Path:
    """An .xlsx roster written with openpyxl, optionally with a title row above the header."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def pdf_values(data: bytes | Path) -> dict[str, str]:
    """Every field that has a value, by name, read with pypdf."""
    reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else data)
    return {name: str(f["/V"]) for name, f in reader.get_fields().items() if f.get("/V")}


def field_rect(path: Path, name: str) -> tuple[int, tuple[float, float, float, float], float]:
    """A field's page index (0-based), its /Rect, and the page height, in points."""
    reader = PdfReader(path)
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/T") == name:
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                return index, (x0, y0, x1, y1), float(page.mediabox.height)
    raise KeyError(name)


def ink_in_field(path: Path, name: str, work: Path, dpi: int = 150) -> int:
    """How many dark pixels pdftoppm draws inside a field's box (0 when the box shows nothing)."""
    index, (x0, y0, x1, y1), height = field_rect(path, name)
    scale = dpi / 72
    crop = [
        "-x", str(round(x0 * scale) + 2), "-y", str(round((height - y1) * scale) + 2),
        "-W", str(round((x1 - x0) * scale) - 4), "-H", str(round((y1 - y0) * scale) - 6),
    ]  # fmt: skip
    out = work / f"crop-{path.stem}-{name}"
    page = str(index + 1)
    command = ["pdftoppm", "-gray", "-r", str(dpi), "-f", page, "-l", page, "-singlefile", *crop, str(path), str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    data = out.with_suffix(".pgm").read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert match, "pdftoppm did not write a PGM image"
    return sum(1 for pixel in data[match.end() :] if pixel < 128)


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts, and misbehaves on request.

    ``refuse``: addresses whose RCPT gets 550; ``rcpt_reply``: a reply to every RCPT instead of 250;
    ``mail_reply``: a reply to MAIL FROM instead of 250; ``drop``: addresses after whose message the
    line goes dead; ``hold``: when set to an unset event, each DATA waits for it (``arrived`` is set first).
    """

    def __init__(self) -> None:
        self.refuse: set[str] = set()
        self.drop: set[str] = set()
        self.rcpt_reply = ""
        self.mail_reply = ""
        self.hold: threading.Event | None = None
        self.arrived = threading.Event()
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        while self.hold is not None and not self.hold.is_set():
            await asyncio.sleep(0.01)
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        if self.drop & set(envelope.rcpt_tos):  # the line goes dead after the message: did it arrive?
            self.drop -= set(envelope.rcpt_tos)
            server.transport.abort()
        return "250 OK"

    def recipients(self) -> list[str]:
        return [address for tos, _ in self.received for address in tos]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(recorder: Recorder, **options: Any) -> Any:
    """A running aiosmtpd controller on a free loopback port; the caller stops it."""
    from aiosmtpd.controller import Controller

    controller = Controller(recorder, hostname=HOST, port=free_port(), **options)
    controller.start()
    return controller
