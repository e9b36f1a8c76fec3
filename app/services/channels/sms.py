"""The SMS channel: notifications to the user's mobile number, through a government gateway.

`SMS_BACKEND` chooses the backend (app/config.py):

- `log` writes the message to the application log (demos); the delivery row keeps the text.
- `http` POSTs JSON `{mobile, content, sign, request_id}` with `Authorization: Bearer
  <SMS_HTTP_TOKEN>` to `SMS_HTTP_URL` — the usual shape of government SMS gateways;
  `request_id` is stable across retries so a gateway can drop duplicates. A non-2xx answer,
  or a JSON answer whose `code` is not 0/OK, is a failure.
- `off` sends no SMS.

The text is "【SMS_SIGN】title: body link", cut to `SMS_MAX_CHARS`.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import NotificationDelivery
from app.services.channels.registry import Channel, DeliveryError, Message

log = logging.getLogger(__name__)
SMS_MAX_CHARS = 300
_OK_CODES = {"0", "ok", "success", "200"}


def compose(message: Message) -> str:
    """The SMS text: the gateway's signature, title, body and the absolute link if any."""
    text = _("%(title)s: %(body)s", title=message.title, body=message.body)
    if message.url:
        text = f"{text} {message.url}"
    sign = current_app.config.get("SMS_SIGN")
    return f"【{sign}】{text}" if sign else text


def mask(mobile: str) -> str:
    """138****8000: enough to tell messages apart in a log, not a full number."""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else "****"


def send_to_log(row: NotificationDelivery) -> str:
    """Demo SMS: the message goes to the application log; the row keeps the text."""
    log.info("SMS to %s: %s", CHANNEL.mask_address(row.address), row.content)
    return f"log-{row.id}"


def send_over_http(row: NotificationDelivery) -> str | None:
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


CHANNEL = Channel(
    name="sms",
    label=_l("SMS"),
    address_attribute="mobile",
    compose=compose,
    backend_setting="SMS_BACKEND",
    backends={"log": send_to_log, "http": send_over_http},
    max_chars=SMS_MAX_CHARS,
    mask_address=mask,
)
