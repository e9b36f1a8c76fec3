"""Written notices (书面通知/决定书) issued on a case: one row per PDF sent to the applicant.

The PDF itself is a file under `UPLOAD_DIR/notices/` (never in the database); the row holds
what identifies it — its kind and number, the random code its QR code and the public
verification page use, the issuing agency as printed, what the PDF prints (`content`) and,
once the PDF is rendered on first use, the file's name and SHA-256.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class Notice(db.Model):
    """One written notice of a case: receipt, correction notice, decision, …"""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # app.services.notices.KINDS
    number: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    agency: Mapped[str] = mapped_column(String(255), nullable=False)  # as printed
    details = mapped_column(JSONType)  # what the body says (reasons, items, dates)
    # What the PDF prints (notice_documents.NoticeContent), frozen at issue; None for
    # notices issued before PDFs were rendered on first use.
    content = mapped_column(JSONType)
    # The PDF, once rendered (first download or verification): None until then.
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    application = relationship("Application")
