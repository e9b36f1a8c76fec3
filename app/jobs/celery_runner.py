"""The scaled job runner: Celery over Redis. Web processes only send; workers execute.

Start a worker with `celery -A app.jobs.celery_worker worker`, and beat (`... beat`, or `-B` on
one worker) for the scheduler tick. Tasks are acknowledged late and rejected when a pool child
is lost. A worker killed as a whole (SIGKILL, OOM, lost machine) cannot hand its message back
and Redis only redelivers it after the broker's visibility timeout (an hour); the job is not
waiting for that: its lease stops being renewed and the next tick re-sends it (execution.py),
and a late redelivery finds the job finished and is skipped. A message lost before a worker
took it (Redis restarted, the send failed) is re-sent by the tick once the job has waited
JOB_PICKUP_SECONDS; beat runs the tick every SCHEDULER_INTERVAL_SECONDS.

Jobs of the "heavy" lane (files kept apart from everyone else's, app/services/file_lanes.py)
go to their own queue, `<CELERY_QUEUE>.heavy`: at scale a separate worker with
`--concurrency 1` consumes it, so heavy files never wait in front of anyone's review
(one worker may also consume both queues: `-Q onewindow,onewindow.heavy`).
"""

from __future__ import annotations

import logging
import time

from celery import Celery

from app.extensions import db

log = logging.getLogger(__name__)
TASK_NAME = "onewindow.run_job"
TICK_NAME = "onewindow.tick"


def make_celery(app) -> Celery:
    """A Celery app configured from the Flask app's REDIS_URL."""
    interval = float(app.config["SCHEDULER_INTERVAL_SECONDS"])
    celery = Celery("onewindow", broker=app.config["REDIS_URL"], backend=None)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=app.config.get("CELERY_QUEUE", "onewindow"),
        broker_connection_retry_on_startup=True,
        # A Redis that takes the connection and never answers (hung, or packets dropped)
        # fails a send after REDIS_TIMEOUT_SECONDS instead of holding the request that
        # committed the job for ever; the job stays queued and the scheduler re-sends it.
        broker_connection_timeout=app.config["REDIS_TIMEOUT_SECONDS"],
        broker_transport_options={
            "socket_timeout": app.config["REDIS_TIMEOUT_SECONDS"],
            "socket_connect_timeout": app.config["REDIS_TIMEOUT_SECONDS"],
        },
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
        beat_schedule={
            "onewindow-tick": {
                "task": TICK_NAME,
                "schedule": interval,
                # a tick that waited in a busy queue past the next one is dropped, not piled up
                "options": {"expires": interval},
            }
        },
    )
    return celery


def make_worker(flask_app) -> Celery:
    """The Celery app a worker runs: `make_celery` plus the tasks, bound to `flask_app`."""
    celery = make_celery(flask_app)

    @celery.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def run_job(job_id: int, lane: str = "default") -> str:
        """Execute one job row inside the Flask app context."""
        from app.jobs.execution import execute

        with flask_app.app_context():
            try:
                status = execute(job_id, flask_app.config["JOB_MAX_ATTEMPTS"])
                if status == "queued":  # failed, will be retried
                    run_job.apply_async(
                        args=[job_id, lane],
                        queue=queue_name(flask_app, lane),
                        countdown=flask_app.config.get("JOB_RETRY_DELAY_SECONDS", 2),
                    )
                return status
            finally:
                db.session.remove()

    @celery.task(name=TICK_NAME)
    def tick() -> dict:
        """Periodic work: fire due timers, re-send stale jobs."""
        from app.services.scheduler import tick as do_tick

        with flask_app.app_context():
            try:
                return do_tick(flask_app)
            finally:
                db.session.remove()

    return celery


def queue_name(app, lane: str) -> str:
    """The Celery queue of a job lane."""
    base = app.config.get("CELERY_QUEUE", "onewindow")
    return base if lane == "default" else f"{base}.{lane}"


class CeleryRunner:
    """Sends job ids to Celery workers; `wait_idle` polls the job table."""

    def __init__(self, app):
        self.app = app
        self.celery = make_celery(app)

    def dispatch(self, job_id: int, lane: str = "default") -> None:
        """Send `job_id` to a worker of its lane's queue."""
        self.celery.send_task(TASK_NAME, args=[job_id, lane], queue=queue_name(self.app, lane))

    def wait_idle(self, timeout: float = 120) -> bool:
        """Poll until no job is queued or running (tests and the CLI)."""
        from app.models import Job, JobStatus

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.app.app_context():
                busy = db.session.execute(
                    db.select(db.func.count())
                    .select_from(Job)
                    .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                ).scalar()
                db.session.remove()
            if not busy:
                return True
            time.sleep(0.1)
        return False

    def recover(self) -> int:
        """Re-send jobs whose worker died (lease expired) or whose message was lost (not
        picked up within JOB_PICKUP_SECONDS of being sent); returns how many were sent."""
        from app.jobs.execution import pickup_window, take_jobs_to_resend

        with self.app.app_context():
            taken = take_jobs_to_resend(pickup_window(self.app))
        for sent, (job_id, lane) in enumerate(taken):
            try:
                self.dispatch(job_id, lane)
            except Exception:  # noqa: BLE001 — the broker is away: the next tick tries again
                log.warning("could not re-send job %s", job_id, exc_info=True)
                return sent
        return len(taken)
