"""Sending notifications outside the app: SMS and e-mail backends, run from background jobs.

One `notification_delivery` job per channel row. The job sends the text composed when the
notification was created; a failure raises, so the job system retries it (up to
`JOB_MAX_ATTEMPTS`, waiting `DELIVERY_RETRY_DELAY_SECONDS` × attempt before each retry), and
after the last attempt `mark_failed` records the error on the row. The in-app notification
is never touched by a delivery. Backends (app/config.py):

- SMS `log` writes the message to the application log (demos), `http` POSTs JSON
  `{mobile, content, sign, request_id}` with `Authorization: Bearer <SMS_HTTP_TOKEN>` to
  `SMS_HTTP_URL` — the usual shape of government SMS gateways; `request_id` is stable across
  retries so a gateway can drop duplicates. A non-2xx answer, or a JSON answer whose `code`
  is not 0/OK, is a failure.
- e-mail `log`, or `smtp` (smtplib: MAIL_SERVER/PORT/USE_TLS/USE_SSL/USERNAME/PASSWORD/SENDER).
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from app.extensions import db
from app.models import DeliveryStatus, NotificationDelivery, utcnow

log = logging.getLogger(__name__)
_OK_CODES = {"0", "ok", "success", "200"}


class DeliveryError(Exception):
    """A backend could not send; the message says why (kept on the delivery row)."""


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
    backend = BACKENDS.get((row.channel, row.backend))
    if backend is None:
        raise DeliveryError(f"no {row.channel} backend named {row.backend!r}")
    provider_id = backend(row)
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


# ---------------------------------------------------------------- backends


def sms_log(row: NotificationDelivery) -> str:
    """Demo SMS: the message goes to the application log; the row keeps the text."""
    log.info("SMS to %s: %s", _mask(row.address), row.content)
    return f"log-{row.id}"


def sms_http(row: NotificationDelivery) -> str | None:
    """POST the SMS to the gateway at SMS_HTTP_URL; returns the gateway's message id."""
    cfg = current_app.config
    url = cfg.get("SMS_HTTP_URL")
    if not url:
        raise DeliveryError("SMS_HTTP_URL is not set")
    payload = {
        "mobile": row.address,
        "content": row.content,
        "sign": cfg.get("SMS_SIGN"),
        "request_id": f"onewindow-{row.id}",
    }
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if cfg.get("SMS_HTTP_TOKEN"):
        headers["Authorization"] = f"Bearer {cfg['SMS_HTTP_TOKEN']}"
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(
            request, timeout=float(cfg.get("SMS_HTTP_TIMEOUT") or 5)
        ) as resp:
            raw = resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            f"SMS gateway answered HTTP {exc.code}: {exc.read(500).decode('utf-8', 'replace')}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
        raise DeliveryError(f"SMS gateway unreachable: {getattr(exc, 'reason', exc)}") from None
    try:
        answer = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    code = answer.get("code", 0)
    if str(code).strip().lower() not in _OK_CODES:
        raise DeliveryError(
            f"SMS gateway refused the message: code {code}: "
            f"{answer.get('message') or answer.get('msg') or ''}".strip()
        )
    return answer.get("message_id") or answer.get("msgid") or answer.get("id")


def mail_log(row: NotificationDelivery) -> str:
    """Demo e-mail: the message goes to the application log; the row keeps the text."""
    log.info("E-mail to %s: %s | %s", row.address, row.notification.title, row.content)
    return f"log-{row.id}"


def mail_smtp(row: NotificationDelivery) -> str:
    """Send the e-mail through the SMTP server in the MAIL_* settings; returns its Message-ID."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = row.notification.title
    msg["From"] = cfg["MAIL_SENDER"]
    msg["To"] = row.address
    msg["Message-ID"] = make_msgid(idstring=f"onewindow-{row.id}")
    msg.set_content(row.content or "", charset="utf-8")
    host, port = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"])
    timeout = float(cfg.get("MAIL_TIMEOUT") or 10)
    try:
        if cfg.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            refused = smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from None
    if refused:
        raise DeliveryError(f"SMTP server refused {', '.join(refused)}")
    return msg["Message-ID"]


def _mask(mobile: str) -> str:
    """138****8000: enough to tell messages apart in a log, not a full number."""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else "****"


BACKENDS = {
    ("sms", "log"): sms_log,
    ("sms", "http"): sms_http,
    ("email", "log"): mail_log,
    ("email", "smtp"): mail_smtp,
}
