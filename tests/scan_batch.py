"""A mixed batch of paper returns, as an office gets them: scans, photos, a TIFF, one stack, and e-mailed PDFs.

Each paper application is a personalised form (its pages carry the roster
key) or a blank one, filled, printed (rendered with PDFium), stamped or not,
and scanned the way a scanner or a phone does it (:mod:`tests.scan_factory`).
:func:`build_batch` writes them into a folder and says what the reader should
find: per application its rubric, roster key, seal call and scores.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from generator.distribute.personalize import Personalizer
from generator.distribute.roster import Applicant
from generator.model.rubric import Rubric, RubricSet
from generator.readers.results import SealState
from tests import scan_factory as sf
from tests.read_fillers import fill_pypdf, form_values

SEAL_MM = 40.0


@dataclass(frozen=True)
class Paper:
    """One application to print and scan: who, what scores, how it is stamped and scanned."""

    rubric_id: str
    header: tuple[str, ...]
    scores: tuple[int, ...]
    dpi: int = 200
    seal: str = "full"  # full, faint, half, none
    distort: dict[str, object] = field(default_factory=dict)
    personal: bool = True

    def expected_seal(self) -> SealState:
        if self.seal == "none":
            return "absent"
        return "unclear" if self.distort.get("grey") else "sealed"


PAPERS = {
    "A": Paper(
        "star", ("张三", "国网北京市电力公司", "客户经理"), (8, 12, 13, 9, 10, 18, 15), 200, "full", {"rotate_deg": 3}
    ),
    "B": Paper(
        "team", ("客服一班", "国网上海市电力公司"), (9, 13, 12, 10, 8, 16, 14), 150, "none", {"upside_down": True}
    ),
    "C": Paper(
        "manager", ("李四", "招商银行深圳分行", "行长"), (9, 9, 13, 12, 9, 20, 14), 300, "faint", {"scale": 0.97}
    ),
    "D": Paper(
        "star",
        ("王五", "中国电信北京分公司", "客服代表"),
        (7, 11, 12, 8, 9, 15, 13),
        200,
        "full",
        {"grey": True, "noise": 6.0},
    ),
    "E": Paper(
        "team",
        ("营业二组", "国网天津市电力公司"),
        (8, 12, 11, 9, 9, 15, 12),
        200,
        "half",
        {"rotate_deg": -3, "scale": 1.03},
    ),
    "F": Paper(
        "manager", ("赵六", "中国银行上海分行", "副行长"), (8, 8, 12, 9, 8, 21, 13), 200, "full", {"sideways": True}
    ),
    "G": Paper(
        "star", ("钱七", "中国移动广州分公司", "营业员"), (9, 13, 14, 9, 10, 19, 16), 200, "full", personal=False
    ),
}
"""A–D go into one shuffled stack, E into a TIFF, F into two files (a phone photo and a JPEG), G (a blank
form, no roster key) into two PNGs; A also comes back as its filled PDF by e-mail."""


@dataclass
class Batch:
    """The folder of returns, and the roster key each personalised application carries."""

    folder: Path
    keys: dict[str, str]
    electronic: dict[str, Path]


def applicants(rubrics: RubricSet) -> dict[str, Applicant]:
    found = {}
    for row, (name, paper) in enumerate(PAPERS.items(), start=2):
        rubric = rubrics.get(paper.rubric_id)
        assert rubric is not None
        fields = tuple((h.id, v) for h, v in zip(rubric.applicant_fields, paper.header, strict=True))
        found[name] = Applicant(row, rubric, fields, f"user{row}@example.com")
    return found


def total(paper: Paper) -> int:
    return sum(paper.scores)


def filled_pdf(paper: Paper, rubric: Rubric, personal: Path | None, blank: Path, target: Path) -> Path:
    values = form_values(rubric, paper.header, paper.scores, total(paper))
    return fill_pypdf(personal if personal is not None else blank, target, values)


def printed(pdf: Path, paper: Paper) -> list[Image.Image]:
    """The pages as printed, stamped as the paper says, then scanned with its distortions."""
    pages = sf.render_pages(pdf, paper.dpi)
    if paper.seal != "none":
        box = sf.seal_box_px(pdf, len(pages) - 1, paper.dpi)
        x, y = sf.box_center(box)
        if paper.seal == "half":
            x += sf.mm_to_px(26, paper.dpi)
        diameter = sf.mm_to_px(SEAL_MM, paper.dpi)
        pages[-1] = sf.stamp_seal(pages[-1], (x, y), diameter, faint=paper.seal == "faint", seed=len(paper.header))
    return [sf.distort(page, seed=n, **paper.distort) for n, page in enumerate(pages)]  # type: ignore[arg-type]


def bomb_png() -> bytes:
    """A PNG whose header claims 100,000 × 100,000 pixels (a decompression bomb's first bytes)."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\0" * 1000)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat


def build_batch(rubrics: RubricSet, work: Path, papers: Sequence[str] = tuple(PAPERS)) -> Batch:
    """Print, stamp and scan the papers; write the scans (and A's e-mailed PDF) into ``work/回收 文件``."""
    people = applicants(rubrics)
    personal_dir, scans = work / "personal", work / "回收 文件"
    personal_dir.mkdir()
    scans.mkdir()
    chosen = [people[name] for name in papers if PAPERS[name].personal]
    personal = {a.row: path for a, path in Personalizer(chosen).write_all(chosen, personal_dir)}
    pages: dict[str, list[Image.Image]] = {}
    electronic: dict[str, Path] = {}
    for name in papers:
        paper, person = PAPERS[name], people[name]
        blank = sf.write_form(person.rubric, work / f"{paper.rubric_id}-blank.pdf")
        pdf = filled_pdf(paper, person.rubric, personal.get(person.row), blank, work / f"{name}.pdf")
        electronic[name] = pdf
        pages[name] = printed(pdf, paper)
    _write(scans, pages, electronic)
    return Batch(scans, {name: people[name].roster_key for name in papers if PAPERS[name].personal}, electronic)


def _write(scans: Path, pages: dict[str, list[Image.Image]], electronic: dict[str, Path]) -> None:
    stack = [page for name in "ABCD" if name in pages for page in pages[name]]
    if stack:
        sf.save_image_pdf(sf.shuffle_pages(stack, seed=7), scans / "扫描 批次1.pdf", 200)
    if "E" in pages:
        sf.save_tiff(pages["E"], scans / "营业二组.tif", dpi=200, compression="jpeg")
    if "F" in pages:
        sf.save_jpeg(sf.phone_photo(pages["F"][0], seed=2), scans / "IMG_0001.jpg", quality=80)
        sf.save_jpeg(pages["F"][1], scans / "IMG_0002.jpg", quality=60)
    if "G" in pages:
        sf.save_png(pages["G"][0], scans / "钱七-1.png")
        sf.save_png(pages["G"][1], scans / "钱七-2.png")
    if "A" in electronic:
        (scans / "张三（电子版）.pdf").write_bytes(electronic["A"].read_bytes())
    if "B" in pages:
        damaged = sf.damage_code(pages["B"][0].rotate(180), 150)
        sf.save_jpeg(damaged, scans / "看不清.jpg")
    sf.save_png(sf.foreign_image((1200, 1600), seed=1, kind="text"), scans / "通知.png")
    buffer = io.BytesIO()
    pages[next(iter(pages))][0].save(buffer, "JPEG", quality=80)
    (scans / "半截.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (scans / "超大.png").write_bytes(bomb_png())


def truncated_tiff(pages: Sequence[Image.Image]) -> bytes:
    """The pages as one LZW TIFF cut short inside its last frame (Pillow then fails to read that frame's header)."""
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=list(pages[1:]), compression="tiff_lzw")
    data = buffer.getvalue()
    return data[: len(data) * 3 // 4]
