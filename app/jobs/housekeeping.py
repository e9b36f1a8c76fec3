"""Finished job rows are deleted after a while, a batch at a time, by the scheduler's round.

A case leaves about seven finished jobs behind (file reviews, the auto-review, the
certificate's signing, notifications), each with its payload and result: a city's table
would grow by millions of rows a year, and nothing reads a finished job once its result is
on the case. Done jobs are kept `JOB_KEEP_DAYS` (30), failed ones `JOB_KEEP_FAILED_DAYS`
(365: an incident names the job that failed, and its error is in the row). A queued or
running job is never touched. Each round deletes at most `BATCH` rows of each status,
oldest first, read from `ix_job_finished_at` (by status and finish time, migration 0035),
so that a first run on a large table spreads over many rounds instead of holding one long
transaction.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, union_all

from app import uow
from app.extensions import db
from app.models import Job, JobStatus, utcnow

BATCH = 2000


@uow.use_case
def delete_finished_jobs(now=None, limit: int = BATCH) -> int:
    """Delete the done jobs finished more than JOB_KEEP_DAYS ago and the failed ones finished
    more than JOB_KEEP_FAILED_DAYS ago, oldest first, at most `limit` of each; returns how
    many. Each status is read from its own range of the index, so the failed jobs still
    kept are never walked over."""
    now = now or utcnow()
    cfg = current_app.config
    keep = {
        JobStatus.DONE: float(cfg["JOB_KEEP_DAYS"]),
        JobStatus.FAILED: float(cfg["JOB_KEEP_FAILED_DAYS"]),
    }
    oldest = [
        select(Job.id)
        .where(Job.status == status, Job.finished_at < now - timedelta(days=days))
        .order_by(Job.finished_at)
        .limit(limit)
        .subquery()
        for status, days in keep.items()
    ]
    ids = list(db.session.execute(union_all(*(select(sub.c.id) for sub in oldest))).scalars())
    if ids:
        db.session.execute(
            delete(Job).where(Job.id.in_(ids)).execution_options(synchronize_session=False)
        )
    return len(ids)
