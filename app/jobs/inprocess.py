"""The embedded job runner: a small thread pool inside the web process (no Redis needed).

Files are read (OCR, previews) in bounded worker processes (`services.file_workers`), so
threads are enough for parallelism here. On start
the runner picks up jobs left queued or running by a previous process.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from app.extensions import db

log = logging.getLogger(__name__)


class InProcessRunner:
    """Runs jobs in a ThreadPoolExecutor, each in its own app context and DB session."""

    def __init__(self, app):
        self.app = app
        self.pool = ThreadPoolExecutor(
            max_workers=app.config["JOB_WORKERS"], thread_name_prefix="onewindow-job"
        )
        self._lock = threading.Lock()
        self._inflight = 0
        self._held: Counter = Counter()  # job id -> how many of its dispatches are in the pool
        self._idle = threading.Condition(self._lock)

    def dispatch(self, job_id: int) -> None:
        """Queue `job_id` for a worker thread."""
        with self._lock:
            self._inflight += 1
            self._held[job_id] += 1
        self.pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        from app.jobs.execution import execute

        try:
            with self.app.app_context():
                status = execute(job_id, self.app.config["JOB_MAX_ATTEMPTS"])
                if status == "queued":  # failed but will be retried
                    self.dispatch(job_id)
                db.session.remove()
        except Exception:  # noqa: BLE001
            log.exception("job runner crashed on job %s", job_id)
        finally:
            with self._lock:
                self._inflight -= 1
                self._held[job_id] -= 1
                if not self._held[job_id]:
                    del self._held[job_id]
                if self._inflight == 0:
                    self._idle.notify_all()

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
        ids = take_jobs_to_resend(pickup_window(self.app), held)
        for job_id in ids:
            self.dispatch(job_id)
        return len(ids)
