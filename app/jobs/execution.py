"""Running one job: claim it, call its handler, record the outcome. Shared by all runners.

A job is claimed with a conditional UPDATE, so two workers never run it at once. The claim
takes a short lease that a heartbeat thread renews while the handler runs: a worker that dies
(even by SIGKILL, with no chance to clean up) stops renewing, and the scheduler finds the job
`running` past its lease within `JOB_LEASE_SECONDS` and hands it out again. A long job whose
worker is alive keeps its lease however long it runs.

Each claim's attempt number is its token. The handler runs inside a unit of work that this
module holds (`uow.joined`): neither the handler nor the services it calls commit. The
outcome is written only while the job is still held by that attempt, in the same transaction
as the handler's changes and the reactions to its events: an attempt that lost its lease
rolls all of it back instead of overwriting the attempt that replaced it. Every commit here
goes through `app.uow`. A job whose workers keep dying is given up (`failed`) after
`JOB_MAX_ATTEMPTS` attempts.

A message can also be lost before any worker took it (the broker restarted, the send after
the commit failed, the process whose pool held it died). Each job remembers when it was
last handed to its runner (`dispatched_at`); the scheduler's tick re-sends a job still
queued `JOB_PICKUP_SECONDS` after that, and counts the re-sends (`take_jobs_to_resend`).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Collection
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import make_transient_to_detached

from app import uow
from app.extensions import db
from app.jobs.registry import failure_hook, get_handler
from app.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)
DEFAULT_LEASE_SECONDS = 60
DEFAULT_PICKUP_SECONDS = 10
_MAX_BACKOFF_DOUBLINGS = 3  # a job re-sent again and again waits at most 8 × the pickup window


def lease_for(app) -> timedelta:
    """How long a claim holds a job without a heartbeat (`JOB_LEASE_SECONDS`, default 60)."""
    return timedelta(seconds=float(app.config.get("JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)))


def _update(job_id: int, *conditions):
    return (
        update(Job)
        .where(Job.id == job_id, *conditions)
        .execution_options(synchronize_session=False)
    )


def claim(job_id: int, max_attempts: int = 3, lease: timedelta | None = None) -> int | None:
    """Take the job if it is queued, or running past its lease with attempts left.

    Returns the attempt number that now holds the job (its token), or None.
    """
    return _claim(job_id, max_attempts, lease)[0]


def _claim(job_id: int, max_attempts: int, lease: timedelta | None):
    """`claim`, also returning the claimed row as the claim wrote it when it was simply
    queued (the usual case: one statement, and no SELECT of the job afterwards)."""
    lease = lease or timedelta(seconds=DEFAULT_LEASE_SECONDS)
    now = utcnow()
    # The usual case, a queued job, in one statement; else read it and see whether it was lost.
    row = db.session.execute(
        _update(job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            started_at=now,
            lease_until=now + lease,
            attempts=Job.attempts + 1,
        )
        .returning(*Job.__table__.c)
    ).first()
    token = row.attempts if row is not None else _take_over(job_id, max_attempts, lease, now)
    uow.commit()
    return token, row


def _job_from(row) -> Job:
    """The claimed job as a persistent object built from the claim's RETURNING row (the
    committed values: nothing is read again), unless this session already holds it."""
    if db.session.identity_map.get(db.session.identity_key(Job, (row.id,))) is not None:
        return db.session.get(Job, row.id)
    values = {attr.key: row._mapping[attr.columns[0]] for attr in Job.__mapper__.column_attrs}
    job = Job(**values)
    make_transient_to_detached(job)
    db.session.add(job)
    return job


def _take_over(job_id: int, max_attempts: int, lease: timedelta, now) -> int | None:
    """Claim a job that is not simply queued: running past its lease, with attempts left (its
    worker was lost), or queued again since the first look. Returns the token or None."""
    row = db.session.execute(
        select(Job.status, Job.attempts, Job.lease_until).where(Job.id == job_id)
    ).one_or_none()
    token = None
    if row is not None:
        status, attempts, lease_until = row
        values = dict(
            status=JobStatus.RUNNING, started_at=now, lease_until=now + lease, attempts=attempts + 1
        )
        conditions = [Job.status == status, Job.attempts == attempts]
        lost = (
            status == JobStatus.RUNNING
            and lease_until is not None
            and lease_until < now
            and attempts < max_attempts
        )
        if lost:
            values["error"] = f"attempt {attempts}: the worker was lost (lease expired)"
            conditions.append(Job.lease_until < now)  # a heartbeat since the read wins
        if status == JobStatus.QUEUED or lost:
            res = db.session.execute(_update(job_id, *conditions).values(**values))
            token = attempts + 1 if res.rowcount == 1 else None
    return token


def _give_up_if_workers_keep_dying(job_id: int, max_attempts: int) -> bool:
    """Fail a job running past its lease with no attempts left; True if it was."""
    now = utcnow()
    mark = _update(
        job_id,
        Job.status == JobStatus.RUNNING,
        Job.lease_until < now,
        Job.attempts >= max_attempts,
    ).values(
        status=JobStatus.FAILED,
        finished_at=now,
        error=f"the worker was lost (lease expired) on each of {max_attempts} attempts",
    )
    given_up = db.session.execute(mark).rowcount == 1
    if given_up and not _on_final_failure(db.session.get(Job, job_id)):
        given_up = db.session.execute(mark).rowcount == 1  # the hook was rolled back
    uow.commit()
    return given_up


class _Heartbeat:
    """Renews one attempt's lease from a thread, on its own connection, until stopped.

    `stop` does not wait for the thread: on SQLite a renewal can be waiting for the write
    lock our own transaction holds. A renewal that lands after the outcome matches nothing
    (the job is no longer `running` under this attempt).
    """

    def __init__(self, engine, job_id: int, token: int, lease: timedelta):
        self.engine, self.job_id, self.token, self.lease = engine, job_id, token, lease
        self._stop = threading.Event()
        threading.Thread(target=self._run, name=f"job-{job_id}-lease", daemon=True).start()

    def _run(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.1)
        while not self._stop.wait(interval):
            try:
                with self.engine.begin() as conn:
                    res = conn.execute(
                        update(Job)
                        .where(
                            Job.id == self.job_id,
                            Job.status == JobStatus.RUNNING,
                            Job.attempts == self.token,
                        )
                        .values(lease_until=utcnow() + self.lease)
                    )
                if res.rowcount != 1:
                    return  # finished, or taken over: nothing left to renew
            except Exception:  # noqa: BLE001 — try again next round; the lease has slack
                log.warning("could not renew the lease of job %s", self.job_id, exc_info=True)

    def stop(self) -> None:
        self._stop.set()


def execute(job_id: int, max_attempts: int = 3) -> str:
    """Run job `job_id` to an outcome; returns the status value written, or 'skipped'
    (someone else holds it or it is finished) or 'lost' (our lease was taken over)."""
    lease = lease_for(current_app)
    token, row = _claim(job_id, max_attempts, lease)
    if token is None:
        return "failed" if _give_up_if_workers_keep_dying(job_id, max_attempts) else "skipped"
    heartbeat = _Heartbeat(db.engine, job_id, token, lease)
    held = (Job.status == JobStatus.RUNNING, Job.attempts == token)
    job = _job_from(row) if row is not None else db.session.get(Job, job_id)
    try:
        with uow.joined():
            result = get_handler(job.kind)(job, **(job.payload or {}))
            uow.publish()  # the reactions to its events belong to the same transaction
    except Exception as exc:  # noqa: BLE001 — a job's failure is recorded, never raised
        heartbeat.stop()
        log.warning("job %s attempt %s failed: %s", job_id, token, exc)
        uow.undo_failed_use_case()
        return _record_failure(job_id, token, held, exc, max_attempts)
    heartbeat.stop()
    res = db.session.execute(
        _update(job_id, *held).values(
            status=JobStatus.DONE,
            result=result if isinstance(result, dict) else None,
            finished_at=utcnow(),
            error=None,
        )
    )
    if res.rowcount != 1:
        return _lost(job_id, token)
    uow.commit()  # the handler's changes, their reactions and `done` together
    return JobStatus.DONE.value


def _record_failure(job_id: int, token: int, held, exc: Exception, max_attempts: int) -> str:
    """Queue the job again, or fail it after its last attempt (and run its failure hook)."""
    final = token >= max_attempts
    status = JobStatus.FAILED if final else JobStatus.QUEUED
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    now = utcnow()
    mark = _update(job_id, *held).values(
        status=status,
        error=error,
        finished_at=now if final else None,
        dispatched_at=now,  # a queued retry is handed to the runner again right away
    )
    if db.session.execute(mark).rowcount != 1:
        return _lost(job_id, token)
    if final and not _on_final_failure(db.session.get(Job, job_id)):
        db.session.execute(mark)  # the hook failed and was rolled back: keep the mark alone
    uow.commit()
    return status.value


def _lost(job_id: int, token: int) -> str:
    """Our attempt no longer holds the job: undo what its handler left uncommitted."""
    uow.rollback()
    log.warning("job %s: attempt %s lost its lease; its outcome is discarded", job_id, token)
    return "lost"


def _on_final_failure(job: Job) -> bool:
    """Let the owner of the job react to its final failure (e.g. open an incident), in the
    transaction that marks it failed. False if the hook failed (its changes rolled back)."""
    hook = failure_hook(job.kind)
    if hook is None:
        return True
    try:
        hook(job)
        uow.publish()
        return True
    except Exception:  # noqa: BLE001
        uow.rollback()
        log.exception("failure hook for job %s failed", job.id)
        return False


def pickup_window(app) -> timedelta:
    """How long a dispatched job may stay queued before it counts as lost and is re-sent
    (`JOB_PICKUP_SECONDS`, default 10)."""
    return timedelta(seconds=float(app.config.get("JOB_PICKUP_SECONDS", DEFAULT_PICKUP_SECONDS)))


def take_jobs_to_resend(
    pickup: timedelta, held: Collection[int] = (), limit: int = 500
) -> list[tuple[int, str]]:
    """The jobs to hand out again, each marked as dispatched now (committed here; the caller
    then sends them).

    That is a job queued and not picked up within `pickup` of its last dispatch (its message
    was lost: a broker restart, a send that failed after the commit, a process that died
    with jobs in its pool), and a job running past its lease (its worker died). A job the
    scheduler re-sent before waits twice as long each time (up to 8 × `pickup`): a queue
    that is only busy gets few duplicates, and a duplicate costs one refused claim. The mark
    is a conditional update, so two schedulers never both take a job. `held`: ids the
    caller's own runner still holds (waiting in its pool, not lost). Returns (id, lane) pairs.
    """
    now = utcnow()
    rows = db.session.execute(
        select(Job.id, Job.status, Job.dispatched_at, Job.redispatches, Job.lane)
        .where(
            or_(
                Job.status == JobStatus.QUEUED,
                (Job.status == JobStatus.RUNNING) & (Job.lease_until < now),
            ),
            or_(Job.dispatched_at.is_(None), Job.dispatched_at < now - pickup),
        )
        .order_by(Job.id)
        .limit(limit)
    ).all()
    taken = []
    for job_id, status, dispatched_at, redispatches, lane in rows:
        waited_enough = dispatched_at is None or (
            dispatched_at < now - pickup * 2 ** min(redispatches, _MAX_BACKOFF_DOUBLINGS)
        )
        if job_id in held or not waited_enough:
            continue
        mark = _update(job_id, Job.status == status, Job.redispatches == redispatches).values(
            dispatched_at=now, redispatches=redispatches + 1
        )
        if db.session.execute(mark).rowcount == 1:
            taken.append((job_id, lane))
            log.warning(
                "job %s (%s) not picked up since %s: handing it out again (re-send %d)",
                job_id,
                status.value if isinstance(status, JobStatus) else status,
                dispatched_at,
                redispatches + 1,
            )
    uow.commit()
    return taken
