"""Read a batch of files in worker processes, each file bounded in time and memory.

Workers are started once and reused (starting a process per file would cost
more than reading the file).  Each worker is handed its next file before it
finishes the current one, so it never waits for the parent; the per-file
clock starts when the worker begins a file.  The parent waits on all workers
at once and

- kills a worker whose file takes longer than the per-file timeout, records
  one problem for that file and starts a replacement;
- records one problem for a file whose worker died (a crash, or memory
  beyond the cap on the worker's address space) and starts a replacement.

So a decompression bomb, a reference cycle or a pathological file costs at
most its timeout and never stops the batch.  The memory cap uses
``RLIMIT_AS``, where the platform has it (not on Windows).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import multiprocessing
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from generator.model.rubric import RubricSet
from generator.readers.files import file_problem, read_head
from generator.readers.formats import CONVERTED, HEAD_BYTES, Kind, sniff
from generator.readers.inputs import collect_inputs
from generator.readers.limits import BatchLimits, start_clock
from generator.readers.results import TOO_BIG, FormResult, unreadable
from generator.readers.returns import read_file

if TYPE_CHECKING:
    from generator.readers.paper import Outcome

try:
    import resource
except ImportError:  # Windows: no address-space limit, the timeout still applies
    resource = None  # type: ignore[assignment]  # the module is absent on Windows; checked before use

ReadFunction = Callable[[Path, RubricSet, str], "FormResult | Outcome"]
Progress = Callable[[int, int], None]
IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class Task:
    """One file to read: its position in the batch, its path, and how outputs name it.

    For a .doc/.wps/.rtf/.odt the batch converted, ``path`` is LibreOffice's .docx and ``kind``
    what the file was; for one it could not convert, ``failed`` says why.
    """

    index: int
    path: Path
    source: str
    kind: Kind | None = None
    failed: str | None = None


def timeout_problem(timeout_s: float) -> str:
    return f"读取超时（超过 {timeout_s:g} 秒），已停止读取；文件可能已损坏或含有异常构造的内容。"


CONVERSION_FAILED = "LibreOffice 无法转换该文件，未能读取。"
CRASH_PROBLEM = "读取该文件时读取进程异常退出（可能超出内存上限或文件内容异常），已停止读取；请让申报人重新发送。"


def _limit_memory(memory_mb: int) -> None:
    if resource is not None and memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _work(conn: Connection, rubrics: RubricSet, limits: BatchLimits, read: ReadFunction) -> None:
    """A worker's life: read the files the parent sends until it sends ``None``.

    pypdf's warnings about the quirks of a file are silenced: what matters
    reaches the user as the file's problems.
    """
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    _limit_memory(limits.memory_mb)
    while (task := conn.recv()) is not None:
        start_clock(limits.timeout_s)
        try:
            if task.kind is None and task.failed is None:
                result = read(task.path, rubrics, task.source)
            else:
                result = read_file(task.path, rubrics, task.source, task.kind, task.failed)
        except MemoryError:
            result = unreadable(task.source, TOO_BIG)
        conn.send((task.index, result))


@dataclass
class _Worker:
    """A worker process, the files handed to it (the first is the one it is reading) and its deadline."""

    process: BaseProcess
    conn: Connection
    tasks: deque[Task] = field(default_factory=deque)
    deadline: float = 0.0

    @property
    def busy(self) -> bool:
        return bool(self.tasks)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class _ProcessContext(Protocol):
    """A start method's context: typeshed types ``get_context(str)`` as BaseContext, which has no Process."""

    Process: type[BaseProcess]


