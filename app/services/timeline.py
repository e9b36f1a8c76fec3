"""The case timeline: record steps and read them back for citizens and clerks."""

from __future__ import annotations

from app.extensions import db
from app.models import Application, CaseEvent, utcnow
from app.services import notifications

# One INSERT built once; written straight away rather than through the unit of work, which
# keeps the flush at commit empty on the hot path of clerks' decisions.
_INSERT = db.insert(CaseEvent.__table__)


def record(
    application: Application | int,
    kind: str,
    *,
    actor=None,
    department=None,
    department_id: int | None = None,
    message: str | None = None,
    data: dict | None = None,
) -> None:
    """Add an event to the case's timeline (committed with the caller's transaction).

    `application` is the case or its id (which must exist in the database already). The few
    kinds that tell someone (notifications.EVENT_KINDS) also create their notifications in
    the same transaction; every other kind is this one INSERT.
    """
    application_id = application if isinstance(application, int) else application.id
    if application_id is None:
        raise ValueError("timeline.record needs an application that has been flushed")
    department_id = department_id or getattr(department, "id", None)
    db.session.execute(
        _INSERT,
        {
            "application_id": application_id,
            "kind": kind,
            "actor_id": getattr(actor, "id", None),
            "department_id": department_id,
            "message": message,
            "data": data,
            "at": utcnow(),
        },
    )
    if kind in notifications.EVENT_KINDS:
        notifications.on_event(
            application_id, kind, department_id=department_id, message=message, data=data
        )


def events(application: Application) -> list[CaseEvent]:
    """The case's events in order."""
    return list(
        db.session.execute(
            db.select(CaseEvent)
            .where(CaseEvent.application_id == application.id)
            .order_by(CaseEvent.at, CaseEvent.id)
        ).scalars()
    )
