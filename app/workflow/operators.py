"""The application's service-task operators and the dispatch of asynchronous ones.

`auto_review` is asynchronous: the engine leaves its task STARTED, `dispatch_async_calls`
queues a job, and the job reports back through `runtime.complete_service_call`.
`issue_certificate` and `notify` run synchronously inside an advance.
"""

from __future__ import annotations

import secrets

from app import jobs
from app.extensions import db
from app.models import Application, WorkflowInstance, utcnow
from app.services import timeline
from app.workflow.engine import OperatorRegistry

_REGISTRY: OperatorRegistry | None = None


def _application(data: dict) -> Application | None:
    number = data.get("case_number")
    if not number:
        return None
    return db.session.execute(
        db.select(Application).where(Application.case_number == number)
    ).scalar()


def issue_certificate(params: dict, data: dict) -> dict:
    """Issue the service's result document: a certificate number recorded on the case."""
    prefix = (params.get("prefix") or "CERT").upper()[:8]
    number = f"{prefix}{utcnow():%Y%m%d}{secrets.randbelow(10**8):08d}"
    app_ = _application(data)
    if app_ is not None:
        app_.certificate_number = number
        timeline.record(app_, "certificate_issued", message=number)
    return {"certificate_number": number, "decision": "approved"}


def notify(params: dict, data: dict) -> dict:
    """Tell someone something: the applicant by default (timeline, inbox, SMS/e-mail), or —
    with `lane` — escalate to that department's leads (an overdue review). Notifications
    are made by app/services/notifications.py from the timeline event."""
    app_ = _application(data)
    # A diagram's own `message` is shown as written; a `template` is turned into text by
    # whoever shows it (timeline: context.NOTICE_LABELS; notifications), with its items.
    message = str(params.get("message") or "")[:500] or None
    notice = {"template": params.get("template"), "items": params.get("items")}
    lane = params.get("lane")
    if app_ is not None:
        if lane:
            from app.workflow.tasks import department_for_lane

            timeline.record(
                app_,
                "escalated",
                department=department_for_lane(str(lane)),
                message=message,
                data=notice,
            )
        else:
            timeline.record(app_, "notified", message=message, data=notice)
    return {"notified_at": utcnow().isoformat()}


def registry() -> OperatorRegistry:
    """The operators every process of this application may call."""
    global _REGISTRY
    if _REGISTRY is None:
        reg = OperatorRegistry()
        reg.add("auto_review", is_async=True)
        reg.add("issue_certificate", issue_certificate)
        reg.add("notify", notify)
        _REGISTRY = reg
    return _REGISTRY


def dispatch_async_calls(inst: WorkflowInstance, calls: list) -> None:
    """Queue one job per async service call not yet dispatched (idempotent)."""
    done = set(inst.dispatched_calls or [])
    new = [c for c in calls if c.task_id not in done]
    for call in new:
        jobs.enqueue(
            "operator_call",
            instance_id=inst.id,
            task_id=call.task_id,
            operator=call.operator,
            params=dict(call.params or {}),
        )
    if new:
        inst.dispatched_calls = sorted(done | {c.task_id for c in new})
