"""Background jobs run outside the request: in-process pool by default, Celery with Redis."""

from __future__ import annotations

import os

from app.extensions import db
from app.jobs import queue as jobs
from app.models import Job, JobStatus


def test_job_is_dispatched_after_commit_and_runs_on_the_configured_runner(ctx, wait_jobs):
    job = jobs.enqueue("ping")
    job_id = job.id
    db.session.commit()
    wait_jobs(60)
    db.session.expire_all()
    done = db.session.get(Job, job_id)
    assert done.status == JobStatus.DONE and done.attempts == 1
    if os.environ.get("REDIS_URL"):
        assert done.result["pid"] != os.getpid()  # a real Celery worker process ran it
    else:
        assert done.result["pid"] == os.getpid()  # the in-process pool


def test_a_rolled_back_transaction_leaves_no_job(ctx, wait_jobs):
    jobs.enqueue("ping")
    db.session.rollback()
    wait_jobs(30)
    assert db.session.execute(db.select(db.func.count()).select_from(Job)).scalar() == 0


def test_a_job_whose_worker_died_is_handed_out_again(ctx, wait_jobs):
    from datetime import timedelta

    from app.jobs.queue import runner_for
    from app.models import utcnow

    job = Job(
        kind="ping",
        payload={},
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=utcnow() - timedelta(hours=1),
        lease_until=utcnow() - timedelta(minutes=1),
    )
    db.session.add(job)
    db.session.commit()
    assert runner_for(ctx).recover() == 1
    wait_jobs(60)
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert again.status == JobStatus.DONE and again.attempts == 2


def test_unknown_job_kinds_fail_at_the_call_site(ctx):
    import pytest

    with pytest.raises(KeyError):
        jobs.enqueue("no_such_job")
