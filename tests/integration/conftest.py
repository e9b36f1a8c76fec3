"""Fixtures shared by the integration tests that change what background jobs see."""

from __future__ import annotations

import pytest


@pytest.fixture()
def local_jobs(app, monkeypatch):
    """Jobs run in this process, where the test's settings (and channels) are: in the
    PostgreSQL + Celery run the CI worker is another process with its own configuration."""
    from app.jobs.inprocess import InProcessRunner

    runner = InProcessRunner(app)
    monkeypatch.setitem(app.extensions, "onewindow_jobs", runner)
    yield runner
    runner.wait_idle(60)
    runner.shutdown(wait=True)


@pytest.fixture()
def draft(client):
    """A newly registered citizen's draft application (business registration), its id."""
    from tests import journeys

    materials = journeys.make_materials()
    journeys.register(client, materials["person"])
    return journeys.start_application(client)
