"""Running one job: claim it, call its handler, record the outcome. Shared by all runners.

A job is claimed with a conditional UPDATE, so two workers never run it at once; a lease
lets the scheduler find jobs whose worker died mid-job and hand them out again.
"""
from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from sqlalchemy import or_, update

from app.extensions import db
from app.jobs.registry import get_handler
from app.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)


def claim(job_id: int) -> bool:
    """Mark the job running if it is queued (or its lease expired). True if we got it."""
    now = utcnow()
    res = db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .where(or_(Job.status == JobStatus.QUEUED,
                   (Job.status == JobStatus.RUNNING) & (Job.lease_until < now)))
        .values(status=JobStatus.RUNNING, started_at=now, lease_until=now + LEASE,
                attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return res.rowcount == 1


def execute(job_id: int, max_attempts: int = 3) -> str:
    """Run job `job_id` to an outcome; returns the final status value (or 'skipped')."""
    if not claim(job_id):
        return "skipped"
    job = db.session.get(Job, job_id)
    try:
        result = get_handler(job.kind)(job, **(job.payload or {}))
    except Exception as exc:  # noqa: BLE001 — a job's failure is recorded, never raised
        db.session.rollback()
        job = db.session.get(Job, job_id)
        log.warning("job %s (%s) failed: %s", job_id, job.kind, exc)
        final = job.attempts >= max_attempts
        job.status = JobStatus.FAILED if final else JobStatus.QUEUED
        job.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
        job.finished_at = utcnow() if final else None
        db.session.commit()
        if final:
            _on_final_failure(job)
        return job.status.value
    job.status = JobStatus.DONE
    job.result = result if isinstance(result, dict) else None
    job.finished_at = utcnow()
    job.error = None
    db.session.commit()
    return job.status.value


def _on_final_failure(job: Job) -> None:
    """Let the owner of the job react to a final failure (e.g. open an incident)."""
    from app.jobs.handlers import on_job_failed
    try:
        on_job_failed(job)
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("failure hook for job %s failed", job.id)


def stale_job_ids() -> list[int]:
    """Jobs queued but never dispatched, or running past their lease (the worker died)."""
    now = utcnow()
    rows = db.session.execute(
        db.select(Job.id).where(or_(
            (Job.status == JobStatus.RUNNING) & (Job.lease_until < now),
            (Job.status == JobStatus.QUEUED) & (Job.created_at < now - timedelta(minutes=2)))))
    return [r[0] for r in rows]
