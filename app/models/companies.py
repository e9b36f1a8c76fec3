"""Companies (法人) and the agents they authorise (代办).

A company is registered by the person who says they are its legal representative; it is
verified either by the business licence the platform issued naming that person for its
unified social credit code, or by a clerk with a reason. Its verified legal representative
authorises agents (other registered people) for all services or a chosen few, until an end
date; an authorisation can be revoked and is never deleted (it is the record of who could
act for the company, and when).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow

VERIFIED_BY_CERTIFICATE = "certificate"  # the business licence the platform issued
VERIFIED_BY_STAFF = "staff"  # a clerk or an administrator, with a reason


class Company(db.Model):
    """A company account: its credit code, name and (verified or claimed) legal representative."""

    __tablename__ = "company"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    legal_rep_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False, index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    verified_at = mapped_column(UTCDateTime)  # None: the legal representative is not verified
    verified_via: Mapped[str | None] = mapped_column(String(16))  # certificate / staff
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # staff only
    verify_reason: Mapped[str | None] = mapped_column(Text)
    # The business licence that verified it (its number: the register's rows refer to
    # cases, which refer to companies; a number keeps the tables free of a cycle).
    certificate_number: Mapped[str | None] = mapped_column(String(64))

    legal_rep = relationship("User", foreign_keys=[legal_rep_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class AgentAuthorisation(db.Model):
    """The legal representative lets `agent` apply for the company: for every service
    (`all_services`) or those in `service_codes`, up to and including `valid_until`."""

    __tablename__ = "agent_authorisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False, index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False, index=True)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False)
    all_services: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    service_codes = mapped_column(JSONType, nullable=False, default=list)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)  # the last valid day
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    company = relationship("Company")
    agent = relationship("User", foreign_keys=[agent_id])
    granted_by = relationship("User", foreign_keys=[granted_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def covers(self, service_code: str) -> bool:
        """Whether the scope includes the service (whatever the dates)."""
        return self.all_services or service_code in (self.service_codes or [])
