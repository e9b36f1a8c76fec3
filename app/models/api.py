"""Other government systems that use the API: each system (`ApiClient`), its tokens (kept
only as a SHA-256 digest, shown by their prefix), and its webhook subscriptions with the
deliveries made to them and every attempt of each delivery.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow

DELIVERY_PENDING = "pending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"


class ApiClient(db.Model):
    """An outside system (another department's platform) allowed to call the API."""

    __tablename__ = "api_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    tokens = relationship("ApiToken", back_populates="client", order_by="ApiToken.id")
    webhooks = relationship(
        "WebhookSubscription", back_populates="client", order_by="WebhookSubscription.id"
    )


class ApiToken(db.Model):
    """One bearer token of a system: its scopes and expiry. The token itself is never kept,
    only its SHA-256 (`token_hash`) and its first characters (`prefix`) to tell it apart."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), nullable=False, index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes = mapped_column(JSONType, nullable=False, default=list)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at = mapped_column(UTCDateTime)
    last_used_at = mapped_column(UTCDateTime)

    client = relationship("ApiClient", back_populates="tokens")


class WebhookSubscription(db.Model):
    """A URL of a system that is sent the case events it subscribed to, signed with
    `secret` (HMAC-SHA256: the secret must be kept to sign, so it is stored as given)."""

    __tablename__ = "webhook_subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), nullable=False, index=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    secret: Mapped[str] = mapped_column(String(128), nullable=False)
    events = mapped_column(JSONType, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    client = relationship("ApiClient", back_populates="webhooks")


class WebhookDelivery(db.Model):
    """One event to send to one subscription: pending until a POST is answered 2xx,
    failed after the last attempt."""

    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id"), nullable=False, index=True
    )
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    payload = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DELIVERY_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivered_at = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    subscription = relationship("WebhookSubscription")
    attempt_log = relationship(
        "WebhookAttempt", back_populates="delivery", order_by="WebhookAttempt.id"
    )


class WebhookAttempt(db.Model):
    """One POST of a delivery: when, what the receiver answered (or the error)."""

    __tablename__ = "webhook_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_delivery.id"), nullable=False, index=True
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)

    delivery = relationship("WebhookDelivery", back_populates="attempt_log")
