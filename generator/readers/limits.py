"""The per-batch settings of reading: worker count, per-file timeout and memory cap (no heavy imports)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 1024


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def default_start_method() -> str:
    """``forkserver`` where the platform has it (Linux, macOS), else ``spawn`` (Windows)."""
    return "spawn" if sys.platform == "win32" else "forkserver"


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """``jobs`` worker processes (0: one per CPU), each file read within ``timeout_s`` and ``memory_mb``.

    ``start_method`` is how workers are started (default: :func:`default_start_method`).
    """

    jobs: int = 0
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    start_method: str = field(default_factory=default_start_method)

    @property
    def workers(self) -> int:
        return self.jobs or default_jobs()


DEADLINE_SHARE = 0.8
"""A reader that works page by page stops at this share of the per-file timeout, keeping what it read."""
_deadline = float("inf")


def start_clock(timeout_s: float) -> None:
    """Start the current file's clock (in a worker): :func:`time_is_up` says when to stop reading pages."""
    global _deadline
    _deadline = time.monotonic() + timeout_s * DEADLINE_SHARE


def time_is_up() -> bool:
    return time.monotonic() >= _deadline
