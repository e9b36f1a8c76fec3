"""What the administrators' landing page shows: services, process versions, open incidents,
cases by status and overdue tasks."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Application, HumanTask, Incident, ProcessVersion, Service, TaskStatus, utcnow


@dataclass(frozen=True)
class Overview:
    """The landing page's figures and lists."""

    services: list
    versions: list
    open_incidents: list
    cases_by_status: dict
    overdue_tasks: int


def overview() -> Overview:
    """Read the landing page's figures (no writes)."""
    services = list(db.session.execute(db.select(Service).order_by(Service.id)).scalars())
    versions = list(
        db.session.execute(
            db.select(ProcessVersion).order_by(
                ProcessVersion.process_id, ProcessVersion.version.desc()
            )
        ).scalars()
    )
    open_incidents = list(
        db.session.execute(
            db.select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.id.desc())
        ).scalars()
    )
    cases_by_status = dict(
        db.session.execute(
            db.select(Application.status, db.func.count()).group_by(Application.status)
        ).all()
    )
    overdue_tasks = db.session.execute(
        db.select(db.func.count())
        .select_from(HumanTask)
        .where(
            HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]), HumanTask.due_at < utcnow()
        )
    ).scalar()
    return Overview(services, versions, open_incidents, cases_by_status, overdue_tasks)
