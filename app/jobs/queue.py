"""The job queue: rows in the `job` table, handed to a runner after the transaction commits.

This is the low-level end of the jobs package: services (and the reactions to case events)
call `enqueue(kind, **payload)` inside their unit of work; the job is dispatched only after
that transaction commits, so a worker never sees a job whose data is not there yet, and a
rolled-back use case leaves no job behind. A send that fails after the commit (the broker
is unreachable) does not fail the use case: the job stays queued and the scheduler's tick
re-sends it. It imports no handler, runner or service.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.registry import get_handler
from app.models import Job, utcnow

log = logging.getLogger(__name__)

_PENDING_KEY = "onewindow_pending_jobs"
_RUNNER_KEY = "onewindow_jobs"


LANES = ("default", "heavy")
_RESTAMP_AFTER = timedelta(seconds=1)


def enqueue(kind: str, *, lane: str = "default", **payload) -> Job:
    """Add a job to the current transaction; it is dispatched once the transaction commits,
    to the runner's `lane` ("heavy": files that ask for far more work than a document, kept
    apart so that they hold up nobody else; see app/services/file_lanes.py)."""
    get_handler(kind)  # unknown kinds fail at the call site, not in a worker
    if lane not in LANES:
        raise ValueError(f"unknown job lane {lane!r}")
    stamped = utcnow()  # the dispatch time, written with the row (see _stamp_dispatch_time)
    job = Job(kind=kind, payload=payload, lane=lane, dispatched_at=stamped)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append((job.id, lane, stamped))
    return job


def set_runner(app, runner) -> None:
    """Bind the runner (in-process pool or Celery) that `app`'s committed jobs go to."""
    app.extensions[_RUNNER_KEY] = runner


def runner_for(app):
    """The job runner bound to `app`."""
    return app.extensions[_RUNNER_KEY]


@event.listens_for(Session, "before_commit")
def _stamp_dispatch_time(session):
    """The jobs of this transaction are handed to the runner as it commits: their dispatch
    time (the scheduler re-sends a job still queued JOB_PICKUP_SECONDS after it) is the
    commit's. `enqueue` wrote it with the row; it is written again only for the jobs of a
    transaction that ran for longer than `_RESTAMP_AFTER` (one UPDATE less per use case)."""
    now = utcnow()
    late = [
        job_id
        for job_id, _, stamped in session.info.get(_PENDING_KEY, ())
        if now - stamped > _RESTAMP_AFTER
    ]
    if late:
        session.execute(
            update(Job)
            .where(Job.id.in_(late))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        runner = runner_for(current_app)
        for job_id, lane, _ in pending:
            try:
                runner.dispatch(job_id, lane)
            except Exception:  # noqa: BLE001 — committed; the scheduler re-sends it
                log.warning(
                    "job %s could not be handed to its runner; the scheduler re-sends it",
                    job_id,
                    exc_info=True,
                )


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
