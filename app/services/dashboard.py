"""What the administrators' landing page shows: services, process versions, open incidents,
cases by status, overdue tasks and the auto-review's agreement with the clerks.

Open cases and overdue tasks are counted live over the indexes of open cases and tasks;
closed cases and the review agreement come from the analytics rollups (all days summed),
so the page never scans the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from app.extensions import db
from app.models import (
    RUNNING_STATUSES,
    Application,
    CaseRollup,
    HumanTask,
    Incident,
    ProcessVersion,
    Service,
    TaskStatus,
    utcnow,
)

LIVE_STATUSES = RUNNING_STATUSES


@dataclass(frozen=True)
class Overview:
    """The landing page's figures and lists."""

    services: list
    versions: list
    open_incidents: list
    cases_by_status: dict
    overdue_tasks: int
    agreement: dict


def running_by_status() -> dict[str, int]:
    """Running cases by status, counted over the index of open cases (also /metrics)."""
    return {
        status.value: n
        for status, n in db.session.execute(
            db.select(Application.status, func.count())
            .where(Application.status.in_(LIVE_STATUSES))
            .group_by(Application.status)
        ).all()
    }


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
    cases_by_status = running_by_status()
    approved, rejected, refused, reviewed, corrected = db.session.execute(
        db.select(
            func.sum(CaseRollup.approved),
            func.sum(CaseRollup.rejected),
            func.sum(CaseRollup.refused),
            func.sum(CaseRollup.files_reviewed),
            func.sum(CaseRollup.files_type_corrected),
        )
    ).one()
    cases_by_status["approved"] = int(approved or 0)
    cases_by_status["rejected"] = int(rejected or 0) - int(refused or 0)
    cases_by_status["refused"] = int(refused or 0)
    reviewed, corrected = int(reviewed or 0), int(corrected or 0)
    agreement = {
        "reviewed": reviewed,
        "corrected": corrected,
        "agreement": (reviewed - corrected) / reviewed if reviewed else None,
    }
    overdue_tasks = db.session.execute(
        db.select(func.count())
        .select_from(HumanTask)
        .where(
            HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]), HumanTask.due_at < utcnow()
        )
    ).scalar()
    return Overview(services, versions, open_incidents, cases_by_status, overdue_tasks, agreement)
