"""Background jobs as rows: what was asked, its progress, and how it ended.

The row is the source of truth the UI shows; the execution itself is Celery's (with Redis)
or the in-process pool's. A job whose worker died is found `running` past its lease and
retried.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import JSONType, UTCDateTime, utcnow


class JobStatus(str, enum.Enum):
    """A job's life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """One background job (e.g. review an attachment, run a case's auto-review)."""

    __tablename__ = "job"
    # The finished jobs by status and the time they finished: what the housekeeping
    # deletes, oldest first (app/jobs/housekeeping.py, migration 0035).
    __table_args__ = (
        Index(
            "ix_job_finished_at",
            "status",
            "finished_at",
            postgresql_where=text("finished_at IS NOT NULL"),
            sqlite_where=text("finished_at IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    payload = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(
            JobStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        nullable=False,
        default=JobStatus.QUEUED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result = mapped_column(JSONType)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at = mapped_column(UTCDateTime)
    lease_until = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)
    # When the job was last handed to its runner (broker message or pool), and how many times
    # the scheduler had to hand it out again: a queued job not picked up within
    # JOB_PICKUP_SECONDS of its last dispatch is re-sent (see app.jobs.execution).
    dispatched_at = mapped_column(UTCDateTime)
    redispatches: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # Which runner lane executes it: "default", or "heavy" (its own workers and document
    # processes; on Celery its own queue), see app/services/file_lanes.py.
    lane: Mapped[str] = mapped_column(
        String(16), nullable=False, default="default", server_default="default"
    )


class SchedulerRound(db.Model):
    """The scheduler's last round (one row, id 1): when it started, how long it took, what it
    did and, if it failed, the kind of error. Written at the end of every round, so that a
    scheduler that stopped (Celery beat not started, its process dead) shows on the
    administrators' landing page and in /metrics instead of silently leaving timers, clock
    alerts and lost jobs waiting."""

    __tablename__ = "scheduler_round"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at = mapped_column(UTCDateTime, nullable=False)
    seconds = mapped_column(Float, nullable=False)
    summary = mapped_column(JSONType, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(String(200))
