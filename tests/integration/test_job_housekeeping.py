"""Old finished jobs are deleted by the scheduler's round: done ones after JOB_KEEP_DAYS,
failed ones after JOB_KEEP_FAILED_DAYS, oldest first and a batch of each at a time; queued and
running jobs never, however old."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.jobs import housekeeping
from app.models import Job, JobStatus, utcnow
from app.services import scheduler


def _job(status: JobStatus, *, finished_days_ago: float | None, created_days_ago: float = 500):
    now = utcnow()
    job = Job(
        kind="ping",
        payload={},
        status=status,
        created_at=now - timedelta(days=created_days_ago),
        finished_at=None if finished_days_ago is None else now - timedelta(days=finished_days_ago),
        dispatched_at=now,  # handed to its runner just now: the round does not re-send it
    )
    db.session.add(job)
    db.session.flush()
    return job.id


def _left() -> set[int]:
    return set(db.session.execute(db.select(Job.id)).scalars())


def test_old_finished_jobs_go_and_the_rest_stay(app, empty_db):
    with app.app_context():
        done_old = _job(JobStatus.DONE, finished_days_ago=40)
        done_older = _job(JobStatus.DONE, finished_days_ago=45)
        done_recent = _job(JobStatus.DONE, finished_days_ago=10)
        failed_recent = _job(JobStatus.FAILED, finished_days_ago=40)  # kept a year
        failed_old = _job(JobStatus.FAILED, finished_days_ago=400)
        queued = _job(JobStatus.QUEUED, finished_days_ago=None)
        running = _job(JobStatus.RUNNING, finished_days_ago=None)
        db.session.commit()

        # a batch of each status at a time, oldest first
        assert housekeeping.delete_finished_jobs(limit=1) == 2
        assert _left() == {done_old, done_recent, failed_recent, queued, running}
        db.session.remove()

        assert scheduler.tick(app)["finished_jobs_deleted"] == 1
        assert _left() == {done_recent, failed_recent, queued, running}
        assert scheduler.tick(app)["finished_jobs_deleted"] == 0
        assert failed_old not in _left() and done_older not in _left()


def test_the_keeping_times_come_from_the_settings(app, empty_db, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_KEEP_DAYS", 5)
    monkeypatch.setitem(app.config, "JOB_KEEP_FAILED_DAYS", 20)
    with app.app_context():
        done = _job(JobStatus.DONE, finished_days_ago=10)
        failed_kept = _job(JobStatus.FAILED, finished_days_ago=10)
        failed = _job(JobStatus.FAILED, finished_days_ago=30)
        db.session.commit()
        assert housekeeping.delete_finished_jobs() == 2
        assert _left() == {failed_kept}
        assert done not in _left() and failed not in _left()
