"""The scaled job runner: Celery over Redis. Web processes only send; workers execute.

Start a worker with `celery -A app.jobs.celery_worker worker`. Tasks are acknowledged late
and rejected when a worker is lost, so a worker killed mid-job leaves the job to another.
"""
from __future__ import annotations

import time

from celery import Celery

from app.extensions import db

TASK_NAME = "onewindow.run_job"


def make_celery(app) -> Celery:
    """A Celery app configured from the Flask app's REDIS_URL."""
    celery = Celery("onewindow", broker=app.config["REDIS_URL"], backend=None)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=app.config.get("CELERY_QUEUE", "onewindow"),
        broker_connection_retry_on_startup=True,
        beat_schedule={"onewindow-tick": {"task": "onewindow.tick",
                                          "schedule": float(app.config["SCHEDULER_INTERVAL_SECONDS"])}},
    )
    return celery


class CeleryRunner:
    """Sends job ids to Celery workers; `wait_idle` polls the job table."""

    def __init__(self, app):
        self.app = app
        self.celery = make_celery(app)

    def dispatch(self, job_id: int) -> None:
        """Send `job_id` to a worker."""
        self.celery.send_task(TASK_NAME, args=[job_id])

    def wait_idle(self, timeout: float = 120) -> bool:
        """Poll until no job is queued or running (tests and the CLI)."""
        from app.models import Job, JobStatus
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.app.app_context():
                busy = db.session.execute(db.select(db.func.count()).select_from(Job).where(
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))).scalar()
                db.session.remove()
            if not busy:
                return True
            time.sleep(0.1)
        return False

    def recover(self) -> int:
        """Re-send jobs whose worker died (lease expired) or that were never sent."""
        from app.jobs.execution import stale_job_ids
        with self.app.app_context():
            ids = stale_job_ids()
        for job_id in ids:
            self.dispatch(job_id)
        return len(ids)
