"""容缺受理: non-key materials that follow after acceptance, their deadline and reminders.

A material declared `"deferrable": true` (forms/<service>.json) may be missing at
submission: `applications.submit` records it as deferred (`material_rules.defer_missing`)
and the case goes on. Its deadline is the service's `deferred_materials.working_days`
working days from acceptance (workflows/services.json). The citizen sees it outstanding on
the case page and uploads it there (`supply`); the file is reviewed like any other.

The scheduler tick (`check_deadlines`) reminds the citizen `remind_days_before` working days
before the deadline (a `material_reminder` step, which notifies them) and, once the
deadline has passed without the file, applies the service's `on_missing` rule: `flag` marks
the material overdue and records a `material_overdue` step, which alerts the clerks
holding the case's open tasks (or their department's leads) and shows on the task page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import calendar, events
from app.domain.errors import Conflict, NotFound
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    HumanTask,
    TaskStatus,
    User,
    utcnow,
)
from app.models.materials import DEFERRED, MaterialSubstitute
from app.services import applications, material_rules, notifications

log = logging.getLogger(__name__)

# A case in these states still takes the deferred materials.
_OPEN = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.CORRECTION,
)


@dataclass(frozen=True)
class Outstanding:
    """A deferred material of a case: its slot, deadline and whether it is overdue."""

    substitute: MaterialSubstitute
    material: dict
    due_at: datetime | None  # None until the case is accepted
    overdue: bool


def due_at(application: Application, rule: dict | None = None) -> datetime | None:
    """The deadline of the case's deferred materials (None while it is not accepted)."""
    if application.accepted_at is None:
        return None
    rule = rule or material_rules.deferral_rule(application.service)
    return calendar.add_working_days(application.accepted_at, int(rule["working_days"]))


def remind_at(application: Application, rule: dict) -> datetime | None:
    """When the citizen is reminded of the materials still to come."""
    if application.accepted_at is None:
        return None
    days = max(int(rule["working_days"]) - int(rule.get("remind_days_before") or 0), 0)
    return calendar.add_working_days(application.accepted_at, days)


def _waiting(application: Application) -> list[MaterialSubstitute]:
    """The deferred materials not supplied yet, here or with an answer to a correction."""
    with_files = {a.slot for a in application.attachments if not a.superseded}
    return [
        s
        for s in application.material_substitutes
        if s.kind == DEFERRED and s.supplied_at is None and s.slot not in with_files
    ]


def outstanding(application: Application, now: datetime | None = None) -> list[Outstanding]:
    """The case's deferred materials not yet supplied."""
    now = now or utcnow()
    due = due_at(application)
    out = []
    for sub in _waiting(application):
        out.append(
            Outstanding(
                substitute=sub,
                material=material_rules.material(application.service, sub.slot),
                due_at=due,
                overdue=sub.overdue_at is not None or (due is not None and now > due),
            )
        )
    return out


@uow.use_case
def supply(application: Application, slot: str, filename: str, data: bytes, actor: User):
    """The citizen uploads a deferred material on the case page (after submission, before
    the decision). The file is stored and reviewed like any other."""
    sub = material_rules.substitutes_by_slot(application).get(slot)
    if sub is None or sub not in _waiting(application):
        raise NotFound("nothing_outstanding", _l("This material is not outstanding."))
    if application.status not in _OPEN:
        raise Conflict("case_closed", _l("This case is closed: materials can no longer be added."))
    att = applications.store_attachment(application, slot, filename, data)
    sub.supplied_at = utcnow()
    label = material_rules.material(application.service, slot).get("label") or {}
    events.case_step(
        application,
        "material_supplied",
        actor=actor,
        message=label.get("zh") or slot,
        data={"slot": slot, "attachment_id": att.id, "late": sub.overdue_at is not None},
    )
    return att


def supplied_file(application: Application, slot: str) -> Attachment | None:
    """The file that came later for a deferred slot, if any."""
    return next((a for a in application.attachments if a.slot == slot and not a.superseded), None)


