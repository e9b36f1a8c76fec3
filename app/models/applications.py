"""A citizen's application (a case) and the materials uploaded for it; a case applied for
on a company's behalf names the company as applicant and the person as submitter."""

from __future__ import annotations

import enum

from sqlalchemy import (
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class ApplicationStatus(str, enum.Enum):
    """Where a case stands, as the citizen sees it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # received: auto-review, then awaiting the intake decision (受理)
    ACCEPTED = "accepted"  # accepted (or deemed accepted), no department task open yet
    IN_REVIEW = "in_review"  # with departments
    CORRECTION = "correction"  # the citizen is asked to correct (补正)
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"  # a foreign diagram ended without a known outcome (neutral)
    REFUSED = "refused"  # not accepted (不予受理): decision 'rejected', outcome 'intake_refused'
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"  # ended by an administrator, with a recorded reason


# A running case: submitted and not yet decided, refused, withdrawn or ended. Every other
# status but DRAFT is a case that has come to an end.
RUNNING_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.CORRECTION,
)


def _enum(e):
    return Enum(e, native_enum=False, length=16, values_callable=lambda x: [m.value for m in x])


# A case whose statutory clock runs: accepted, not decided, not stopped for a correction.
RUNNING_CLOCK = "accepted_at IS NOT NULL AND decided_at IS NULL AND clock_paused_at IS NULL"


class Application(db.Model):
    """A case: the form a citizen filled for a service, and its progress."""

    __tablename__ = "application"
    __table_args__ = (
        # One open draft per citizen, service and applicant (the citizen themself, or a
        # company they apply for), whatever arrives in parallel ("apply").
        Index(
            "uq_application_one_draft",
            "citizen_id",
            "service_id",
            text("coalesce(company_id, 0)"),
            unique=True,
            postgresql_where=text("status = 'draft'"),
            sqlite_where=text("status = 'draft'"),
        ),
        # The administrators' running-cases list: one service's cases by status, newest first.
        Index("ix_application_service_status_id", "service_id", "status", "id"),
        Index("ix_application_decided_at", "decided_at"),
        # The cases the retention job has still to look at, per service by the time they
        # closed (the retention runs out per service; migration 0033).
        Index(
            "ix_application_retention_due",
            "service_id",
            text("coalesce(decided_at, submitted_at, created_at)"),
            postgresql_where=text("anonymised_at IS NULL"),
            sqlite_where=text("anonymised_at IS NULL"),
        ),
        # The running clocks by their promised and statutory dates: the cases whose clock
        # alert may be due (app/services/clock_alerts.py; migration 0033).
        Index(
            "ix_application_running_promised",
            "promised_due_at",
            postgresql_where=text(RUNNING_CLOCK),
            sqlite_where=text(RUNNING_CLOCK),
        ),
        Index(
            "ix_application_running_due",
            "due_at",
            postgresql_where=text(RUNNING_CLOCK),
            sqlite_where=text(RUNNING_CLOCK),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Printed on the receipt: with the case number it opens the public progress lookup.
    query_code: Mapped[str | None] = mapped_column(String(16))
    # The person who applies and submits (the citizen, or a company's agent).
    citizen_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False, index=True)
    # The applicant when a person applies on a company's behalf (代办); None: the person.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), nullable=False)
    # The published version of a service edited in the browser that the application was
    # started on: its form stays the case's form when the service is published again
    # (`catalogue.case_form`). None: a shipped service's form file.
    service_version_id: Mapped[int | None] = mapped_column(ForeignKey("service_version.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus), nullable=False, default=ApplicationStatus.DRAFT, index=True
    )
    form_data = mapped_column(JSONType, nullable=False, default=dict)
    decision: Mapped[str | None] = mapped_column(String(16))  # approved / rejected / completed
    decision_comment: Mapped[str | None] = mapped_column(Text)
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    submitted_at = mapped_column(UTCDateTime)
    due_at = mapped_column(UTCDateTime)  # statutory (fatal) date; from acceptance once accepted
    decided_at = mapped_column(UTCDateTime)
    # When the retention job replaced the applicant's personal data (app.services.retention).
    anonymised_at = mapped_column(UTCDateTime)
    # The clock (app/domain/clock.py): it runs from acceptance, stops during 补正 after it,
    # and may be extended once. Working days paused and extended move both due dates.
    outcome_detail: Mapped[str | None] = mapped_column(String(32))  # e.g. intake_refused
    accepted_at = mapped_column(UTCDateTime)  # deemed acceptance: the time of receipt
    promised_due_at = mapped_column(UTCDateTime)  # the shorter limit the guide promises
    clock_paused_at = mapped_column(UTCDateTime)  # set while a correction stops the clock
    paused_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    extension_days: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # Working days from submission to decision, measured once when the case is decided
    # (app.services.rollups): the analytics read it instead of re-measuring history.
    lead_working_days = mapped_column(Float)

    citizen = relationship("User")
    company = relationship("Company")
    service = relationship("Service")
    attachments = relationship(
        "Attachment",
        back_populates="application",
        order_by="Attachment.id",
        cascade="all, delete-orphan",
    )


class Attachment(db.Model):
    """One uploaded file, stored outside the web root under a random name."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("stored_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, index=True
    )
    slot: Mapped[str] = mapped_column(String(64), nullable=False)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    review_status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    # The job lane its review and preview run in: "default", or "heavy" for a file that asks
    # for far more drawing than a real document or comes from an uploader with many files
    # waiting (app/services/file_lanes.py), so that it never holds up other citizens' files.
    lane: Mapped[str] = mapped_column(
        String(16), nullable=False, default="default", server_default="default"
    )
    superseded: Mapped[bool] = mapped_column(
        default=False, nullable=False
    )  # replaced in a correction
    review = mapped_column(JSONType)  # ml.review result (verdict, reasons, fields, evidence)
    corrected_type: Mapped[str | None] = mapped_column(String(32))  # clerk feedback
    corrected_fields = mapped_column(JSONType)  # clerk feedback: {key: value}
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application = relationship("Application", back_populates="attachments")
