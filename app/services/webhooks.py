"""Webhooks: outside systems are told of case events by a signed POST, sent as a job.

A system subscribes a URL (http or https only) with a secret to some of `EVENTS`. When a case
step maps to one of them (`EVENT_FOR_STEP`), `on_case_step` — a reaction in
app/services/case_events.py, so in the use case's own transaction — writes one
`WebhookDelivery` per subscription and queues a `webhook_delivery` job for it. The job
(`deliver`) POSTs the JSON with two headers:

    X-OneWindow-Timestamp: <unix seconds>
    X-OneWindow-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
constant time, and refuses a timestamp more than a few minutes old (replays). An answer other
than 2xx, or no answer, fails the attempt: it is recorded (`WebhookAttempt`, with the status
or the error) and the job is retried after an exponentially growing pause
(`WEBHOOK_RETRY_BASE_SECONDS` × 2^(attempt-2), at most 60 s) up to `JOB_MAX_ATTEMPTS`; after
the last, the delivery is marked failed for the administrators to see.

A webhook is a request this server makes on a caller's behalf, so where it may go is checked
(server-side request forgery): never to an address in `WEBHOOK_BLOCKED_NETWORKS` (this server
itself, link-local cloud metadata, multicast…), checked when the URL is subscribed and again,
after resolving the host name, before every attempt; redirects are not followed (a 3xx fails
the attempt), so a receiver cannot bounce the POST somewhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import uow
from app.domain import events
from app.domain.errors import NotFound, ValidationFailed
from app.extensions import db
from app.jobs import queue
from app.models import (
    ApiClient,
    Application,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    utcnow,
)
from app.models.api import DELIVERY_DELIVERED, DELIVERY_FAILED, DELIVERY_PENDING
from app.services.api_tokens import find_client

EVENT_FOR_STEP = {
    "submitted": "case.submitted",
    "accepted": "case.accepted",
    "deemed_accepted": "case.accepted",
    "decided": "case.decided",
    "certificate_issued": "certificate.issued",
}
EVENTS = tuple(sorted(set(EVENT_FOR_STEP.values())))
TIMESTAMP_HEADER = "X-OneWindow-Timestamp"
SIGNATURE_HEADER = "X-OneWindow-Signature"
EVENT_HEADER = "X-OneWindow-Event"
DELIVERY_HEADER = "X-OneWindow-Delivery"
MIN_SECRET_LENGTH = 16
MAX_BACKOFF_SECONDS = 60


class WebhookFailed(Exception):
    """The receiver did not take the delivery (no 2xx answer): the job retries."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the receiver's answer, not an instruction to POST elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _blocked_networks() -> list:
    raw = current_app.config.get("WEBHOOK_BLOCKED_NETWORKS") or ""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in raw.split(",") if n.strip()]


def refused_address(host: str) -> str | None:
    """The first address `host` stands for (itself, or what it resolves to) that webhooks may
    not reach, or None. A name that does not resolve here is not refused: it is checked again
    before each attempt, when it must resolve."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [literal]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    blocked = _blocked_networks()
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if any(mapped.version == net.version and mapped in net for net in blocked):
            return str(address)
    return None


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValidationFailed({"url": _l("Give an http:// or https:// address.")})
    if refused_address(parts.hostname):
        raise ValidationFailed(
            {
                "url": _l(
                    "This address points at the server itself or at a network webhooks may "
                    "not reach (loopback, link-local, multicast). Give the receiving "
                    "system's own address."
                )
            }
        )
    return url


@uow.use_case
def subscribe(
    client_ref, url: str, secret: str | None, chosen_events, admin: User | None = None
) -> tuple[WebhookSubscription, str]:
    """Subscribe `url` of a system to `chosen_events`; returns the subscription and its
    secret (generated when none is given)."""
    client = find_client(client_ref)
    errors = {}
    try:
        url = _check_url(url)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    chosen = sorted({e for e in chosen_events or () if e})
    if not chosen or any(e not in EVENTS for e in chosen):
        errors["events"] = _l("Choose events among: %(events)s", events=", ".join(EVENTS))
    secret = (secret or "").strip() or secrets.token_urlsafe(32)
    if not MIN_SECRET_LENGTH <= len(secret) <= 128:
        errors["secret"] = _l("The secret needs %(min)d to 128 characters.", min=MIN_SECRET_LENGTH)
    if errors:
        raise ValidationFailed(errors)
    subscription = WebhookSubscription(client_id=client.id, url=url, secret=secret, events=chosen)
    db.session.add(subscription)
    db.session.flush()
    events.audited(
        "admin_change",
        actor=admin,
        object_type="webhook",
        object_id=subscription.id,
        details={"change": "webhook_subscribed", "system": client.name, "url": url},
    )
    return subscription, secret


def subscriptions_of(client_id: int) -> list[WebhookSubscription]:
    """A system's active subscriptions."""
    return list(
        db.session.execute(
            select(WebhookSubscription)
            .where(WebhookSubscription.client_id == client_id, WebhookSubscription.active)
            .order_by(WebhookSubscription.id)
        ).scalars()
    )


