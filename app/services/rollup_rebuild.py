"""Recomputing the analytics rollups from history (`flask analytics rebuild`).

Empties the rollup tables and recomputes every counter from the cases, tasks, files and
ratings, streaming their columns once and inserting the rollup rows in batches: the same
figures the incremental path (`app.services.rollups`) produces — a test keeps the two equal.
Used after history was changed by hand or loaded in bulk (`app.services.volume`). On
PostgreSQL the database makes the sums (`app.services.rollup_rebuild_sql`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, func, select

from app import uow
from app.extensions import db
from app.models import (
    Application,
    Attachment,
    CaseRollup,
    DurationRollup,
    HumanTask,
    Rating,
    StepDurationRollup,
    StepRollup,
    TaskRollup,
    TaskStatus,
    WorkflowInstance,
)
from app.models.ratings import SATISFIED_LEVEL_MIN
from app.services import rollup_rebuild_sql
from app.services.rollups import (
    CLOSED,
    ROLLUPS,
    bucket_of,
    case_counters,
    file_counts,
    lead_departments,
)
from app.services.working_time import WorkingClock


def _bulk(model, rows: dict, key_names: tuple) -> int:
    """Insert {key tuple: {column: value}} rows in batches (executemany)."""
    batch, count = [], 0
    for key, values in rows.items():
        batch.append({**dict(zip(key_names, key, strict=True)), **values})
        if len(batch) >= 5000:
            db.session.execute(model.__table__.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(model.__table__.insert(), batch)
        count += len(batch)
    return count


def _zero(model) -> dict:
    return {c.name: 0 for c in model.__table__.columns if not c.primary_key}


@uow.use_case
def rebuild() -> dict:
    """Empty the rollups and recompute them from history, in one transaction. Durations
    already stored on cases and tasks are used as they are; missing ones are measured and
    stored. On PostgreSQL the sums are made by the database (`rollup_rebuild_sql`), elsewhere
    here, streaming the history once. Returns how many rows each rollup table now holds."""
    for model in ROLLUPS:
        db.session.execute(delete(model))
    first_last = db.session.execute(
        select(func.min(Application.submitted_at), func.max(Application.decided_at))
    ).one()
    task_span = db.session.execute(
        select(func.min(HumanTask.created_at), func.max(HumanTask.completed_at))
    ).one()
    clock = WorkingClock.covering([*first_last, *task_span])
    if db.session.get_bind().dialect.name == "postgresql":
        measure_missing(clock)
        return rollup_rebuild_sql.rebuild_in_database()
    lead = lead_departments()
    cases = defaultdict(lambda: _zero(CaseRollup))
    durations = defaultdict(lambda: {"n": 0, "days_sum": 0.0})
    _rebuild_cases(clock, lead, cases, durations)
    tasks = defaultdict(lambda: _zero(TaskRollup))
    steps = defaultdict(lambda: _zero(StepRollup))
    step_durations = defaultdict(lambda: {"n": 0, "days_sum": 0.0})
    _rebuild_tasks(clock, tasks, durations, steps, step_durations)
    day_keys = ("day", "service_id", "department_id")
    return {
        "case_rollup": _bulk(CaseRollup, cases, day_keys),
        "task_rollup": _bulk(TaskRollup, tasks, day_keys),
        "duration_rollup": _bulk(DurationRollup, durations, ("kind", *day_keys, "bucket")),
        "step_rollup": _bulk(StepRollup, steps, ("process_version_id", "element_id")),
        "step_duration_rollup": _bulk(
            StepDurationRollup, step_durations, ("process_version_id", "element_id", "bucket")
        ),
    }


def measure_missing(clock: WorkingClock) -> None:
    """Measure and store the working days of decided cases and done tasks that lack them
    (history loaded or changed by hand)."""
    A, T = Application, HumanTask
    cases = [
        {"id": i, "lead_working_days": clock.working_days(start, end)}
        for i, start, end in db.session.execute(
            select(A.id, A.submitted_at, A.decided_at).where(
                A.lead_working_days.is_(None),
                A.status.in_(CLOSED),
                A.decided_at.is_not(None),
                A.submitted_at.is_not(None),
            )
        )
    ]
    if cases:
        db.session.execute(db.update(A), cases)
    tasks = [
        {"id": i, "working_days": clock.working_days(start, end)}
        for i, start, end in db.session.execute(
            select(T.id, T.created_at, T.completed_at).where(
                T.working_days.is_(None), T.status == TaskStatus.DONE, T.completed_at.is_not(None)
            )
        )
    ]
    if tasks:
        db.session.execute(db.update(T), tasks)


def _rebuild_cases(clock, lead, cases, durations) -> None:
    A = Application
    corrected = set(
        db.session.scalars(
            select(HumanTask.application_id).where(HumanTask.outcome == "correction").distinct()
        )
    )
    files = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(Attachment.application_id, *file_counts())
            .where(Attachment.review.is_not(None))
            .group_by(Attachment.application_id)
        )
    }
    measured = []
    rows = db.session.execute(
        select(
            A.id,
            A.service_id,
            A.status,
            A.decision,
            A.submitted_at,
            A.decided_at,
            A.due_at,
            A.promised_due_at,
            A.lead_working_days,
        )
        .where(A.submitted_at.is_not(None))
        .execution_options(yield_per=10000)
    )
    for app in rows:
        dept = lead.get(app.service_id, 0)
        cases[(clock.local_day(app.submitted_at), app.service_id, dept)]["submitted"] += 1
        if app.status in CLOSED and app.decided_at is not None:
            days = app.lead_working_days
            if days is None:
                days = clock.working_days(app.submitted_at, app.decided_at)
                measured.append({"id": app.id, "lead_working_days": days})
            key = (clock.local_day(app.decided_at), app.service_id, dept)
            row = cases[key]
            counters = case_counters(app, app.id in corrected, files.get(app.id, (0, 0, 0)), days)
            for name, value in counters.items():
                row[name] += value
            hist = durations[("case", *key, bucket_of(days))]
            hist["n"] += 1
            hist["days_sum"] += days
    if measured:
        db.session.execute(db.update(A), measured)
    for app_service, created_at, level in db.session.execute(
        select(A.service_id, Rating.created_at, Rating.level).join(A, Rating.application_id == A.id)
    ):
        row = cases[(clock.local_day(created_at), app_service, lead.get(app_service, 0))]
        row["ratings"] += 1
        row["rating_sum"] += level
        row["satisfied"] += int(level >= SATISFIED_LEVEL_MIN)


def _rebuild_tasks(clock, tasks, durations, steps, step_durations) -> None:
    T = HumanTask
    measured = []
    query = (
        select(
            T.id,
            func.coalesce(T.service_id, Application.service_id),
            T.department_id,
            T.element_id,
            WorkflowInstance.process_version_id,
            T.status,
            T.created_at,
            T.completed_at,
            T.due_at,
            T.working_days,
        )
        .join(WorkflowInstance, T.instance_id == WorkflowInstance.id)
        .join(Application, T.application_id == Application.id)
        .execution_options(yield_per=10000)
    )
    for (
        tid,
        service_id,
        dept,
        element,
        version,
        status,
        created,
        completed,
        due,
        days,
    ) in db.session.execute(query):
        step = steps[(version, element)]
        step["entered"] += 1
        if status != TaskStatus.DONE or completed is None:
            continue
        if days is None:
            days = clock.working_days(created, completed)
            measured.append({"id": tid, "working_days": days})
        late = due is not None and completed > due
        step["completed"] += 1
        step["completed_late"] += int(late)
        step["days_sum"] += days
        hist = step_durations[(version, element, bucket_of(days))]
        hist["n"] += 1
        hist["days_sum"] += days
        if dept is None:
            continue
        key = (clock.local_day(completed), service_id, dept)
        row = tasks[key]
        row["done"] += 1
        row["with_due"] += int(due is not None)
        row["on_time"] += int(due is not None and not late)
        row["days_sum"] += days
        hist = durations[("task", *key, bucket_of(days))]
        hist["n"] += 1
        hist["days_sum"] += days
    if measured:
        db.session.execute(db.update(T), measured)
