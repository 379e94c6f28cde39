"""Helpers for the roster, personalisation and mail tests: write real roster files, read personalised PDFs."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

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
