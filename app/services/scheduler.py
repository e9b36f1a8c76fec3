"""Periodic work: fire due BPMN timers, hand out jobs whose worker died, anonymise
closed cases past their retention (`app.services.retention`), remind of and flag
deferred materials (容缺受理, `app.services.deferred`), push clock alerts and delete old
finished jobs (`app.jobs.housekeeping`). Each round leaves its time, duration, summary and
any error in `scheduler_round`, so that a scheduler that stopped shows (`last_round`).

Run by Celery beat with Redis, or by an in-process loop thread otherwise.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.jobs import housekeeping
from app.jobs.queue import runner_for
from app.models import SchedulerRound, WorkflowInstance, utcnow
from app.services import clock_alerts, deferred, retention
from app.uow import use_case
from app.workflow import runtime

log = logging.getLogger(__name__)


def fire_due_timers(now=None) -> int:
    """Advance every waiting instance whose next timer is due, each in its own unit of work
    (one bad case must not stop the others). Returns how many fired."""
    now = now or utcnow()
    ids = [
        r[0]
        for r in db.session.execute(
            db.select(WorkflowInstance.id).where(
                WorkflowInstance.status == "waiting", WorkflowInstance.next_timer_at <= now
            )
        )
    ]
    fired = 0
    for instance_id in ids:
        try:
            fired += _fire(instance_id, now)
        except Exception:  # noqa: BLE001 — rolled back by its unit of work; log and go on
            log.exception("timer on instance %s failed", instance_id)
    return fired


@use_case
def _fire(instance_id: int, now) -> int:
    try:
        runtime.fire_timers(instance_id, now)
    except runtime.CaseStuck:
        return 0  # the incident is kept with the case for an administrator
    return 1


def tick(app) -> dict:
    """One scheduler round, recorded when it ends (`last_round`), failed or not."""
    started, clock = utcnow(), time.perf_counter()
    summary: dict = {}
    error = None
    try:
        summary = _round(app)
        return summary
    except Exception as exc:
        error = type(exc).__name__
        raise
    finally:
        _record_round(started, time.perf_counter() - clock, summary, error)


def _round(app) -> dict:
    fired = fire_due_timers()
    recovered = runner_for(app).recover()
    anonymised = retention.anonymise_expired()
    materials = deferred.check_deadlines()
    alerts = clock_alerts.push_due_alerts()
    jobs_deleted = housekeeping.delete_finished_jobs()
    return {
        "timers": fired,
        "jobs_recovered": recovered,
        "cases_anonymised": anonymised,
        "materials_reminded": materials["reminded"],
        "materials_flagged": materials["flagged"],
        "clock_alerts": alerts,
        "finished_jobs_deleted": jobs_deleted,
    }


def _record_round(started, seconds: float, summary: dict, error: str | None) -> None:
    """Write the round's row; a failure to write it (the database is gone) is logged, and
    never hides the round's own outcome."""
    try:
        if error:  # what the failed round left open goes first
            db.session.rollback()
        _write_round(started, seconds, summary, error)
    except Exception:  # noqa: BLE001
        log.warning("the scheduler's round could not be recorded", exc_info=True)


@use_case
def _write_round(started, seconds: float, summary: dict, error: str | None) -> None:
    values = {"started_at": started, "seconds": seconds, "summary": summary, "error": error}
    table = SchedulerRound.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(table)
        .values(id=1, **values)
        .on_conflict_do_update(index_elements=[table.c.id], set_=values)
    )


def last_round() -> SchedulerRound | None:
    """The scheduler's last recorded round (None: it never ran against this database)."""
    return db.session.get(SchedulerRound, 1)


def start_background_loop(app) -> threading.Thread:
    """The embedded scheduler: a daemon thread calling `tick` every interval."""
    stop = threading.Event()

    def loop():
        while not stop.wait(app.config["SCHEDULER_INTERVAL_SECONDS"]):
            with app.app_context():
                try:
                    tick(app)
                except Exception:  # noqa: BLE001
                    log.exception("scheduler tick failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="onewindow-scheduler", daemon=True)
    thread.stop_event = stop
    thread.start()
    return thread
