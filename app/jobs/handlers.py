"""Job handlers: thin functions over services, registered by kind with their failure hooks.

Handlers run inside the transaction the job runner holds (app/jobs/execution.py) and never
commit: their changes commit together with the job's `done` mark, or not at all.
"""

from __future__ import annotations

import os
import socket

from sqlalchemy.orm import joinedload

from app.domain import events
from app.extensions import db
from app.jobs.registry import handler, on_final_failure
from app.models import Application, Attachment, ECertificate, Job
from app.services import delivery, ecertificates, incidents, previews, reviews, webhooks
from app.workflow import locking, runtime

# What each handler reads, loaded with the row in one statement rather than one by one.
_WITH_CASE = joinedload(Attachment.application)
_ATTACHMENT_WITH_CASE = (
    _WITH_CASE.joinedload(Application.service),
    _WITH_CASE.joinedload(Application.citizen),
)
_CERTIFICATE_WITH_ISSUER = (
    joinedload(ECertificate.service),
    joinedload(ECertificate.department),
)


@handler("review_attachment")
def review_attachment(job: Job, attachment_id: int) -> dict:
    """OCR, classify and check one uploaded file."""
    att = db.session.get(Attachment, attachment_id, options=_ATTACHMENT_WITH_CASE)
    if att is None:
        return {"skipped": "attachment deleted"}
    return reviews.review_attachment(att)


@on_final_failure("review_attachment")
def review_attachment_failed(job: Job) -> None:
    """The file could not be reviewed at all: say so on the file, for citizen and clerk."""
    att = db.session.get(Attachment, (job.payload or {}).get("attachment_id"))
    if att is not None:
        att.review_status = "failed"
        att.review = {
            "verdict": "attention",
            "reasons": [{"code": "unreadable", "message": "review job failed"}],
            "error": job.error,
        }


@handler("render_preview")
def render_preview(job: Job, attachment_id: int) -> dict:
    """Make the JPEG preview of a file that has none, in a bounded worker process."""
    att = db.session.get(Attachment, attachment_id)
    if att is None:
        return {"skipped": "attachment deleted"}
    return previews.render(att)


@handler("operator_call")
def operator_call(job: Job, instance_id: int, task_id: str, operator: str, params: dict) -> dict:
    """Run an asynchronous service-task operator and report its result to the workflow."""
    if operator != "auto_review":
        raise ValueError(f"no asynchronous implementation for operator {operator!r}")
    inst = locking.lock_instance(instance_id)  # the advance below reuses this lock and read
    result = reviews.review_case(inst.application)
    events.case_step(
        inst.application,
        "auto_review",
        message=result["verdict"],
        data={"problems": result["problems"]},
    )
    try:
        runtime.complete_service_call(instance_id, task_id, {"auto_review": result})
    except runtime.CaseStuck:
        pass  # the incident is recorded in this transaction; an administrator retries
    else:
        incidents.resolve_job_incidents(instance_id, task_id)  # a retried call that worked
    return {"verdict": result["verdict"]}


@on_final_failure("operator_call")
def operator_call_failed(job: Job) -> None:
    """The operator never produced a result: an incident for the administrators."""
    payload = job.payload or {}
    incidents.record_job_failure(
        payload["instance_id"], payload.get("task_id"), job.error or "job failed", job.id
    )


@handler("notification_delivery")
def notification_delivery(job: Job, delivery_id: int) -> dict:
    """Send one notification through one outside channel (SMS or e-mail)."""
    return delivery.deliver(delivery_id, attempt=job.attempts)


@on_final_failure("notification_delivery")
def notification_delivery_failed(job: Job) -> None:
    """Every attempt failed: the delivery row says so (the portal notification stays)."""
    delivery.mark_failed((job.payload or {}).get("delivery_id"), job.error, job.attempts)


@handler("sign_certificate")
def sign_certificate(job: Job, certificate_id: int, verify_url: str) -> dict:
    """Render an e-certificate's PDF, sign it (PAdES) and store it."""
    db.session.get(ECertificate, certificate_id, options=_CERTIFICATE_WITH_ISSUER)
    return ecertificates.sign(certificate_id, verify_url)


@on_final_failure("sign_certificate")
def sign_certificate_failed(job: Job) -> None:
    """The PDF could not be signed: the register says so (the certificate stays valid)."""
    ecertificates.mark_signing_failed((job.payload or {}).get("certificate_id"), job.error)


@handler("webhook_delivery")
def webhook_delivery(job: Job, delivery_id: int) -> dict:
    """POST one case event, signed, to a subscribed system (retried with back-off)."""
    return webhooks.deliver(delivery_id, attempt=job.attempts)


@on_final_failure("webhook_delivery")
def webhook_delivery_failed(job: Job) -> None:
    """Every attempt failed: the delivery says so on the administrators' page."""
    webhooks.mark_failed((job.payload or {}).get("delivery_id"), job.error)


@handler("ping")
def ping(job: Job) -> dict:
    """A no-op job reporting which process ran it (health checks and tests)."""
    return {"pid": os.getpid(), "host": socket.gethostname()}
