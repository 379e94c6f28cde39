"""The README opens with pictures of every page of the web app, and the script that makes them still works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.readme_screenshots import OUT, PAGES, WIDTH, main
from tests.viewer_support import CHROMIUM

README = ROOT / "README.md"
COMMAND = ".venv/bin/python -m tests.readme_screenshots"
MAX_BYTES = 250 * 1024


def opening_section() -> str:
    """The README from its title to the second section: the title, at most one line, then the pictures."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# rubric-forms · "), lines[0]
    headings = [n for n, line in enumerate(lines) if line.startswith("## ")]
    assert headings and headings[0] <= 3, "the pictures' section comes right after the title (and one line at most)"
    end = headings[1] if len(headings) > 1 else len(lines)
    return "\n".join(lines[headings[0] : end])


def pictures(text: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\((tests/readme/[^)\s]+)\)", text)


def check_picture(path: Path) -> None:
    assert path.is_file(), path
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
    with Image.open(path) as image:
        assert image.width == WIDTH and image.height >= 600, (path.name, image.size)
        rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) >= 32, f"{path.name}: too few colours to be a page"
    grey = rgb.convert("L")
    histogram = grey.histogram()
    ink = sum(histogram[:160]) / (grey.width * grey.height)
    assert ink > 0.01, f"{path.name}: almost nothing dark on the page ({ink:.2%})"


def test_the_readme_opens_with_every_page_picture() -> None:
    section = opening_section()
    assert COMMAND in section, "the section names the script that makes the pictures"
    assert pictures(section) == [f"tests/readme/{name}" for name in PAGES]
    assert pictures(README.read_text(encoding="utf-8")) == pictures(section), "no other pictures of the pages"
    for name in PAGES:
        check_picture(OUT / name)
    assert sorted(path.name for path in OUT.glob("*.png")) == sorted(PAGES), "no stale pictures"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")
def test_the_script_photographs_every_page(tmp_path: Path) -> None:
    out = tmp_path / "截图"
    assert main(["--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == sorted(PAGES), "only the pictures, no leftovers"
    for name in PAGES:
        check_picture(out / name)
