"""Long work in the background: one worker thread runs the jobs in turn, their progress kept in SQLite.

Any window sees a job through the workspace, so a job goes on when the browser
is closed.  The thread is a daemon: stopping the server stops the work, and
the next server marks the job interrupted (:meth:`Workspace.interrupt_unfinished`).

A kind of job whose work can pick up where it stopped is registered with
:meth:`JobRunner.resumable`: an interrupted or cancelled job of that kind is
resumed by starting the same kind of job again (reading reads only the uploads
not read yet, sending skips what the send log has, collecting what the ledger
has).

A job is cancelled (:meth:`JobRunner.cancel`) at once while it waits in the
queue, and at its next progress report while it runs: the report raises
:class:`Cancelled` inside the work, which unwinds through the library's own
clean-up (worker processes stopped, send logs closed) with what was done kept.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from generator.errors import UserError
from generator.web.workspace import CANCELLED, STOPPED, Workspace, now

Progress = Callable[[int, int], None]
Work = Callable[[Progress], str]
"""A job's work: called with a progress callback ``(done, total)``; returns its output's workspace path, or ""."""
Restart = Callable[[Any], Work]
"""The work that continues an interrupted job of one kind, made for the request asking (its session, its form)."""

log = logging.getLogger(__name__)
REFUSED = "这个任务不能继续：它没有中断或取消，或已经继续过了。"


class Cancelled(Exception):
    """Raised by a job's progress callback once the job has been asked to stop."""


class JobRunner:
    """Runs submitted jobs one after another in a daemon thread."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.queue: queue.Queue[tuple[str, Work]] = queue.Queue()
        self.restarts: dict[str, Restart] = {}
        self.pages: dict[str, str] = {}
        """The page each resumable kind of job shows on, where resuming one goes back to."""
        self.stopping: set[str] = set()
        """Running jobs asked to stop; their next progress report raises :class:`Cancelled`."""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, name="rubric-forms-jobs", daemon=True)
        self.thread.start()

    def submit(self, kind: str, work: Work) -> str:
        """Queue ``work`` as a job of ``kind``; return the job's id at once."""
        job_id = self.workspace.create_job(kind)
        self.queue.put((job_id, work))
        return job_id

    def resumable(self, kind: str, restart: Restart, page: str) -> None:
        """Jobs of ``kind`` left interrupted or cancelled can be resumed with the work ``restart`` makes;
        ``page`` is where such a job shows."""
        self.restarts[kind] = restart
        self.pages[kind] = page

    def resume(self, job_id: str, context: Any) -> str:
        """Start again the stopped job ``job_id`` as a new job of its kind; return the new job's id.

        ``context`` is handed to the kind's restart (the request).  Raises :class:`UserError` when the job is not
        an interrupted or cancelled one of a resumable kind, or the restart refuses (a password no longer in memory).
        """
        with self.lock:
            job = self.workspace.job(job_id)
            if job is None or job.state not in STOPPED or job.kind not in self.restarts:
                raise UserError(REFUSED)
            work = self.restarts[job.kind](context)
            if self.workspace.claim_stopped(job_id) is None:
                raise UserError(REFUSED)
            return self.submit(job.kind, work)

    def cancel(self, job_id: str) -> None:
        """Stop the job ``job_id``: at once when it waits, at its next progress report when it runs.

        Raises :class:`UserError` when the job is over (done, failed or stopped already).
        """
        with self.lock:
            if self.workspace.cancel_queued(job_id):
                return
            if not self.workspace.mark_cancelling(job_id):
                raise UserError("这个任务已经结束，不需要取消。")
            self.stopping.add(job_id)

    def _serve(self) -> None:
        while True:
            job_id, work = self.queue.get()
            if self.workspace.start_job(job_id):
                self._run(job_id, work)

    def _run(self, job_id: str, work: Work) -> None:
        workspace = self.workspace

        def progress(done: int, total: int) -> None:
            if job_id in self.stopping:
                raise Cancelled
            workspace.update_job(job_id, done=done, total=total)

        try:
            output = work(progress)
        except Cancelled:
            workspace.update_job(job_id, state="cancelled", message=CANCELLED, finished=now())
        except UserError as exc:
            workspace.update_job(job_id, state="failed", message=str(exc), finished=now())
        except Exception as exc:  # a job's failure must show in the page, not stop the worker
            log.exception("job %s failed", job_id)
            message = f"内部错误（{type(exc).__name__}），请把终端中的错误信息告知维护人员。"
            workspace.update_job(job_id, state="failed", message=message, finished=now())
        else:
            workspace.update_job(job_id, state="done", output=output, message="", finished=now())
        finally:
            with self.lock:
                self.stopping.discard(job_id)
