"""Job handlers: thin wrappers that call services (registered by kind)."""

from __future__ import annotations

from app.extensions import db
from app.jobs.registry import handler
from app.models import Attachment, Incident, Job, WorkflowInstance


@handler("review_attachment")
def review_attachment(job: Job, attachment_id: int) -> dict:
    """OCR, classify and check one uploaded file."""
    from app.services import reviews

    att = db.session.get(Attachment, attachment_id)
    if att is None:
        return {"skipped": "attachment deleted"}
    return reviews.review_attachment(att)


@handler("operator_call")
def operator_call(job: Job, instance_id: int, task_id: str, operator: str, params: dict) -> dict:
    """Run an asynchronous service-task operator and report its result to the workflow."""
    from app.services import reviews
    from app.workflow import runtime

    if operator != "auto_review":
        raise ValueError(f"no asynchronous implementation for operator {operator!r}")
    from app.services import timeline

    inst = db.session.get(WorkflowInstance, instance_id)
    result = reviews.review_case(inst.application)
    timeline.record(
        inst.application,
        "auto_review",
        message=result["verdict"],
        data={"problems": result["problems"]},
    )
    db.session.commit()
    try:
        runtime.complete_service_call(instance_id, task_id, {"auto_review": result})
    except runtime.CaseStuck:
        pass  # incident recorded
    db.session.commit()
    return {"verdict": result["verdict"]}


@handler("notification_delivery")
def notification_delivery(job: Job, delivery_id: int) -> dict:
    """Send one notification through one outside channel (SMS or e-mail)."""
    from app.services import delivery

    return delivery.deliver(delivery_id, attempt=job.attempts)


def on_job_failed(job: Job) -> None:
    """After the last attempt: mark a review or a delivery failed, or open an incident."""
    payload = job.payload or {}
    if job.kind == "notification_delivery":
        from app.services import delivery

        delivery.mark_failed(payload.get("delivery_id"), job.error, job.attempts)
    if job.kind == "review_attachment":
        att = db.session.get(Attachment, payload.get("attachment_id"))
        if att is not None:
            att.review_status = "failed"
            att.review = {
                "verdict": "attention",
                "reasons": [{"code": "unreadable", "message": "review job failed"}],
                "error": job.error,
            }
    elif job.kind == "operator_call":
        db.session.add(
            Incident(
                instance_id=payload["instance_id"],
                element_id=None,
                kind="job",
                message=job.error or "job failed",
                details={"job_id": job.id, "task_id": payload.get("task_id")},
            )
        )


@handler("ping")
def ping(job: Job) -> dict:
    """A no-op job reporting which process ran it (health checks and tests)."""
    import os
    import socket

    return {"pid": os.getpid(), "host": socket.gethostname()}
