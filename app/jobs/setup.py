"""Choosing the job runner at start-up: Celery when REDIS_URL is set, else the in-process pool."""

from __future__ import annotations

from app.jobs import handlers  # noqa: F401  (registers the job handlers and failure hooks)
from app.jobs.queue import set_runner


def init_jobs(app) -> None:
    """Register the handlers and bind the runner to `app`."""
    if app.config.get("REDIS_URL"):
        from app.jobs.celery_runner import CeleryRunner

        runner = CeleryRunner(app)
    else:
        from app.jobs.inprocess import InProcessRunner

        runner = InProcessRunner(app)
    set_runner(app, runner)
