"""The endpoints the operations team's tools call, and the request timings they read.

- `GET /healthz`: liveness. The process answers; nothing else is touched (a process
  manager or Kubernetes restarts the process when this fails).
- `GET /readyz`: readiness. The database answers, its schema is at the migrations' head and
  the job broker answers (`services.operations.readiness`); 503 with the failed checks
  otherwise, so a load balancer sends no request to a process that cannot serve it.
- `GET /metrics`: Prometheus's text format, for a scraper holding `METRICS_TOKEN` (bearer);
  without a configured token the endpoint does not exist (404). It gives every request's
  duration by endpoint, method and status (a histogram, summed over gunicorn's worker
  processes through PROMETHEUS_MULTIPROC_DIR, see gunicorn.conf.py), the process's own CPU
  and memory when it serves alone, and the live state read at each scrape (cases, tasks
  and overdue tasks by department, incidents, the job queue).

None of the three sets a cookie or needs a log-in; their answers name no person.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from app.extensions import csrf
from app.services import operations

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
        state = operations.gauges()
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


def _family(name: str, doc: str, label: str, values: dict) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=(label,))
    for key, value in sorted(values.items()):
        family.add_metric((key,), value)
    return family


def register(app) -> None:
    """Time every request (the endpoints above excepted)."""

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
