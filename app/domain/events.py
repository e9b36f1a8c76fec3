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
        "withdrawn",
        "task_claimed",
        "task_released",
        "task_reassigned",
        "accepted",
        "deemed_accepted",
        "intake_refused",
        "clock_paused",
        "clock_resumed",
        "extended",
        "material_supplied",
        "material_reminder",
        "material_overdue",
        "suspended",
        "resumed",
        "terminated",
    }
)
# The kinds the applicant (and anyone following the case from outside) is shown. The others
# are the agency's working steps: which department's queue a task entered, a department's
# own (possibly intermediate) verdict, escalations, the auto-review's details,
# version migrations, who took or handed on a task. The decision itself is shown once the
# case is decided (`decided`).
PUBLIC_STEP_KINDS = frozenset(
    {
        "submitted",
        "notified",
        "correction_submitted",
        "decided",
        "certificate_issued",
        "rated",
        "rating_followed_up",
        "withdrawn",
        "incident",  # shown as "processing delayed" only: never the technical message
        "accepted",
        "deemed_accepted",
        "intake_refused",
        "clock_paused",
        "clock_resumed",
        "extended",
        "material_supplied",
        "material_reminder",
        "suspended",
        "resumed",
        "terminated",
    }
)
# Steps only the clerks see (who took, gave back or handed on a task, and why); the
# applicant's timeline leaves them out (app/services/timeline.py).
INTERNAL_STEP_KINDS = frozenset({"task_claimed", "task_released", "task_reassigned"})


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


# What an audit record can say was done (`Audited.action`).
AUDIT_ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "view_case",
        "view_file",
        "decide",
        "reveal",
        "export",
        "admin_change",
        "api_call",
        "purge",
        "company_verify",
        "agent_authorise",
        "agent_revoke",
    }
)
# Keys never written into an audit record's details, whoever passes them.
SECRET_DETAIL_KEYS = frozenset({"password", "password2", "new_password", "token", "secret"})


@dataclass(frozen=True)
class Audited:
    """Something the audit trail must show: who (a snapshot of the user: id, role, name)
    did what to which object. `client_addr` and a missing actor are filled in from the
    request being served when the record is written (`app.services.audit`)."""

    action: str
    actor_id: int | None = None
    actor_role: str | None = None
    actor_username: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    details: dict = field(default_factory=dict)
    client_addr: str | None = None

    def __post_init__(self):
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")


def audited(
    action: str,
    *,
    actor=None,
    object_type: str | None = None,
    object_id=None,
    details: dict | None = None,
    client_addr: str | None = None,
) -> Audited:
    """Record on the unit of work that `actor` (a user, or None: the request's user or the
    system) did `action` to an object; written to the audit trail in the same transaction."""
    role = getattr(actor, "role", None)
    entry = Audited(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(role, "value", role),
        actor_username=getattr(actor, "username", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details={k: v for k, v in (details or {}).items() if k not in SECRET_DETAIL_KEYS},
        client_addr=client_addr,
    )
    uow.record(entry)
    return entry


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
