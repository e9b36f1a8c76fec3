"""Fixtures for the engine-layer tests: operators and a fast sandbox worker."""

from __future__ import annotations

import pytest

from app.workflow.engine import OperatorRegistry
from app.workflow.engine.sandbox import ScriptRunner


class Calls:
    """Records what the sync test operators were called with."""

    def __init__(self):
        self.certificates: list[dict] = []
        self.notifications: list[dict] = []


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def operators(calls) -> OperatorRegistry:
    registry = OperatorRegistry()
    registry.add("auto_review", is_async=True)

    def issue_certificate(params, data):
        calls.certificates.append(dict(data))
        return {"number": f"CERT-{data.get('case_number')}"}

    def notify(params, data):
        calls.notifications.append(dict(params))
        return {"sent": True, "template": params.get("template")}

    registry.add("issue_certificate", issue_certificate)
    registry.add("notify", notify)
    return registry


@pytest.fixture(scope="session")
def fast_runner():
    """A sandbox worker with a short timeout and a small memory limit, for escape tests."""
    runner = ScriptRunner(timeout=1.5, memory_bytes=256 * 1024 * 1024)
    yield runner
    runner.close()
