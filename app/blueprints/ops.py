"""The endpoints the operations team's tools call, and the request timings they read.

- `GET /healthz`: liveness. The process answers; nothing else is touched (a process
  manager or Kubernetes restarts the process when this fails).
- `GET /readyz`: readiness. The database answers, its schema is at the migrations' head and
  the job broker answers (`services.operations.readiness`); 503 with the failed checks
  otherwise, so a load balancer sends no request to a process that cannot serve it.
- `GET /metrics`: Prometheus's text format, for a scraper holding `METRICS_TOKEN` (bearer);
  without a configured token the endpoint does not exist (404). It gives every request's
  duration by endpoint, method and status (a histogram, summed over gunicorn's worker
  processes through PROMETHEUS_MULTIPROC_DIR, see gunicorn.conf.py), each process's database
  connections in use against its pool's limit (a leak or a pool too small for the load shows
  before requests wait; those that waited in vain are counted by `app.blueprints.db_errors`),
  the process's own CPU and memory when it serves alone, and the live state read at each
  scrape (cases, tasks and overdue tasks by department, incidents, the job queue).

None of the three sets a cookie or needs a log-in; their answers name no person.
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from app.blueprints.db_errors import POOL_TIMEOUTS
from app.extensions import csrf, db
from app.services import operations

log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)
csrf.exempt(bp)

_STARTED = "onewindow_request_started"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Around the targets the project holds (a queue page's p95 within 150 ms) and up to the
# worker timeout.
REQUEST_SECONDS = Histogram(
    "onewindow_http_request_duration_seconds",
    "Time to answer a request, by endpoint (the Flask view), method and status.",
    ("endpoint", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
UNTIMED = frozenset({"ops.metrics", "ops.healthz", "ops.readyz"})
# One sample per live process ("liveall": labelled with its pid in multiprocess mode), so that
# a process whose pool is used up shows, whatever the others hold.
DB_CONNECTIONS_IN_USE = Gauge(
    "onewindow_db_connections_in_use",
    "Database connections this process has checked out of its pool.",
    multiprocess_mode="liveall",
)
DB_CONNECTIONS_MAX = Gauge(
    "onewindow_db_connections_max",
    "The most database connections this process's pool hands out at once (DB_POOL_SIZE + "
    "DB_POOL_OVERFLOW).",
    multiprocess_mode="liveall",
)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    result = operations.readiness()
    body = {
        "status": "ready" if result.ready else "not ready",
        "checks": {
            name: {"ok": c.ok, "detail": c.detail, "ms": round(c.seconds * 1000, 1)}
            for name, c in result.checks.items()
        },
    }
    return jsonify(body), 200 if result.ready else 503


@bp.route("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "a bearer token (METRICS_TOKEN) is required\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every worker's request timings
    else:
        registry.register(_ThisProcess())
    registry.register(_LiveState())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _ThisProcess:
    """The metrics of the one process serving (timings, CPU, memory, garbage collector)."""

    def collect(self):
        yield from REGISTRY.collect()


class _LiveState:
    """The live state, read from the database at each scrape."""

    def collect(self):
        try:
            state = operations.gauges()
        except SQLAlchemyError as exc:  # the process's own figures are still worth a scrape
            log.warning("/metrics: the live state could not be read (%s)", type(exc).__name__)
            if isinstance(exc, PoolTimeout):
                POOL_TIMEOUTS.inc()
            db.session.rollback()
            yield _live_state_read(False)
            return
        yield _live_state_read(True)
        yield _family(
            "onewindow_cases_running",
            "Cases in progress, by status.",
            "status",
            state.cases_running,
        )
        yield _family(
            "onewindow_tasks_live",
            "Open or claimed tasks, by department.",
            "department",
            state.tasks_live,
        )
        yield _family(
            "onewindow_tasks_overdue",
            "Open or claimed tasks past their due time, by department.",
            "department",
            state.tasks_overdue,
        )
        yield GaugeMetricFamily(
            "onewindow_incidents_open",
            "Cases stopped by an incident nobody resolved yet.",
            value=state.incidents_open,
        )
        jobs = GaugeMetricFamily(
            "onewindow_jobs",
            "Background jobs waiting or running, by status and lane.",
            labels=("status", "lane"),
        )
        for (status, lane), n in sorted(state.jobs.items()):
            jobs.add_metric((status, lane), n)
        yield jobs
        yield _family(
            "onewindow_job_oldest_queued_seconds",
            "Age of the oldest job waiting, by lane.",
            "lane",
            state.oldest_queued_seconds,
        )
        scheduler = state.scheduler
        if scheduler.ran:
            yield GaugeMetricFamily(
                "onewindow_scheduler_last_round_age_seconds",
                "Seconds since the scheduler's last round started (timers, lost jobs, "
                "retention, clock alerts).",
                value=scheduler.age_seconds,
            )
            yield GaugeMetricFamily(
                "onewindow_scheduler_last_round_seconds",
                "How long the scheduler's last round took.",
                value=scheduler.seconds,
            )
            yield GaugeMetricFamily(
                "onewindow_scheduler_last_round_failed",
                "1 when the scheduler's last round ended in an error.",
                value=int(scheduler.failed),
            )
        yield GaugeMetricFamily(
            "onewindow_jobs_failed_24h",
            "Jobs that failed for good in the last 24 hours.",
            value=state.jobs_failed_24h,
        )


def _live_state_read(read: bool) -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "onewindow_live_state_read",
        "1 when this scrape read the live state from the database; 0 when the database did "
        "not answer (no free connection, or none could be made).",
        value=int(read),
    )


def _family(name: str, doc: str, label: str, values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=(label,))
    for key, value in sorted(values.items()):
        family.add_metric((key,), value)
    return family


def register(app) -> None:
    """Time every request (the endpoints above excepted); follow the database pool's use."""
    _watch_pool(app)

    @app.before_request
    def start_timer():
        setattr(g, _STARTED, time.perf_counter())

    @app.after_request
    def observe(response):
        started = g.pop(_STARTED, None)
        endpoint = request.endpoint or "unmatched"
        if started is not None and endpoint not in UNTIMED:
            method = request.method if request.method in METHODS else "other"
            REQUEST_SECONDS.labels(endpoint, method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response


def _watch_pool(app) -> None:
    """Count the connections checked out of `app`'s pool (an in-memory SQLite database has
    none to count)."""
    with app.app_context():
        engine = db.engine
    if not isinstance(engine.pool, QueuePool):
        return
    limit = app.config["DB_POOL_SIZE"] + app.config["DB_POOL_OVERFLOW"]
    DB_CONNECTIONS_MAX.set(limit)
    # gunicorn's workers are forks of the process that built the app, and multiprocess mode
    # starts each process's figures from zero: each worker states its limit again
    os.register_at_fork(after_in_child=lambda: DB_CONNECTIONS_MAX.set(limit))
    event.listen(engine, "checkout", lambda *_: DB_CONNECTIONS_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_CONNECTIONS_IN_USE.dec())
