"""Long work in the background: one worker thread runs the jobs in turn, their progress kept in SQLite.

Any window sees a job through the workspace, so a job goes on when the browser
is closed.  The thread is a daemon: stopping the server stops the work, and
the next server marks the job interrupted (:meth:`Workspace.interrupt_unfinished`).

A kind of job whose work can pick up where it stopped is registered with
:meth:`JobRunner.resumable`: an interrupted job of that kind is resumed by
starting the same kind of job again (reading reads only the uploads not read
yet, sending skips what the send log has, collecting what the ledger has).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from generator.errors import UserError
from generator.web.workspace import Workspace, now

Progress = Callable[[int, int], None]
Work = Callable[[Progress], str]
"""A job's work: called with a progress callback ``(done, total)``; returns its output's workspace path, or ""."""
Restart = Callable[[Any], Work]
"""The work that continues an interrupted job of one kind, made for the request asking (its session, its form)."""

log = logging.getLogger(__name__)


class JobRunner:
    """Runs submitted jobs one after another in a daemon thread."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.queue: queue.Queue[tuple[str, Work]] = queue.Queue()
        self.restarts: dict[str, Restart] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, name="rubric-forms-jobs", daemon=True)
        self.thread.start()

    def submit(self, kind: str, work: Work) -> str:
        """Queue ``work`` as a job of ``kind``; return the job's id at once."""
        job_id = self.workspace.create_job(kind)
        self.queue.put((job_id, work))
        return job_id

    def resumable(self, kind: str, restart: Restart) -> None:
        """Jobs of ``kind`` left interrupted can be resumed with the work ``restart`` makes."""
        self.restarts[kind] = restart

    def can_resume(self, kind: str) -> bool:
        return kind in self.restarts

    def resume(self, job_id: str, context: Any) -> str:
        """Start again the interrupted job ``job_id`` as a new job of its kind; return the new job's id.

        ``context`` is handed to the kind's restart (the request).  Raises :class:`UserError` when the job is not
        an interrupted one of a resumable kind, or the restart refuses (a password no longer in memory).
        """
        with self.lock:
            job = self.workspace.job(job_id)
            if job is None or job.state != "interrupted" or job.kind not in self.restarts:
                raise UserError("这个任务不能继续：它没有中断，或已经继续过了。")
            work = self.restarts[job.kind](context)
            if self.workspace.claim_interrupted(job_id) is None:
                raise UserError("这个任务不能继续：它没有中断，或已经继续过了。")
            return self.submit(job.kind, work)

    def _serve(self) -> None:
        while True:
            job_id, work = self.queue.get()
            self._run(job_id, work)

    def _run(self, job_id: str, work: Work) -> None:
        workspace = self.workspace
        workspace.update_job(job_id, state="running")

        def progress(done: int, total: int) -> None:
            workspace.update_job(job_id, done=done, total=total)

        try:
            output = work(progress)
        except UserError as exc:
            workspace.update_job(job_id, state="failed", message=str(exc), finished=now())
        except Exception as exc:  # a job's failure must show in the page, not stop the worker
            log.exception("job %s failed", job_id)
            message = f"内部错误（{type(exc).__name__}），请把终端中的错误信息告知维护人员。"
            workspace.update_job(job_id, state="failed", message=message, finished=now())
        else:
            workspace.update_job(job_id, state="done", output=output, finished=now())
