"""Shared fixtures: the bundled rubrics and the official seed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.loader import load
from generator.model import RubricSet

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def rubric_set() -> RubricSet:
    return load(ROOT / "rubrics.toml")


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (FIXTURES / "seed.txt").read_text(encoding="utf-8")
