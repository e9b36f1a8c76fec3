"""A material slot filled without an upload: by an e-certificate of the register (免提交),
by a signed declaration (告知承诺), or left to follow after acceptance (容缺受理).

One row per application and slot. Which slots allow which (the certificate type a slot
accepts, the text of its declaration, whether it may follow later) is declared with the
service's materials in `forms/<service>.json`; the deadline and what happens when it passes
with the service in `workflows/services.json` (`deferred_materials`).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

BY_CERTIFICATE = "ecertificate"
BY_DECLARATION = "declaration"
DEFERRED = "deferred"
KINDS = (BY_CERTIFICATE, BY_DECLARATION, DEFERRED)

CHECK_PENDING = "pending"  # a declaration not yet checked afterwards (事后核查)
CHECK_OK = "ok"
CHECK_FALSE = "false"  # the declaration was found untrue


class MaterialSubstitute(db.Model):
    """What stands in for a slot's upload: a certificate, a declaration, or a deferral."""

    __tablename__ = "material_substitute"
    __table_args__ = (UniqueConstraint("application_id", "slot"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, index=True
    )
    slot: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # By certificate: the register's entry (its status is read when shown, never copied).
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("ecertificate.id"), index=True)
    # By declaration: the text the applicant signed, as it was shown, and the check after.
    statement: Mapped[str | None] = mapped_column(Text)
    check_status: Mapped[str | None] = mapped_column(String(16), index=True)
    checked_at = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    check_note: Mapped[str | None] = mapped_column(Text)
    # Deferred: when the file came, when the applicant was reminded, when the deadline
    # passed without it (flagged to the clerks).
    supplied_at = mapped_column(UTCDateTime)
    reminded_at = mapped_column(UTCDateTime)
    overdue_at = mapped_column(UTCDateTime)

    application = relationship(
        "Application",
        backref=backref(
            "material_substitutes",
            order_by="MaterialSubstitute.id",
            cascade="all, delete-orphan",
        ),
    )
    certificate = relationship("ECertificate")
    created_by = relationship("User", foreign_keys=[created_by_id])
    checked_by = relationship("User", foreign_keys=[checked_by_id])
