"""The e-mail channel: notifications to the user's e-mail address, if they gave one.

`MAIL_BACKEND` chooses the backend (app/config.py): `log` writes the message to the
application log (demos), `smtp` sends it through the server in the MAIL_* settings
(MAIL_SERVER/PORT/USE_TLS/USE_SSL/USERNAME/PASSWORD/SENDER/TIMEOUT), `off` sends no e-mail.
The subject is the notification's title; the text greets the recipient by name, gives the
body and the absolute link if any, and says not to reply.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import NotificationDelivery
from app.services.channels.registry import Channel, DeliveryError, Message, show_address

log = logging.getLogger(__name__)


def compose(message: Message) -> str:
    """The e-mail's text (its subject is the notification's title, set when sending)."""
    lines = [_("Dear %(name)s,", name=message.recipient.real_name), "", message.body, ""]
    if message.url:
        lines += [_("Open: %(url)s", url=message.url), ""]
    lines += ["--", _("This message was sent by OneWindow. Please do not reply.")]
    return "\n".join(lines)


def send_to_log(row: NotificationDelivery) -> str:
    """Demo e-mail: the message goes to the application log; the row keeps the text."""
    log.info(
        "E-mail to %s: %s | %s",
        CHANNEL.mask_address(row.address),
        row.notification.title,
        row.content,
    )
    return f"log-{row.id}"


def send_over_smtp(row: NotificationDelivery) -> str:
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


CHANNEL = Channel(
    name="email",
    label=_l("E-mail"),
    address_attribute="email",
    compose=compose,
    backend_setting="MAIL_BACKEND",
    backends={"log": send_to_log, "smtp": send_over_smtp},
    mask_address=show_address,  # the demo log has always shown the whole address
)
