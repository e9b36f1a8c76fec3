"""Incidents: cases the engine could not move, and an administrator's retry of one."""

from __future__ import annotations

from dataclasses import dataclass

from app import uow
from app.domain import events
from app.extensions import db
from app.models import Incident, User, utcnow
from app.workflow import runtime


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: `moved` on, `failed` again (with the new message) or `resolved`
    already (nothing to do)."""

    status: str
    message: str | None = None


@uow.use_case
def retry(admin: User, incident_id: int) -> RetryOutcome:
    """Advance the incident's case again from its stored state. When it moves on, the
    incident is marked resolved by `admin`; when the same step fails again, a new incident
    is recorded and this one stays open."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at:
        return RetryOutcome("resolved")
    events.audited(
        "admin_change",
        actor=admin,
        object_type="incident",
        object_id=incident.id,
        details={"change": "retry", "instance": incident.instance_id},
    )
    try:
        runtime.retry(incident.instance_id)
    except runtime.CaseStuck as stuck:
        return RetryOutcome("failed", stuck.incident.message)
    incident.resolved_at = utcnow()
    incident.resolved_by_id = admin.id
    return RetryOutcome("moved")
