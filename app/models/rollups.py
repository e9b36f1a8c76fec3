"""Analytics rollups: counters kept up to date in the same transaction as the case events
that change them (`app.services.rollups`), so that the performance pages sum a few thousand
small rows instead of scanning the history.

- `CaseRollup`: per local calendar day × service × department (the service's lead
  department; 0 when it names none) — cases submitted that day, and of those decided that
  day: outcome, on time against the promised and the statutory limits, whether a correction
  (补正) was needed, their files' auto-review results; ratings given that day.
- `TaskRollup`: per day × service × department — department tasks done that day, on time.
- `DurationRollup`: histograms of working days (`kind` "case": submission → decision;
  "task": a department task's creation → completion) per day × service × department ×
  bucket, with the sum of the durations in each bucket (percentiles from it are exact while
  a bucket holds one distinct value, and never off by more than a bucket's width).
- `StepRollup` / `StepDurationRollup`: per process version × step (BPMN element id): tasks
  entered, completed, completed after their due date, and the histogram of their working
  days — the per-step heatmap on the process diagram.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def _counter() -> Mapped[int]:
    return mapped_column(Integer, nullable=False, default=0, server_default="0")


def _sum() -> Mapped[float]:
    return mapped_column(Float, nullable=False, default=0.0, server_default="0")


class CaseRollup(db.Model):
    """Case counters of one day, service and (lead) department."""

    __tablename__ = "case_rollup"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted: Mapped[int] = _counter()
    decided: Mapped[int] = _counter()  # approved + rejected + refused (不予受理)
    approved: Mapped[int] = _counter()
    rejected: Mapped[int] = _counter()
    refused: Mapped[int] = _counter()
    with_statutory: Mapped[int] = _counter()  # decided cases with a statutory due date
    on_time_statutory: Mapped[int] = _counter()
    with_promised: Mapped[int] = _counter()
    on_time_promised: Mapped[int] = _counter()
    corrected: Mapped[int] = _counter()  # decided cases that needed a correction
    lead_days_sum: Mapped[float] = _sum()
    ratings: Mapped[int] = _counter()
    rating_sum: Mapped[int] = _counter()
    satisfied: Mapped[int] = _counter()
    files_reviewed: Mapped[int] = _counter()  # files of the decided cases
    files_passed: Mapped[int] = _counter()
    files_type_corrected: Mapped[int] = _counter()  # a clerk said: another document type


class TaskRollup(db.Model):
    """Department task counters of one day (the day a task was done)."""

    __tablename__ = "task_rollup"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    done: Mapped[int] = _counter()
    with_due: Mapped[int] = _counter()
    on_time: Mapped[int] = _counter()
    days_sum: Mapped[float] = _sum()


class DurationRollup(db.Model):
    """How many cases or tasks took a number of working days within one bucket."""

    __tablename__ = "duration_rollup"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # case / task
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = _counter()
    days_sum: Mapped[float] = _sum()


class StepRollup(db.Model):
    """Counters of one step (BPMN element) of one process version."""

    __tablename__ = "step_rollup"

    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    entered: Mapped[int] = _counter()
    completed: Mapped[int] = _counter()
    completed_late: Mapped[int] = _counter()
    days_sum: Mapped[float] = _sum()


class StepDurationRollup(db.Model):
    """The working-day histogram of one step's completed tasks."""

    __tablename__ = "step_duration_rollup"

    process_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    element_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = _counter()
    days_sum: Mapped[float] = _sum()
