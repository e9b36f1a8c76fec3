"""Workflow state in the database: one instance per case, open human tasks, incidents.

The process spec lives once per version in `ProcessVersion.spec_json`; an instance stores
only its own state. Human tasks are mirrored into their own indexed table so that queues
never deserialize a workflow.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class WorkflowInstance(db.Model):
    """The SpiffWorkflow state of one case, with a revision counter guarding every advance."""

    __tablename__ = "workflow_instance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), unique=True, nullable=False
    )
    process_version_id: Mapped[int] = mapped_column(
        ForeignKey("process_version.id"), nullable=False, index=True
    )
    state_json: Mapped[str] = mapped_column(Text, nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default="running", index=True
    )  # running / waiting / completed / error / terminated (withdrawn) / suspended
    # An administrator's suspension: nothing advances it (no decision, no timer) until resumed.
    suspended_at = mapped_column(UTCDateTime)
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    status_before_suspend: Mapped[str | None] = mapped_column(String(16))
    next_timer_at = mapped_column(UTCDateTime, index=True)
    dispatched_calls = mapped_column(JSONType, nullable=False, default=list)  # async task ids
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    application = relationship("Application", backref=db.backref("instance", uselist=False))
    process_version = relationship("ProcessVersion")


class TaskStatus(str, enum.Enum):
    """A human task's life: open in a queue, claimed by a clerk, done, or cancelled."""

    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"


class HumanTask(db.Model):
    """A user task waiting for a person: a department's clerk or the applicant."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_queue", "department_id", "status", "due_at"),
        # The clerks' queue (open or claimed, soonest due first) as an ordered partial index:
        # the query reads its first 200 entries instead of sorting the whole department.
        Index(
            "ix_human_task_live_queue",
            "department_id",
            "due_at",
            "id",
            postgresql_include=["candidate_group"],  # counted from the index alone (0031)
            postgresql_where=text("status IN ('open', 'claimed')"),
            sqlite_where=text("status IN ('open', 'claimed')"),
        ),
        # A department's live tasks by id: the API's task list pages through them by id
        # (`api_reads.department_tasks`) without walking every finished task before them
        # (migration 0034).
        Index(
            "ix_human_task_live_by_id",
            "department_id",
            "id",
            postgresql_where=text("status IN ('open', 'claimed')"),
            sqlite_where=text("status IN ('open', 'claimed')"),
        ),
        # A case's live task, found without reading its done history (migration 0027): the
        # queue filtered by case number goes from the matching cases to it.
        Index(
            "ix_human_task_live_case",
            "application_id",
            postgresql_where=text("status IN ('open', 'claimed')"),
            sqlite_where=text("status IN ('open', 'claimed')"),
        ),
        # A case's tasks; carrying what the queue's tabs test, the tabs filtered by case
        # number count a case's tasks from the index alone (migration 0031).
        Index(
            "ix_human_task_application_id",
            "application_id",
            postgresql_include=["department_id", "status", "candidate_group"],
        ),
        Index("ix_human_task_assignee", "assignee_id", "status"),
        Index("ix_human_task_status_completed", "status", "completed_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instance.id"), nullable=False, index=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), nullable=False)
    spiff_task_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    element_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    lane: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # The case's service, copied when the row is written (app/models/workspace.py) so that
    # queues filter and group by service from their own indexes, without joining the case.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    # The case's submission time, copied the same way: the queue sorted by submission walks
    # the department's own index instead of every case ever submitted (migration 0030).
    submitted_at = mapped_column(UTCDateTime)
    # The case's applicant (its `citizen_id`), copied the same way: the queue filtered by
    # applicant finds the department's live tasks of the matching people from its own index,
    # instead of every case those people ever had (migration 0032). A copy, kept right by
    # the case's own key: no foreign key of its own (a case never changes applicant).
    citizen_id: Mapped[int | None] = mapped_column(Integer)
    candidate_group: Mapped[str | None] = mapped_column(String(64))  # e.g. "lead"
    status: Mapped[TaskStatus] = mapped_column(
        Enum(
            TaskStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        nullable=False,
        default=TaskStatus.OPEN,
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    claimed_at = mapped_column(UTCDateTime)
    completed_at = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Working days from creation to completion, measured once when the task is done.
    working_days = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    # The last clock alert its holders were told (yellow / red / overdue), by the scheduler
    # (app/services/clock_alerts.py): each level is told once.
    clock_alert_sent: Mapped[str | None] = mapped_column(String(16))

    application = relationship("Application")
    department = relationship("Department")
    assignee = relationship("User", foreign_keys=[assignee_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])


class Incident(db.Model):
    """A failure inside a case (operator or script error); the case waits where it was."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instance.id"), nullable=False, index=True
    )
    element_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    details = mapped_column(JSONType)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    resolved_at = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    instance = relationship("WorkflowInstance")
