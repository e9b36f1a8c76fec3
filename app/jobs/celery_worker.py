"""Celery entry point: `celery -A app.jobs.celery_worker worker` (and `beat`)."""
from __future__ import annotations

from app import create_app
from app.extensions import db
from app.jobs.celery_runner import TASK_NAME, make_celery

flask_app = create_app()
celery = make_celery(flask_app)
app = celery


@celery.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    """Execute one job row inside the Flask app context."""
    from app.jobs.execution import execute
    with flask_app.app_context():
        try:
            status = execute(job_id, flask_app.config["JOB_MAX_ATTEMPTS"])
            if status == "queued":
                run_job.apply_async(args=[job_id], countdown=2)
            return status
        finally:
            db.session.remove()


@celery.task(name="onewindow.tick")
def tick() -> dict:
    """Periodic work: fire due timers, re-send stale jobs."""
    from app.services.scheduler import tick as do_tick
    with flask_app.app_context():
        try:
            return do_tick(flask_app)
        finally:
            db.session.remove()
