"""What the operations team's tools ask the application: is it ready to serve, and how is
it doing (the figures `/metrics` gives Prometheus).

`readiness()` runs every check in `READY_CHECKS` (a registry: one function per thing the
web process needs — the database, its schema at the migrations' head, the job broker) and
says which failed and why, in words that name no secret (no address, no password).

`gauges()` reads the live state from the database in a few statements over the indexes of
live rows (never the history): running cases by status, live and overdue tasks by
department, open incidents, jobs waiting or running by lane and the age of the oldest one
waiting, jobs failed in the last 24 hours, and the scheduler's last round
(`scheduler_health`: late when it has not run for six rounds). The request timings are
counted by the web layer (app/blueprints/ops.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import case, func, text

from app.extensions import db
from app.models import (
    Department,
    HumanTask,
    Incident,
    Job,
    JobStatus,
    TaskStatus,
    utcnow,
)
from app.services.dashboard import running_by_status
from app.services.scheduler import last_round

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
LIVE_TASK = (TaskStatus.OPEN, TaskStatus.CLAIMED)
WAITING_JOB = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class CheckResult:
    """One readiness check: passed or not, what it found, and how long it took."""

    ok: bool
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True)
class Readiness:
    """All checks; ready when every one passed."""

    checks: dict[str, CheckResult] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks.values())


READY_CHECKS: dict[str, Callable[[], CheckResult]] = {}  # run in this order
NEEDS_DATABASE = frozenset({"schema"})  # not tried (another connect timeout) without it


def ready_check(name: str):
    """Register a readiness check (a function returning a CheckResult)."""

    def register(func: Callable[[], CheckResult]) -> Callable[[], CheckResult]:
        READY_CHECKS[name] = func
        return func

    return register


def readiness() -> Readiness:
    """Run every registered check; a check that raises counts as failed (named by the
    exception's kind only: messages can carry addresses or credentials)."""
    results: dict[str, CheckResult] = {}
    for name, check in READY_CHECKS.items():
        start = time.perf_counter()
        if name in NEEDS_DATABASE and not results["database"].ok:
            results[name] = CheckResult(False, "not checked: the database does not answer")
            continue
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 — a failed check is an answer, not a 500
            # one line: a probe asks every few seconds while the database is down
            log.warning("readiness check %s failed: %s", name, type(exc).__name__)
            _forget_transaction()
            result = CheckResult(False, f"{type(exc).__name__}")
        results[name] = CheckResult(result.ok, result.detail, time.perf_counter() - start)
    return Readiness(results)


def _forget_transaction() -> None:
    """End what a failed check left open; the next statement takes a fresh connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection is gone: drop the session instead
        db.session.remove()


@ready_check("database")
def _database() -> CheckResult:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":  # a database that hangs fails the check instead of hanging it
        timeout_ms = int(current_app.config["READY_CHECK_TIMEOUT_SECONDS"] * 1000)
        db.session.execute(text(f"SET LOCAL statement_timeout = {timeout_ms}"))
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return CheckResult(True, dialect)


@cache
def migration_heads() -> frozenset[str]:
    """The revisions the shipped migrations end at (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@ready_check("schema")
def _schema() -> CheckResult:
    applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.session.rollback()  # nothing to keep; a failed read must not poison the next check
    heads = migration_heads()
    if applied == heads:
        return CheckResult(True, ", ".join(sorted(applied)))
    return CheckResult(
        False,
        f"database at {', '.join(sorted(applied)) or 'no revision'}, code expects "
        f"{', '.join(sorted(heads))}: run `flask db upgrade`",
    )


@ready_check("jobs")
def _jobs() -> CheckResult:
    url = current_app.config.get("REDIS_URL")
    if not url:
        from app.jobs.queue import runner_for

        stopped = runner_for(current_app).stopped
        return CheckResult(not stopped, "in-process runner" + (" stopped" if stopped else ""))
    import redis

    timeout = current_app.config["READY_CHECK_TIMEOUT_SECONDS"]
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return CheckResult(True, "broker answers")


@dataclass(frozen=True)
class Gauges:
    """The live state, as the scrape reads it."""

    cases_running: dict[str, int]  # status -> cases
    tasks_live: dict[str, int]  # department code -> open or claimed tasks
    tasks_overdue: dict[str, int]  # department code -> live tasks past their due time
    incidents_open: int
    jobs: dict[tuple[str, str], int]  # (status, lane) -> queued or running jobs
    oldest_queued_seconds: dict[str, float]  # lane -> age of its oldest queued job
    jobs_failed_24h: int
    scheduler: SchedulerHealth


def gauges() -> Gauges:
    """Read the gauges (six statements, each over an index of live rows or one row)."""
    now = utcnow()
    cases = running_by_status()
    live, overdue = {}, {}
    for code, n, late in db.session.execute(
        db.select(
            func.coalesce(Department.code, ""),
            func.count(),
            func.sum(case((HumanTask.due_at < now, 1), else_=0)),
        )
        .select_from(HumanTask)
        .outerjoin(Department, Department.id == HumanTask.department_id)
        .where(HumanTask.status.in_(LIVE_TASK))
        .group_by(Department.code)
    ).all():
        live[code or "none"], overdue[code or "none"] = n, int(late or 0)
    incidents = db.session.execute(
        db.select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None))
    ).scalar_one()
    jobs, oldest = {}, {}
    for status, lane, n, first in db.session.execute(
        db.select(Job.status, Job.lane, func.count(), func.min(Job.created_at))
        .where(Job.status.in_(WAITING_JOB))
        .group_by(Job.status, Job.lane)
    ).all():
        status = getattr(status, "value", status)
        jobs[(status, lane)] = n
        if status == JobStatus.QUEUED.value and first is not None:
            oldest[lane] = max(0.0, (now - first).total_seconds())
    failed = db.session.execute(
        db.select(func.count())
        .select_from(Job)
        .where(Job.status == JobStatus.FAILED, Job.finished_at >= now - timedelta(days=1))
    ).scalar_one()
    scheduler = scheduler_health()
    db.session.rollback()  # a read: end the transaction, hold no snapshot between scrapes
    return Gauges(cases, live, overdue, incidents, jobs, oldest, failed, scheduler)


@dataclass(frozen=True)
class SchedulerHealth:
    """Whether the scheduler keeps its rounds, from its last one: when it started, how long
    it took, its error, how long ago it started, and whether that is too long ago (late)."""

    started_at: datetime | None  # None: it never ran against this database
    seconds: float | None
    error: str | None
    age_seconds: float | None
    late: bool

    @property
    def ran(self) -> bool:
        return self.started_at is not None

    @property
    def failed(self) -> bool:
        return self.error is not None


def scheduler_late_after() -> float:
    """Seconds without a round after which the scheduler counts as stopped: six rounds, and
    at least a minute (a round may take a while, a busy queue may hold one back)."""
    return max(60.0, 6 * current_app.config["SCHEDULER_INTERVAL_SECONDS"])


def scheduler_health() -> SchedulerHealth:
    """The scheduler's state, read from its last round (one statement)."""
    last = last_round()
    if last is None:
        return SchedulerHealth(None, None, None, None, True)
    age = max(0.0, (utcnow() - last.started_at).total_seconds())
    return SchedulerHealth(
        last.started_at, last.seconds, last.error, age, age > scheduler_late_after()
    )
