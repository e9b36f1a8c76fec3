"""The case timeline: record steps and read them back for citizens and clerks."""
from __future__ import annotations

from app.extensions import db
from app.models import Application, CaseEvent


def record(application: Application, kind: str, *, actor=None, department=None,
           department_id: int | None = None, message: str | None = None,
           data: dict | None = None) -> CaseEvent:
    """Add an event to the case's timeline (committed with the caller's transaction)."""
    event = CaseEvent(application_id=application.id, kind=kind,
                      actor_id=getattr(actor, "id", None),
                      department_id=department_id or getattr(department, "id", None),
                      message=message, data=data)
    db.session.add(event)
    return event


def events(application: Application) -> list[CaseEvent]:
    """The case's events in order."""
    return list(db.session.execute(db.select(CaseEvent).where(
        CaseEvent.application_id == application.id).order_by(CaseEvent.at, CaseEvent.id)).scalars())
