"""Word files printed by LibreOffice, as a user without Word sees them.

SimSun is not on a Linux machine; the fontconfig file below makes the
project's own bundled Noto Serif SC stand in for it (as a Word user's own
Chinese font does), so LibreOffice prints the forms the same way here and on
a CI machine without any Chinese font.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pylopdf_fonts_zh_cn
import pytest

from generator.writers.docx.fonts import SONG

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
BUNDLED_FACES = {SONG.name: "Noto Serif SC"}
"""What stands in for the named faces when LibreOffice prints: the project's own bundled font."""


def chinese_fonts_config(directory: Path) -> Path:
    """A fontconfig file: the machine's fonts, plus the bundled Noto face standing in for SimSun."""
    aliases = "".join(
        f'<alias binding="same"><family>{named}</family><prefer><family>{face}</family></prefer></alias>'
        for named, face in BUNDLED_FACES.items()
    )
    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(pylopdf_fonts_zh_cn.__file__).parent}</dir>{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return config


def print_with_libreoffice(documents: Iterable[Path], out: Path, profile: Path) -> dict[Path, Path]:
    """Convert the documents to PDF with LibreOffice in one call; map each to its PDF."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    paths = [str(path) for path in documents]
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
    env = os.environ | {"FONTCONFIG_FILE": str(chinese_fonts_config(profile))}
    subprocess.run([*command, "--outdir", str(out), *paths], check=True, capture_output=True, timeout=300, env=env)
    return {Path(path): out / f"{Path(path).stem}.pdf" for path in paths}
