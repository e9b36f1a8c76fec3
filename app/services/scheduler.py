"""Periodic work: fire due BPMN timers, hand out jobs whose worker died, anonymise
closed cases past their retention (`app.services.retention`), remind of and flag
deferred materials (容缺受理, `app.services.deferred`), push clock alerts and delete old
finished jobs (`app.jobs.housekeeping`).

Run by Celery beat with Redis, or by an in-process loop thread otherwise.
"""

from __future__ import annotations

import logging
import threading

from app.extensions import db
from app.jobs import housekeeping
from app.jobs.queue import runner_for
from app.models import WorkflowInstance, utcnow
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
    """One scheduler round."""
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
