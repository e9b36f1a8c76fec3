"""The case timeline: every step of a case, with time, actor and department."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class CaseEvent(db.Model):
    """One entry on a case's timeline (submitted, reviewed, approved by tax, …)."""

    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, index=True
    )
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    message: Mapped[str | None] = mapped_column(Text)
    data = mapped_column(JSONType)

    actor = relationship("User")
    department = relationship("Department")