@uow.use_case
def unsubscribe(subscription_id: int, client_id: int | None = None, admin: User | None = None):
    """End a subscription (of `client_id` only, when given: a system ends only its own)."""
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None or (client_id is not None and subscription.client_id != client_id):
        raise NotFound("no_webhook", _l("No such webhook subscription."))
    if subscription.active:
        subscription.active = False
        events.audited(
            "admin_change",
            actor=admin,
            object_type="webhook",
            object_id=subscription.id,
            details={"change": "webhook_unsubscribed", "system": subscription.client.name},
        )
    return subscription


def _active() -> tuple[tuple[int, frozenset], ...]:
    """The active subscriptions of active systems, as (id, events): plain values, kept per
    process (`uow.per_process`) since every case step asks."""
    return tuple(
        (sub_id, frozenset(sub_events or ()))
        for sub_id, sub_events in db.session.execute(
            select(WebhookSubscription.id, WebhookSubscription.events)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
            .where(WebhookSubscription.active, ApiClient.active)
            .order_by(WebhookSubscription.id)
        )
    )


def on_case_step(step) -> None:
    """Reaction to a case step: one delivery (and its job) per subscription to its event."""
    event = EVENT_FOR_STEP.get(step.kind)
    if event is None:
        return
    subscriptions = [
        sub_id
        for sub_id, sub_events in uow.per_process(
            (WebhookSubscription, ApiClient), "active", _active
        )
        if event in sub_events
    ]
    if not subscriptions:
        return
    application = db.session.get(Application, step.application_id)
    payload = {
        "event": event,
        "step": step.kind,
        "at": step.at.isoformat(),
        "case_number": application.case_number,
        "service": application.service.code,
        "status": application.status.value,
    }
    if step.kind == "decided":
        payload["outcome"] = step.message
    if step.kind == "certificate_issued":
        payload["certificate_number"] = step.message
    for subscription_id in subscriptions:
        delivery = WebhookDelivery(subscription_id=subscription_id, event=event, payload=payload)
        db.session.add(delivery)
        db.session.flush()
        queue.enqueue("webhook_delivery", delivery_id=delivery.id)


def _backoff(attempt: int) -> float:
    base = float(current_app.config.get("WEBHOOK_RETRY_BASE_SECONDS", 2))
    return 0.0 if attempt <= 1 else min(base * 2 ** (attempt - 2), MAX_BACKOFF_SECONDS)


def deliver(delivery_id: int, attempt: int = 1) -> dict:
    """POST one delivery, signed (the job's handler body). Raises WebhookFailed so that the
    job is retried; each attempt is recorded, a failed one after the rollback."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DELIVERY_PENDING:
        return {"skipped": delivery.status if delivery else "deleted"}
    time.sleep(_backoff(attempt))
    subscription = delivery.subscription
    body = json.dumps(
        {"delivery": delivery.id, **delivery.payload}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "OneWindow-Webhooks/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
        },
    )
    started = time.monotonic()
    status, error = None, None
    try:
        host = urlsplit(subscription.url).hostname or ""
        refused = refused_address(host)
        if refused:
            raise ValueError(f"{host} resolves to {refused}, an address webhooks may not reach")
        timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 10))
        with _OPENER.open(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:500] or type(exc).__name__
    took = int((time.monotonic() - started) * 1000)
    if status is not None and 200 <= status < 300:
        _note_attempt(delivery, attempt, status, None, took)
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DELIVERY_DELIVERED,
            utcnow(),
            None,
        )
        return {"delivered": delivery.id, "status": status}
    uow.on_failure(lambda: _note_attempt(delivery_id, attempt, status, error, took))
    raise WebhookFailed(f"delivery {delivery_id}: {error or f'HTTP {status}'}")


def _note_attempt(delivery, attempt: int, status, error, took: int) -> None:
    if not isinstance(delivery, WebhookDelivery):
        delivery = db.session.get(WebhookDelivery, delivery)
        if delivery is None:
            return
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt=attempt,
            status_code=status,
            error=error,
            duration_ms=took,
        )
    )
    delivery.attempts = max(delivery.attempts or 0, attempt)
    delivery.last_error = error or (f"HTTP {status}" if status and status >= 300 else None)


def mark_failed(delivery_id: int | None, error: str | None) -> None:
    """After the last attempt: the delivery failed (the administrators' page shows it)."""
    delivery = db.session.get(WebhookDelivery, delivery_id) if delivery_id else None
    if delivery is not None and delivery.status == DELIVERY_PENDING:
        delivery.status = DELIVERY_FAILED
        delivery.last_error = (delivery.last_error or error or "delivery failed")[:2000]


def recent_deliveries(limit: int = 50) -> list[WebhookDelivery]:
    """The newest deliveries with their attempts (the administrators' page)."""
    return list(
        db.session.execute(
            select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
        ).scalars()
    )
