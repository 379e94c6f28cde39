"""Shared fixtures: the bundled rubrics and the official seed text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.model.loader import load
from generator.model.rubric import RubricSet

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def rubric_set() -> RubricSet:
    return load(ROOT / "rubrics.toml")


@pytest.fixture
def chinese_workdir(tmp_path: Path) -> Iterator[Path]:
    """A working folder with a Chinese name and a space, as the current directory for the test."""
    folder = tmp_path / "评审 工作"
    folder.mkdir()
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (FIXTURES / "seed.txt").read_text(encoding="utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """With RUBRIC_FORMS_REQUIRE_TOOLS=1 (set by CI), a test skipped for a missing program fails instead."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("RUBRIC_FORMS_REQUIRE_TOOLS") == "1":
        report.outcome = "failed"
        report.longrepr = f"RUBRIC_FORMS_REQUIRE_TOOLS=1 but the test was skipped: {report.longrepr}"
