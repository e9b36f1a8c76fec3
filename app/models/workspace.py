"""The clerks' workspace: each clerk's saved queue filters, and internal notes on cases.

Also the indexes the queue's filters read (service, applicant name, case-number prefix,
submission date, a clerk's own tasks): they belong to tables of other aggregates but exist
for the workspace, so they are declared here, beside what uses them.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.applications import Application
from app.models.base import JSONType, UTCDateTime, utcnow
from app.models.users import User
from app.models.workflow import HumanTask


class SavedFilter(db.Model):
    """A named set of queue filters one clerk saved (e.g. "overdue tax cases")."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    query = mapped_column(JSONType, nullable=False)  # {"tab": "mine", "service": "…", …}
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class CaseNote(db.Model):
    """An internal note on a case by a clerk; read by the clerks of every department that
    handles the case, never shown to the applicant."""

    __tablename__ = "case_note"
    __table_args__ = (Index("ix_case_note_application", "application_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    author = relationship("User")
    department = relationship("Department")


# Indexes of the queue's filters (migration 0009). Prefix searches (LIKE 'abc%') use a
# btree only with the pattern operator class on PostgreSQL; SQLite's LIKE ignores it.
Index("ix_application_service_id", Application.service_id)
Index("ix_application_submitted_at", Application.submitted_at)
Index(
    "ix_application_case_number_prefix",
    Application.case_number,
    postgresql_ops={"case_number": "varchar_pattern_ops"},
)
Index(
    "ix_user_real_name_prefix",
    User.real_name,
    postgresql_ops={"real_name": "varchar_pattern_ops"},
)
# "My tasks": a clerk's live tasks by due date.
Index(
    "ix_human_task_assignee_live",
    HumanTask.assignee_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_where=text("status IN ('open', 'claimed')"),
    sqlite_where=text("status IN ('open', 'claimed')"),
)
