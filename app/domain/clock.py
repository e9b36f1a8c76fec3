"""The case clock (Administrative Licensing Law Art. 32, 42, 45), in working days.

- Intake: the agency decides within `INTAKE_DAYS` working days of receipt; if it does not,
  the application counts as accepted from the day of receipt (deemed acceptance).
- The statutory limit (`Service.time_limit_days`, the fatal date `due_at`) and the shorter
  promised limit (`Service.promised_days`, `promised_due_at`) run from acceptance.
- Time spent on 补正 after acceptance is not counted: the clock stops when the citizen is
  asked (`clock_paused_at`) and resumes on the answer; the working days it stood still are
  added to `paused_days`, and both due dates move by them.
- One extension (`EXTENSION_DAYS`, approved by a lead with a reason) moves both due dates.

These functions only change the case's columns; the workflow runtime calls them as the
process moves, `app.services.clock` for the lead's extension.
"""

from __future__ import annotations

from datetime import datetime

from app.domain import calendar
from app.domain.catalogue import service_of

INTAKE_DAYS = 5
EXTENSION_DAYS = 10
YELLOW_DAYS = 2  # working days before the promised date when the alert turns yellow


def intake_due(received_at: datetime) -> datetime:
    """The end of the last working day the agency has to decide on intake."""
    return calendar.add_working_days(received_at, INTAKE_DAYS)


def accept(application, at: datetime, *, deemed: bool) -> None:
    """Start the clock: at `at`, or — deemed acceptance — at the time of receipt."""
    application.accepted_at = (application.submitted_at or at) if deemed else at
    recompute(application)


def recompute(application) -> None:
    """Both due dates from acceptance, the service's limits, pauses and the extension."""
    if application.accepted_at is None:
        return
    service = service_of(application)
    extra = (application.paused_days or 0) + (application.extension_days or 0)
    start = application.accepted_at
    application.due_at = calendar.add_working_days(start, service.time_limit_days + extra)
    application.promised_due_at = calendar.add_working_days(start, service.promised_days + extra)


def pause(application, at: datetime) -> bool:
    """Stop the clock for a correction after acceptance; True when it was running."""
    if application.accepted_at is None or application.clock_paused_at is not None:
        return False
    application.clock_paused_at = at
    return True


def resume(application, at: datetime) -> int | None:
    """Restart a stopped clock; the working days it stood still (None: it was running)."""
    if application.clock_paused_at is None:
        return None
    days = calendar.working_days_between(application.clock_paused_at, at)
    application.paused_days = (application.paused_days or 0) + days
    application.clock_paused_at = None
    recompute(application)
    return days


def can_extend(application) -> bool:
    """One extension per case, while it runs (accepted, not decided)."""
    return (
        application.accepted_at is not None
        and application.decided_at is None
        and not application.extension_days
    )


def extend(application, reason: str, days: int = EXTENSION_DAYS) -> None:
    """Apply the one extension (the caller checked `can_extend` and who asks)."""
    application.extension_days = days
    application.extension_reason = reason
    recompute(application)


def alert(application, now: datetime) -> str | None:
    """'paused', 'green', 'yellow' (promised date near), 'red' (promised date passed) or
    'overdue' (the statutory date passed); None while the clock has not started or the case
    is decided."""
    if application.accepted_at is None or application.decided_at is not None:
        return None
    if application.clock_paused_at is not None:
        return "paused"
    if application.due_at is not None and now > application.due_at:
        return "overdue"
    promised = application.promised_due_at or application.due_at
    if promised is None:
        return None
    if now > promised:
        return "red"
    if calendar.add_working_days(now, YELLOW_DAYS) >= promised:
        return "yellow"
    return "green"
