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


def _job_row(**columns) -> int:
    """A job row written directly: no runner was told about it (its message is lost)."""
    job = Job(kind="ping", payload={}, **columns)
    db.session.add(job)
    db.session.commit()
    return job.id


def _forget_queued_jobs() -> None:
    """Jobs this test kept away from the runner must not keep the next test waiting."""
    db.session.rollback()
    db.session.execute(db.delete(Job).where(Job.status == JobStatus.QUEUED))
    db.session.commit()


def test_a_queued_job_whose_message_was_lost_is_sent_again_by_the_next_tick(empty_db, wait_jobs):
    from datetime import timedelta

    from app.models import utcnow
    from app.services.scheduler import tick

    pickup = timedelta(seconds=empty_db.config["JOB_PICKUP_SECONDS"])
    job_id = _job_row(dispatched_at=utcnow() - 2 * pickup)
    assert tick(empty_db)["jobs_recovered"] == 1
    wait_jobs(60)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.redispatches == 1  # the re-send is recorded on the job


def test_a_job_dispatched_a_moment_ago_is_not_sent_again(empty_db, monkeypatch):
    from datetime import timedelta

    from app import uow
    from app.jobs.queue import runner_for
    from app.models import utcnow
    from app.services.scheduler import tick

    sent: list[int] = []
    monkeypatch.setattr(  # nothing runs
        runner_for(empty_db), "dispatch", lambda job_id, lane="default": sent.append(job_id)
    )
    pickup = timedelta(seconds=empty_db.config["JOB_PICKUP_SECONDS"])
    try:
        fresh = jobs.enqueue("ping").id
        uow.commit()
        assert sent == [fresh]  # handed to the runner at commit, and the time noted
        assert db.session.get(Job, fresh).dispatched_at > utcnow() - pickup
        lost = _job_row(dispatched_at=utcnow() - 2 * pickup)
        tick(empty_db)
        tick(empty_db)  # the next tick, a moment later
        assert sent == [fresh, lost]  # the lost one once; the fresh one not again
        db.session.expire_all()
        assert [db.session.get(Job, i).redispatches for i in (fresh, lost)] == [0, 1]
    finally:
        _forget_queued_jobs()


def test_a_job_sent_again_before_waits_longer_each_time_and_held_jobs_are_not_lost(empty_db):
    from datetime import timedelta

    from app.jobs.execution import take_jobs_to_resend
    from app.models import utcnow

    pickup = timedelta(seconds=10)
    now = utcnow()
    try:
        once = _job_row(dispatched_at=now - 1.5 * pickup, redispatches=1)  # due at 2 × pickup
        twice = _job_row(dispatched_at=now - 4.5 * pickup, redispatches=2)  # due at 4 × pickup
        held = _job_row(dispatched_at=now - 5 * pickup)  # waiting in the caller's own pool
        running = _job_row(
            status=JobStatus.RUNNING,
            attempts=1,
            lease_until=now - timedelta(seconds=1),
            dispatched_at=now - 5 * pickup,
        )
        assert take_jobs_to_resend(pickup, held={held}) == [
            (twice, "default"),
            (running, "default"),
        ]
        assert take_jobs_to_resend(pickup, held={held}) == []  # just marked as sent
        db.session.expire_all()
        assert db.session.get(Job, once).redispatches == 1  # left alone
    finally:
        db.session.execute(db.delete(Job))
        db.session.commit()


def test_a_send_that_fails_after_the_commit_keeps_the_use_case_and_the_job(empty_db, monkeypatch):
    from app import uow
    from app.jobs.queue import runner_for

    def broker_unreachable(job_id, lane="default"):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(runner_for(empty_db), "dispatch", broker_unreachable)
    try:
        job_id = jobs.enqueue("ping").id
        uow.commit()  # no error: the change is committed, the job waits for the tick
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.QUEUED and job.dispatched_at is not None
    finally:
        _forget_queued_jobs()


def test_a_job_queued_while_the_interpreter_exits_waits_for_the_next_process(empty_db, caplog):
    """At interpreter exit Python shuts every thread pool down before the runner hears of it
    (`make run`'s demo loader printed "cannot schedule new futures after shutdown" with a
    traceback when a job's commit queued the next job then): the job stays queued, counted
    out of flight, and no traceback is printed."""
    from app.jobs.inprocess import InProcessRunner

    runner = InProcessRunner(empty_db)
    for pool in runner.pools.values():
        pool.shutdown(wait=True)  # what the interpreter's exit does, without runner.shutdown
    with caplog.at_level("INFO", logger="app.jobs.inprocess"):
        runner.dispatch(123456)
    assert runner.wait_idle(timeout=1)
    assert not [r for r in caplog.records if r.exc_info]
    assert any("stays queued" in r.getMessage() for r in caplog.records)


def test_a_job_queued_after_the_runner_stopped_waits_for_the_next_process(empty_db, caplog):
    """A CLI command (the demo loader) shuts its runner down while a last use case's commit
    still queues a job: the job stays queued for the next process, with no traceback."""
    from app import uow
    from app.jobs.inprocess import InProcessRunner

    runner = InProcessRunner(empty_db)
    runner.shutdown(wait=True)
    runner.dispatch(123456)  # would raise "cannot schedule new futures after shutdown"
    assert runner.wait_idle(timeout=1)  # nothing counted as in flight
    if os.environ.get("REDIS_URL"):
        return  # the app's runner is Celery's here; the embedded runner was checked above
    from app.jobs.queue import runner_for

    app_runner = runner_for(empty_db)
    app_runner.shutdown(wait=True)
    try:
        with caplog.at_level("WARNING"):
            job_id = jobs.enqueue("ping").id
            uow.commit()
        assert not [r for r in caplog.records if r.exc_info]  # no traceback printed
        db.session.expire_all()
        assert db.session.get(Job, job_id).status == JobStatus.QUEUED
    finally:
        _forget_queued_jobs()
        app_runner.__init__(empty_db)  # the fixture's app keeps a working runner
