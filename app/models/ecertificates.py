"""The e-certificate register (电子证照库): every result document the platform issues.

One row per issued certificate: what it is (type, number), whom it belongs to (a person by
resident ID number, or a company by unified social credit code with its legal
representative's ID number), who issued it and when, how long it is valid, whether it was
revoked, the case it came from, and its signed PDF (a file under UPLOAD_DIR/certificates,
named here with its sha256) with the public verification code its QR code carries.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow

HOLDER_PERSON = "person"
HOLDER_COMPANY = "company"
STATUS_VALID = "valid"
STATUS_REVOKED = "revoked"
STATUS_EXPIRED = "expired"  # never stored: a valid certificate past its valid_until


class ECertificate(db.Model):
    """One e-certificate: structured data in the register, plus its signed PDF rendition."""

    __tablename__ = "ecertificate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    cert_type: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), unique=True, nullable=False
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), nullable=False)
    holder_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # person / company
    holder_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    holder_name: Mapped[str] = mapped_column(String(128), nullable=False)
    # A company's legal representative (resident ID number): whose wallet shows it.
    representative_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    issued_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: without time limit (长期)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=STATUS_VALID)
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    verify_code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    facts = mapped_column(JSONType, nullable=False, default=dict)  # printed details
    pdf_name: Mapped[str | None] = mapped_column(String(64))  # under UPLOAD_DIR/certificates
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signed_at = mapped_column(UTCDateTime)
    pdf_error: Mapped[str | None] = mapped_column(Text)  # signing failed for good

    application = relationship("Application")
    service = relationship("Service")
    department = relationship("Department")
    revoked_by = relationship("User")
