"""The case clock as people act on it and see it: the lead's one extension (延期) and the
alert shown beside the promised and statutory dates (see app/domain/clock.py for the rules).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import clock, events
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.models import Application, User, utcnow
from app.workflow import tasks

REASON_MAX = 1000


def lead_department_code(application: Application) -> str | None:
    """The code of the department that leads the case's service (it accepts and extends)."""
    return (application.service.definition or {}).get("lead_department")


def may_extend(user: User, application: Application) -> bool:
    """Whether `user` may extend this case now: a lead of the lead department, once."""
    department = getattr(user, "department", None)
    return (
        bool(getattr(user, "is_lead", False))
        and department is not None
        and department.code == lead_department_code(application)
        and clock.can_extend(application)
    )


@uow.use_case
def extend(lead: User, application: Application, reason: str) -> None:
    """Extend the case's time limits once by `clock.EXTENSION_DAYS` working days, with the
    reason the applicant is sent (an `extended` case step carries what the notice needs)."""
    department = lead.department
    if (
        not lead.is_lead
        or department is None
        or department.code != lead_department_code(application)
    ):
        raise Forbidden("lead_only", _l("Only a lead of the responsible department may extend."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _l("Give the reason for the extension.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _l("At most %(n)d characters.", n=REASON_MAX)})
    if application.extension_days:
        raise Conflict("already_extended", _l("The time limit has already been extended once."))
    if not clock.can_extend(application):
        raise Conflict("clock_not_running", _l("Only a case under way can be extended."))
    old_due = application.due_at
    clock.extend(application, reason)
    if application.instance is not None:
        tasks.move_due(application.instance, old_due, application.due_at)
    events.case_step(
        application,
        "extended",
        actor=lead,
        department=department,
        message=reason,
        data={
            "case_number": application.case_number,
            "days": application.extension_days,
            "reason": reason,
            "due_at": application.due_at.isoformat(),
            "promised_due_at": application.promised_due_at.isoformat(),
        },
    )


def view(application: Application, now=None) -> dict | None:
    """What the clock shows: alert level, promised and statutory (fatal) dates; None before
    acceptance."""
    if application.accepted_at is None:
        return None
    return {
        "alert": clock.alert(application, now or utcnow()),
        "accepted_at": application.accepted_at,
        "promised_due_at": application.promised_due_at,
        "due_at": application.due_at,
        "paused_since": application.clock_paused_at,
        "paused_days": application.paused_days or 0,
        "extension_days": application.extension_days or 0,
    }