@dataclass
class _Pool:
    """The running workers and the bookkeeping of one batch."""

    rubrics: RubricSet
    limits: BatchLimits
    read: ReadFunction
    on_result: Callable[[Outcome], None] | None
    results: dict[int, Outcome] = field(default_factory=dict)
    workers: list[_Worker] = field(default_factory=list)
    pending: deque[Task] = field(default_factory=deque)

    def start_worker(self) -> _Worker:
        context = multiprocessing.get_context(self.limits.start_method)
        if self.limits.start_method == "forkserver":
            context.set_forkserver_preload(["generator.readers.batch"])
        parent_end, child_end = context.Pipe()
        process = cast(_ProcessContext, context).Process(
            target=_work,
            args=(child_end, self.rubrics, self.limits, self.read),
            daemon=True,
            name="rubric-forms-reader",
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def record(self, index: int, result: Outcome) -> None:
        self.results[index] = result
        if self.on_result:
            self.on_result(result)

    def assign(self, worker: _Worker, task: Task) -> None:
        if not worker.tasks:
            worker.deadline = time.monotonic() + self.limits.timeout_s
        worker.tasks.append(task)
        with contextlib.suppress(OSError):  # a dead worker's sentinel reports it
            worker.conn.send(task)

    def replace(self, worker: _Worker, problem: str) -> None:
        """Give up on the worker's current file with ``problem``; a fresh worker takes its place.

        Files handed to the old worker but not begun go back to the front of the queue.
        """
        current = worker.tasks.popleft()
        self.record(current.index, unreadable(current.source, problem))
        self.pending.extendleft(reversed(worker.tasks))
        worker.stop()
        self.workers[self.workers.index(worker)] = self.start_worker()

    def collect(self, worker: _Worker) -> None:
        try:
            index, result = worker.conn.recv()
        except (EOFError, OSError):
            self.replace(worker, CRASH_PROBLEM)
            return
        worker.tasks.popleft()
        worker.deadline = time.monotonic() + self.limits.timeout_s
        self.record(index, result)

    def wait_for_any(self) -> None:
        """Wait until a busy worker answers, dies or runs out of time; handle each such worker."""
        busy = [w for w in self.workers if w.busy]
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        now = time.monotonic()
        for worker in busy:
            if worker.conn in ready:
                self.collect(worker)
            elif worker.process.sentinel in ready or not worker.process.is_alive():
                self.replace(worker, CRASH_PROBLEM)
            elif now >= worker.deadline:
                self.replace(worker, timeout_problem(self.limits.timeout_s))

    def run(self, tasks: Sequence[Task]) -> list[Outcome]:
        self.pending = deque(tasks)
        self.workers = [self.start_worker() for _ in range(min(self.limits.workers, len(tasks)))]
        try:
            while self.pending or any(w.busy for w in self.workers):
                for worker in self.workers:
                    while len(worker.tasks) < IN_FLIGHT and self.pending:
                        self.assign(worker, self.pending.popleft())
                self.wait_for_any()
        finally:
            self.shutdown()
        return [self.results[t.index] for t in tasks]

    def shutdown(self) -> None:
        """Let idle workers finish; kill busy ones (only after an interruption) and stragglers."""
        for worker in self.workers:
            if not worker.busy:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            else:
                worker.process.kill()
        deadline = time.monotonic() + 2.0
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def read_batch(
    paths: Sequence[tuple[Path, str]],
    rubrics: RubricSet,
    limits: BatchLimits | None = None,
    on_result: Callable[[Outcome], None] | None = None,
    read: ReadFunction | None = None,
    trust_roots: Sequence[bytes] = (),
) -> list[Outcome]:
    """Read every ``(path, source)`` in worker processes; one outcome per file, in input order.

    A path that is no regular file (a pipe, a device, a broken link: see
    :func:`~generator.readers.files.file_problem`) is a problem result at
    once, never handed to a worker.  ``on_result`` is called in the parent
    as each file finishes (for a progress bar); ``read`` is the per-file
    function run in the workers (default: :func:`~generator.readers.returns.read_file` checking
    electronic seals against ``trust_roots``, DER certificates).
    """
    reader = read or functools.partial(read_file, trust_roots=tuple(trust_roots))
    pool = _Pool(rubrics, limits or BatchLimits(), reader, on_result)
    tasks: list[Task] = []
    for index, (path, source) in enumerate(paths):
        problem = file_problem(path)
        if problem is None:
            tasks.append(Task(index, path, source))
        else:  # a worker could block opening it
            pool.record(index, unreadable(source, problem))
    if tasks:
        with tempfile.TemporaryDirectory(prefix="rubric-forms-convert-") as work:
            pool.run(convert_legacy(tasks, Path(work), pool.limits.timeout_s))
    return [pool.results[index] for index in range(len(paths))]


def convert_legacy(tasks: Sequence[Task], work: Path, timeout_s: float) -> list[Task]:
    """The tasks, each .doc/.wps/.rtf/.odt among them converted to .docx in one LibreOffice run."""
    kinds = {task.index: sniff(read_head(task.path, HEAD_BYTES), task.path.name) for task in tasks}
    legacy = [task for task in tasks if kinds[task.index] in CONVERTED]
    if not legacy:
        return list(tasks)
    from generator.readers.convert import convert_to_docx

    conversions = convert_to_docx([task.path for task in legacy], work, timeout_s)
    converted = {
        task.index: dataclasses.replace(task, path=done.converted, kind=kinds[task.index])
        if done.converted is not None
        else dataclasses.replace(task, failed=done.problem or CONVERSION_FAILED)
        for task, done in zip(legacy, conversions, strict=True)
    }
    return [converted.get(task.index, task) for task in tasks]


def read_returns(
    paths: Sequence[Path],
    rubrics: RubricSet,
    limits: BatchLimits | None = None,
    on_progress: Progress | None = None,
    skip: Path | None = None,
    trust_roots: Sequence[bytes] = (),
) -> list[FormResult]:
    """Read every returned file in ``paths`` (files, and folders searched recursively): one result per
    electronic return, per paper application (scans grouped, keyed values applied, paper and
    electronic returns of one application joined: :func:`~generator.readers.paper.combine`) and per
    file or page that could not be read.

    ``on_progress(done, total)`` is called as each file finishes; ``skip`` is
    a folder not to search (a run's own output folder); ``trust_roots`` the root certificates (DER)
    electronic seals are checked against (none: the chain is not checked, and the results say so).  Raises
    :class:`~generator.readers.inputs.InputError` when a path does not exist
    or no file is found; a file that cannot be read is a result with a problem.
    """
    files = collect_inputs(paths, skip)
    done = 0

    def count(_: Outcome) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, len(files))

    outcomes = read_batch(files, rubrics, limits, count, trust_roots=trust_roots)
    from generator.readers.paper import combine

    return combine(outcomes, rubrics)
