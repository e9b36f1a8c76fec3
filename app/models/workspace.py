"""The clerks' workspace: each clerk's saved queue filters, and internal notes on cases.

Also the indexes the queue's filters read (service, applicant name, case-number prefix,
submission date, a clerk's own tasks): they belong to tables of other aggregates but exist
for the workspace, so they are declared here, beside what uses them.
"""

from __future__ import annotations

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.util import identity_key

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
LIVE_TASK = text("status IN ('open', 'claimed')")
# "All I may see" (finished tasks too) by due date and grouped by service; the live queue
# of one service, which is also the live queue grouped by service.
# Each also carries the columns the filters test (PostgreSQL, migration 0031): a tab's count
# and a page's ids are read from the index alone.
Index(
    "ix_human_task_department_due",
    HumanTask.department_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["status", "candidate_group"],
)
Index(
    "ix_human_task_department_service",
    HumanTask.department_id,
    HumanTask.service_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["status", "candidate_group"],
)
Index(
    "ix_human_task_service_queue",
    HumanTask.department_id,
    HumanTask.service_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["candidate_group"],
    postgresql_where=LIVE_TASK,
    sqlite_where=LIVE_TASK,
)
# The queue sorted by submission, live tasks and everything seen (migration 0030).
Index(
    "ix_human_task_live_submitted",
    HumanTask.department_id,
    HumanTask.submitted_at,
    HumanTask.id,
    postgresql_include=["candidate_group"],
    postgresql_where=LIVE_TASK,
    sqlite_where=LIVE_TASK,
)
Index(
    "ix_human_task_department_submitted",
    HumanTask.department_id,
    HumanTask.submitted_at,
    HumanTask.id,
    postgresql_include=["status", "candidate_group"],
)
# The queue filtered by applicant: the department's tasks of the matching people, live
# ones and everything seen, each person's by due date (migration 0032).
Index(
    "ix_human_task_live_citizen",
    HumanTask.department_id,
    HumanTask.citizen_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["candidate_group"],
    postgresql_where=LIVE_TASK,
    sqlite_where=LIVE_TASK,
)
Index(
    "ix_human_task_department_citizen",
    HumanTask.department_id,
    HumanTask.citizen_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["status", "candidate_group"],
)
# "My tasks": a clerk's live tasks by due date (with the applicant since migration 0032).
Index(
    "ix_human_task_assignee_live",
    HumanTask.assignee_id,
    HumanTask.due_at,
    HumanTask.id,
    postgresql_include=["department_id", "candidate_group", "citizen_id"],
    postgresql_where=LIVE_TASK,
    sqlite_where=LIVE_TASK,
)


@event.listens_for(HumanTask, "before_insert")
def _copy_from_the_case(mapper, connection, task: HumanTask) -> None:
    """A new task row carries its case's service, submission time and applicant (a case
    never changes service or applicant, and is submitted once, before it has tasks): taken
    from the case already in the session when it is there, else read in the same
    transaction."""
    copied = ("service_id", "submitted_at", "citizen_id")
    if task.application_id is None or all(getattr(task, key) is not None for key in copied):
        return
    session = object_session(task)
    application = (
        session.identity_map.get(identity_key(Application, task.application_id))
        if session is not None
        else None
    )
    known = application.__dict__ if application is not None else {}
    values = [known.get(key) for key in copied]
    if any(value is None for value in values):
        values = connection.execute(
            select(Application.service_id, Application.submitted_at, Application.citizen_id).where(
                Application.id == task.application_id
            )
        ).one()
    for key, value in zip(copied, values, strict=True):
        if getattr(task, key) is None:
            setattr(task, key, value)
