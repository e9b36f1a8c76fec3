"""The embedded job runner: a small thread pool inside the web process (no Redis needed).

Files are read (OCR, previews) in bounded worker processes (`services.file_workers`), so
threads are enough for parallelism here. Each job lane has its own threads: JOB_WORKERS for
"default", HEAVY_JOB_WORKERS for "heavy" (files kept apart from everyone else's), so a
queue of heavy files never delays a default job. On start the runner picks up jobs left
queued or running by a previous process.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from app.extensions import db

log = logging.getLogger(__name__)


class InProcessRunner:
    """Runs jobs in a ThreadPoolExecutor per lane, each job in its own app context and DB
    session."""

    def __init__(self, app):
        self.app = app
        self.pools = {
            "default": ThreadPoolExecutor(
                max_workers=app.config["JOB_WORKERS"], thread_name_prefix="onewindow-job"
            ),
            "heavy": ThreadPoolExecutor(
                max_workers=app.config["HEAVY_JOB_WORKERS"],
                thread_name_prefix="onewindow-heavy-job",
            ),
        }
        self._lock = threading.Lock()
        self._inflight = 0
        self._held: Counter = Counter()  # job id -> how many of its dispatches are in the pool
        self._idle = threading.Condition(self._lock)
        self._stopped = False

    def dispatch(self, job_id: int, lane: str = "default") -> None:
        """Queue `job_id` for a worker thread of its lane. After `shutdown` (a CLI command
        ending) the job stays queued in the database: the next process's `recover` runs it."""
        with self._lock:
            if self._stopped:
                log.info("job %s stays queued: this process's job runner has stopped", job_id)
                return
            self._inflight += 1
            self._held[job_id] += 1
        try:
            self.pools[lane].submit(self._run, job_id, lane)
        except RuntimeError:  # the interpreter is exiting: thread pools take no more work
            self._release(job_id)
            log.info("job %s stays queued: this process is exiting", job_id)

    def _run(self, job_id: int, lane: str) -> None:
        from app.jobs.execution import execute

        try:
            with self.app.app_context():
                status = execute(job_id, self.app.config["JOB_MAX_ATTEMPTS"])
                if status == "queued":  # failed but will be retried
                    self.dispatch(job_id, lane)
                db.session.remove()
        except Exception:  # noqa: BLE001
            log.exception("job runner crashed on job %s", job_id)
        finally:
            self._release(job_id)

    def _release(self, job_id: int) -> None:
        """One dispatch of `job_id` has left the pool (run, or refused by it)."""
        with self._lock:
            self._inflight -= 1
            self._held[job_id] -= 1
            if not self._held[job_id]:
                del self._held[job_id]
            if self._inflight == 0:
                self._idle.notify_all()

    @property
    def stopped(self) -> bool:
        """Whether `shutdown` was called: jobs dispatched now stay queued for the next process."""
        return self._stopped

    def shutdown(self, wait: bool = True) -> None:
        """Stop every lane's threads (after their jobs, with `wait`)."""
        with self._lock:
            self._stopped = True
        for pool in self.pools.values():
            pool.shutdown(wait=wait)

    def wait_idle(self, timeout: float = 120) -> bool:
        """Block until no job is running or queued here (used by tests and the CLI)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout=timeout)

    def recover(self) -> int:
        """Dispatch jobs a previous process left behind, or whose worker died, or that were
        lost (not picked up within JOB_PICKUP_SECONDS); returns how many. Jobs waiting in
        this pool are not lost, however long the queue."""
        from app.jobs.execution import pickup_window, take_jobs_to_resend

        with self._lock:
            held = set(self._held)
        taken = take_jobs_to_resend(pickup_window(self.app), held)
        for job_id, lane in taken:
            self.dispatch(job_id, lane)
        return len(taken)
