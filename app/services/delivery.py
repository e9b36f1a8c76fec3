"""Sending notifications outside the app: the background job that sends one delivery row.

One `notification_delivery` job per delivery row. The job sends the text composed when the
notification was created, through the backend of the row's channel found in the channel
registry (`app/services/channels/`: SMS and e-mail, their backends and settings). A failure
raises, so the job system retries it (up to `JOB_MAX_ATTEMPTS`, waiting
`DELIVERY_RETRY_DELAY_SECONDS` × attempt before each retry), and after the last attempt
`mark_failed` records the error on the row. The in-app notification is never touched by a
delivery.
"""

from __future__ import annotations

import time

from flask import current_app

from app.extensions import db
from app.models import DeliveryStatus, NotificationDelivery, utcnow
from app.services import channels
from app.services.channels import DeliveryError

__all__ = ["DeliveryError", "deliver", "mark_failed"]


def deliver(delivery_id: int, attempt: int = 1) -> dict:
    """Send one delivery row through its channel's backend (the job's handler body).

    Raises DeliveryError (or the backend's own error) so that the job is retried; on success
    the row is marked sent in the job's transaction.
    """
    row = db.session.get(NotificationDelivery, delivery_id)
    if row is None:
        return {"skipped": "delivery deleted"}
    if row.status != DeliveryStatus.PENDING:
        return {"skipped": row.status.value}  # a late duplicate of a finished job
    if attempt > 1:
        delay = float(current_app.config.get("DELIVERY_RETRY_DELAY_SECONDS") or 0)
        time.sleep(min(delay * (attempt - 1), 60))
    send = channels.find_backend(row.channel, row.backend)
    if send is None:
        raise DeliveryError(f"no {row.channel} backend named {row.backend!r}")
    provider_id = send(row)
    row.status, row.sent_at, row.attempts = DeliveryStatus.SENT, utcnow(), attempt
    row.provider_id = str(provider_id)[:128] if provider_id else None
    row.error = None
    return {"channel": row.channel, "backend": row.backend, "status": "sent"}


def mark_failed(delivery_id: int, error: str | None, attempts: int) -> None:
    """After the last attempt: the delivery failed (the inbox notification stays)."""
    row = db.session.get(NotificationDelivery, delivery_id)
    if row is not None and row.status == DeliveryStatus.PENDING:
        row.status, row.attempts = DeliveryStatus.FAILED, attempts
        row.error = (error or "delivery failed")[:2000]
