"""Where the project's bundled files live."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUBRICS = PROJECT_ROOT / "rubrics.toml"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
DEFAULT_OUTPUT = Path("output")
