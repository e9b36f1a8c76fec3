"""Celery entry point: `celery -A app.jobs.celery_worker worker` (and `beat`).

The app is configured from the environment (`create_app()`); the tasks are defined by
`celery_runner.make_worker`.
"""

from __future__ import annotations

from app import create_app
from app.jobs.celery_runner import make_worker
from ml.doctype_check import check_registry

flask_app = create_app()
check_registry()  # a worker reviews documents: refuse to start on a half-declared type
celery = make_worker(flask_app)
app = celery
