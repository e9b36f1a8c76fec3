"""Notifications to citizens and clerks: the in-app inbox row and its outside deliveries.

A `Notification` is what the recipient reads in the inbox: a link, and its title and body
written in every language of the site (`texts`), so that it is read in the language the
reader has at the moment they open the inbox; `title`/`body` hold the recipient's own
language (what SMS and e-mail carried, and all that rows from before 0016 have).
Each outside channel (SMS, e-mail) it is also sent through has
a `NotificationDelivery` row with its own status, filled in by a background job, so a
gateway that is down never loses the in-app notification.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class DeliveryStatus(str, enum.Enum):
    """One channel's delivery: waiting for (or retrying in) its job, sent, or given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(db.Model):
    """One message to one user, read in the inbox; `read_at` is None until opened."""

    __tablename__ = "notification"
    __table_args__ = (
        # The header bell counts unread rows of one user on every page; the inbox lists
        # one user's rows newest first.
        Index("ix_notification_recipient_unread", "recipient_id", "read_at"),
        Index("ix_notification_recipient_id", "recipient_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    texts = mapped_column(JSONType)  # {"zh": [title, body], "en": [...]}; None before 0016
    link: Mapped[str | None] = mapped_column(String(255))  # a local path
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at = mapped_column(UTCDateTime)

    recipient = relationship("User")
    application = relationship("Application")
    deliveries = relationship(
        "NotificationDelivery",
        back_populates="notification",
        order_by="NotificationDelivery.id",
        cascade="all, delete-orphan",
    )

    def title_in(self, locale: str) -> str:
        """The title in `locale`, or as first written (an older row has one language)."""
        return ((self.texts or {}).get(locale) or [self.title])[0]

    def body_in(self, locale: str) -> str:
        """The body in `locale`, or as first written."""
        written = (self.texts or {}).get(locale)
        return written[1] if written else self.body

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationDelivery(db.Model):
    """A notification sent through one outside channel (sms / email) to one address."""

    __tablename__ = "notification_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # sms / email
    address: Mapped[str] = mapped_column(String(254), nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(
            DeliveryStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        nullable=False,
        default=DeliveryStatus.PENDING,
    )
    backend: Mapped[str | None] = mapped_column(String(16))  # log / http / smtp
    content: Mapped[str | None] = mapped_column(Text)  # the text as sent
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(128))  # the gateway's message id
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at = mapped_column(UTCDateTime)

    notification = relationship("Notification", back_populates="deliveries")
