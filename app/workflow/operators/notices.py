"""`notify`: tell the applicant something, or escalate a case to a department's leads."""

from __future__ import annotations

from app.domain import events
from app.models import utcnow
from app.workflow.operators.cases import application_of
from app.workflow.operators.registry import operator
from app.workflow.tasks import department_for_lane


@operator("notify")
def notify(params: dict, data: dict) -> dict:
    """Tell someone something: the applicant by default (timeline, inbox, SMS/e-mail), or —
    with `lane` — escalate to that department's leads (an overdue review). Notifications
    are made from the recorded case step (app/services/case_events.py)."""
    app_ = application_of(data)
    # A diagram's own `message` is shown as written; a `template` is turned into text by
    # whoever shows it (timeline: context.NOTICE_LABELS; notifications), with its items.
    message = str(params.get("message") or "")[:500] or None
    notice = {"template": params.get("template"), "items": params.get("items")}
    lane = params.get("lane")
    if app_ is not None:
        if lane:
            events.case_step(
                app_,
                "escalated",
                department=department_for_lane(str(lane)),
                message=message,
                data=notice,
            )
        else:
            events.case_step(app_, "notified", message=message, data=notice)
    return {"notified_at": utcnow().isoformat()}
