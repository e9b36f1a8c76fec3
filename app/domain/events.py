"""Domain events: what happened to a case, recorded on the unit of work by whoever made it
happen (services, the workflow runtime, the human-task table, operators).

Nothing here acts: `app.services.case_events` holds the one table of reactions (timeline
rows, notifications, jobs) that runs when the unit of work commits. Recording instead of
acting keeps the workflow layer free of imports of services and jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app import uow
from app.models import utcnow

# The kinds of case step a timeline shows (the `kind` of `CaseStep`). A new kind needs a
# label in app/blueprints/context.py EVENT_LABELS; tests/unit/test_case_events.py checks.
CASE_STEP_KINDS = frozenset(
    {
        "submitted",
        "task_opened",
        "task_done",
        "decided",
        "certificate_issued",
        "certificate_revoked",
        "notified",
        "incident",
        "correction_submitted",
        "escalated",
        "migrated",
        "auto_review",
        "rated",
        "rating_followed_up",
    }
)


@dataclass(frozen=True)
class CaseStep:
    """A step in a case's life, as its timeline shows it (submitted, decided, …)."""

    application_id: int
    kind: str
    actor_id: int | None = None
    department_id: int | None = None
    message: str | None = None
    data: dict | None = None
    at: datetime = field(default_factory=utcnow)

    def __post_init__(self):
        if self.kind not in CASE_STEP_KINDS:
            raise ValueError(f"unknown case step kind {self.kind!r}")
        if self.application_id is None:
            raise ValueError("a case step needs an application that has been flushed")


@dataclass(frozen=True)
class TaskAssigned:
    """A new human task names its clerk (a preset assignee): that clerk is to be told."""

    task_id: int


@dataclass(frozen=True)
class ServiceCallRequested:
    """The process waits on an asynchronous service-task operator (e.g. auto_review)."""

    instance_id: int
    task_id: str
    operator: str
    params: dict


def case_step(
    application,
    kind: str,
    *,
    actor=None,
    department=None,
    department_id: int | None = None,
    message: str | None = None,
    data: dict | None = None,
) -> CaseStep:
    """Record a step of `application` (the case or its id) on the unit of work."""
    application_id = application if isinstance(application, int) else application.id
    step = CaseStep(
        application_id=application_id,
        kind=kind,
        actor_id=getattr(actor, "id", None),
        department_id=department_id or getattr(department, "id", None),
        message=message,
        data=data,
    )
    uow.record(step)
    return step


def task_assigned(task_id: int) -> None:
    """Record that a task was assigned to a named clerk."""
    uow.record(TaskAssigned(task_id))


def service_call_requested(instance_id: int, task_id: str, operator: str, params: dict) -> None:
    """Record that the process waits on an asynchronous operator's result."""
    uow.record(ServiceCallRequested(instance_id, task_id, operator, dict(params or {})))