def check_deadlines(now: datetime | None = None) -> dict:
    """The scheduler's round: remind and flag, each case in its own unit of work."""
    now = now or utcnow()
    ids = [
        r[0]
        for r in db.session.execute(
            db.select(MaterialSubstitute.application_id)
            .join(Application, Application.id == MaterialSubstitute.application_id)
            .where(
                MaterialSubstitute.kind == DEFERRED,
                MaterialSubstitute.supplied_at.is_(None),
                MaterialSubstitute.overdue_at.is_(None),
                Application.accepted_at.is_not(None),
                Application.status.in_(_OPEN),
            )
            .distinct()
        )
    ]
    counts = {"reminded": 0, "flagged": 0}
    for application_id in ids:
        try:
            done = _check_case(application_id, now)
        except Exception:  # noqa: BLE001 — rolled back by its unit of work; go on
            log.exception("deferred materials of case %s could not be checked", application_id)
            continue
        for key in counts:
            counts[key] += done[key]
    return counts


@uow.use_case
def _check_case(application_id: int, now: datetime) -> dict:
    application = db.session.get(Application, application_id)
    rule = material_rules.deferral_rule(application.service)
    due, remind = due_at(application, rule), remind_at(application, rule)
    pending = [s for s in _waiting(application) if s.overdue_at is None]
    done = {"reminded": 0, "flagged": 0}
    if not pending or due is None:
        return done
    slots = [s.slot for s in pending]
    if now > due:
        for sub in pending:
            sub.overdue_at = now
        events.case_step(
            application,
            "material_overdue",
            data={"slots": slots, "rule": rule["on_missing"], "due_at": due.isoformat()},
        )
        done["flagged"] = 1
    elif now >= remind and any(s.reminded_at is None for s in pending):
        for sub in pending:
            sub.reminded_at = now
        events.case_step(
            application,
            "material_reminder",
            data={"slots": slots, "due_at": due.isoformat()},
        )
        done["reminded"] = 1
    return done


def _path(endpoint: str, **values) -> str:
    """A local URL path, also outside a request (the scheduler's round)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


# ----- the notifications (a reaction to the two steps, in app/services/case_events.py) -----


def on_case_step(step) -> None:
    """Tell the citizen of a reminder, and the clerks of an overdue material."""
    if step.kind not in ("material_reminder", "material_overdue"):
        return
    application = db.session.get(Application, step.application_id)
    if application is None:
        return
    due = ((step.data or {}).get("due_at") or "")[:10]
    if step.kind == "material_reminder":
        notifications.send(
            application.citizen,
            "material_reminder",
            lambda: (
                _("Materials still to supply: %(number)s", number=application.case_number),
                _(
                    "Case %(number)s was accepted with materials to follow. Upload them on "
                    "the case page before the deadline (%(due)s).",
                    number=application.case_number,
                    due=due,
                ),
            ),
            link=_path("portal.case", application_id=application.id),
            application=application,
        )
        return
    tasks = list(
        db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == application.id,
                HumanTask.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
            )
        ).scalars()
    )
    recipients = {t.assignee_id for t in tasks if t.assignee_id}
    if not recipients:  # nobody holds a task: the leads of the departments that have one
        departments = {t.department_id for t in tasks if t.department_id}
        recipients = set(
            db.session.execute(
                db.select(User.id).where(
                    User.department_id.in_(departments),
                    User.is_lead.is_(True),
                    User.active.is_(True),
                )
            ).scalars()
        )
    link = _path("clerk.task", task_id=tasks[0].id) if tasks else None
    for user_id in sorted(recipients):
        notifications.send(
            db.session.get(User, user_id),
            "material_overdue",
            lambda: (
                _("Deferred material overdue: %(number)s", number=application.case_number),
                _(
                    "Case %(number)s was accepted with materials to follow; their deadline "
                    "(%(due)s) has passed without them. Open the case to decide what to do.",
                    number=application.case_number,
                    due=due,
                ),
            ),
            link=link,
            application=application,
        )
