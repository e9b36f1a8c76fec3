"""A job attempt that lost its lease leaves no trace of its handler's writes: not the rows it
wrote, not the events it recorded, not the jobs it queued (app/jobs/execution.py)."""

from __future__ import annotations

from sqlalchemy import update

from app import uow
from app.extensions import db
from app.jobs import queue
from app.jobs.execution import execute
from app.jobs.registry import handler
from app.models import Holiday, Job, JobStatus
from app.services import holidays

SEEN: list = []


@handler("test_write_then_lose_lease")
def _write_then_lose_lease(job: Job, takeover: bool) -> dict:
    """While it runs (when asked) another worker takes the job over, as the scheduler does
    when a lease expires; the handler goes on to write a row, record an event and queue a
    job. (The takeover comes first only because SQLite lets one connection write at a time.)"""
    if takeover:
        with db.engine.begin() as conn:  # the other worker's claim, on its own connection
            conn.execute(update(Job).where(Job.id == job.id).values(attempts=Job.attempts + 1))
    holidays.save_day("2031-05-01", "written by the handler", False)  # a use case: joins, no commit
    uow.record("handler event")
    queue.enqueue("ping")
    return {"ok": True}


def _run(takeover: bool):
    previous = uow._reactor
    uow.set_reactor(SEEN.append)
    try:
        job = Job(kind="test_write_then_lose_lease", payload={"takeover": takeover})
        db.session.add(job)
        db.session.commit()
        status = execute(job.id, max_attempts=3)
    finally:
        uow.set_reactor(previous)
    db.session.expire_all()
    holidays = db.session.execute(db.select(db.func.count()).select_from(Holiday)).scalar()
    pings = db.session.execute(
        db.select(db.func.count()).select_from(Job).where(Job.kind == "ping")
    ).scalar()
    return status, holidays, pings, db.session.get(Job, job.id)


def test_an_attempt_that_lost_its_lease_leaves_no_trace(empty_db):
    SEEN.clear()
    status, holidays, pings, job = _run(takeover=True)
    assert status == "lost"
    assert holidays == 0 and pings == 0  # neither its row nor the job it queued
    assert job.status == JobStatus.RUNNING and job.attempts == 2  # the new holder's
    # published into the transaction that was rolled back (the holiday's audit record too)
    assert [getattr(e, "action", e) for e in SEEN] == ["admin_change", "handler event"]


def test_the_attempt_that_holds_the_lease_commits_its_writes_with_done(empty_db, wait_jobs):
    SEEN.clear()
    status, holidays, pings, job = _run(takeover=False)
    assert status == "done" and job.status == JobStatus.DONE
    assert holidays == 1 and pings == 1
    assert [getattr(e, "action", e) for e in SEEN] == ["admin_change", "handler event"]
    wait_jobs(60)
