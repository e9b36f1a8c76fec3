"""Background jobs: rows in the `job` table, executed by Celery (Redis) or an in-process pool.

Services call `enqueue(kind, **payload)` inside their transaction; the job is handed to the
runner only after that transaction commits, so a worker never sees a job whose data is not
there yet, and a rolled-back request leaves no job behind.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.registry import get_handler, handler  # noqa: F401
from app.models import Job

_PENDING_KEY = "onewindow_pending_jobs"


def enqueue(kind: str, **payload) -> Job:
    """Add a job to the current transaction; it is dispatched once the transaction commits."""
    get_handler(kind)  # unknown kinds fail at the call site, not in a worker
    job = Job(kind=kind, payload=payload)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        from flask import current_app

        runner = current_app.extensions["onewindow_jobs"]
        for job_id in ids:
            runner.dispatch(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_PENDING_KEY, None)


def init_jobs(app) -> None:
    """Choose the runner: Celery when REDIS_URL is set, otherwise the in-process pool."""
    from app.jobs import handlers  # noqa: F401  (registers the job handlers)

    if app.config.get("REDIS_URL"):
        from app.jobs.celery_runner import CeleryRunner

        runner = CeleryRunner(app)
    else:
        from app.jobs.inprocess import InProcessRunner

        runner = InProcessRunner(app)
    app.extensions["onewindow_jobs"] = runner


def runner_for(app):
    """The job runner bound to `app`."""
    return app.extensions["onewindow_jobs"]
