"""Keeping the analytics rollups (`app.models.rollups`) up to date, and rebuilding them.

Incrementally: `on_case_step` is a reaction in the one reaction table
(`app.services.case_events`), so a case's counters change in the same transaction as the
case itself — submitted, decided (or refused at intake), a task opened or done, a rating.
When a case is decided its working days from submission are measured once and stored on it
(`Application.lead_working_days`); so are a task's when it is done (`HumanTask.working_days`).

From history: `app.services.rollup_rebuild.rebuild()` (`flask analytics rebuild`).

Every counter is attributed to the local calendar day of the timestamp it counts (the
submission, the decision, the task's completion, the rating); case counters to the
service's lead department (0 when the service names none).
"""

from __future__ import annotations

from functools import cache, lru_cache

from sqlalchemy import and_, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import uow
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    CaseRollup,
    Department,
    DurationRollup,
    HumanTask,
    Rating,
    Service,
    StepDurationRollup,
    StepRollup,
    TaskRollup,
    WorkflowInstance,
)
from app.models.ratings import SATISFIED_LEVEL_MIN
from app.services.working_time import WorkingClock
from app.workflow import tasks

CLOSED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.REFUSED)
ROLLUPS = (CaseRollup, TaskRollup, DurationRollup, StepRollup, StepDurationRollup)
FINE_UNTIL, COARSE_UNTIL = 20, 60  # quarter days below 20 working days, whole days to 60


def bucket_of(days: float) -> int:
    """The histogram bucket of a duration: quarter days up to 20 working days, whole days
    up to 60, then one bucket for everything longer."""
    if days < FINE_UNTIL:
        return int(days * 4)
    if days < COARSE_UNTIL:
        return FINE_UNTIL * 4 + int(days - FINE_UNTIL)
    return FINE_UNTIL * 4 + COARSE_UNTIL - FINE_UNTIL


def bucket_floor(bucket: int) -> float:
    """The smallest duration in a bucket (working days)."""
    if bucket < FINE_UNTIL * 4:
        return bucket / 4
    return FINE_UNTIL + (bucket - FINE_UNTIL * 4)


def histogram_percentile(buckets, q: float) -> float | None:
    """The q-quantile of durations summarised as (n, days_sum) per bucket, ordered by bucket:
    each bucket's durations stand at their mean, then ranks interpolate as `percentile`."""
    points = [(n, s / n) for n, s in buckets if n]
    total = sum(n for n, _ in points)
    if not total:
        return None
    pos = (total - 1) * q
    lo_rank, frac = int(pos), pos - int(pos)

    def value_at(rank: int) -> float:
        seen = 0
        for n, mean in points:
            seen += n
            if rank < seen:
                return mean
        return points[-1][1]

    lo = value_at(lo_rank)
    return lo if not frac else lo + (value_at(lo_rank + 1) - lo) * frac


# session.info: {(model, key columns): {key values: {counter: increment}}} of the open
# transaction, not sent yet
_PENDING = "onewindow_pending_rollup_increments"  # sent at commit (see `_send`)


def _add(model, keys: dict, **increments) -> None:
    """Add `increments` to the row of `model` with primary key `keys` (created if missing).

    The increments of a transaction are summed per row and sent when it commits, one
    upsert per table and set of counters (`_send`), or earlier as soon as anything in it
    reads a rollup (`uow.send_at_commit`)."""
    rows = db.session.info.setdefault(_PENDING, {}).setdefault((model, tuple(keys)), {})
    total = rows.setdefault(tuple(keys.values()), {})
    for counter, value in increments.items():
        total[counter] = total.get(counter, 0) + value


def send_pending(session: Session | None = None) -> None:
    """Send the increments added so far in this transaction (normally done at commit)."""
    _send(session or db.session())


def _send(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    tables = []  # (model, key columns, counters, one parameter set per row)
    for (model, key_columns), rows in pending.items():
        counters = tuple(sorted({c for increments in rows.values() for c in increments}))
        tables.append(
            (
                model,
                key_columns,
                counters,
                [
                    {
                        **dict(zip(key_columns, key_values, strict=True)),
                        **{c: increments.get(c, 0) for c in counters},
                    }
                    for key_values, increments in rows.items()
                ],
            )
        )
    rows = sum(len(params) for *_, params in tables)
    if dialect == "postgresql" and len(tables) > 1 and rows <= _IN_ONE_AT_MOST:
        shape = tuple(
            (model, keys, counters, len(params)) for model, keys, counters, params in tables
        )
        session.execute(
            _upserts_in_one(shape),
            {
                f"r{n}_{r}_{column}": value
                for n, (*_, params) in enumerate(tables)
                for r, row in enumerate(params)
                for column, value in row.items()
            },
        )
        return
    for model, key_columns, counters, params in tables:
        session.execute(_upsert(dialect, model, key_columns, counters), params)


_IN_ONE_AT_MOST = 32  # rows; a transaction that adds to more sends one upsert per table


@lru_cache(maxsize=256)
def _upserts_in_one(shape: tuple):
    """PostgreSQL: the upserts of several rollup tables as one statement, a data-modifying
    WITH query per row (a decision adds to four tables: one round trip, not four). `shape`
    is (model, key columns, counters, number of rows) per table; the values are bound
    parameters `r<table>_<row>_<column>`. Built once per shape, and one row per INSERT:
    SQLAlchemy compiles a multi-row VALUES anew at every execution (it cannot cache it),
    which cost more than the round trips it saved. Each table's rows are distinct (summed
    per key in `_add`), as one statement requires."""
    ctes = []
    for n, (model, key_columns, counters, rows) in enumerate(shape):
        # an INSERT in a WITH query gets no Python-side column defaults: the counters not
        # added to are given theirs (0) here
        defaults = {k: v for k, v in _defaults(model).items() if k not in counters}
        for r in range(rows):
            insert = pg_insert(model.__table__).values(
                {**defaults, **{c: bindparam(f"r{n}_{r}_{c}") for c in key_columns + counters}}
            )
            ctes.append(_adding(insert, model, key_columns, counters).cte(f"rollup_{n}_{r}"))
    return select(literal(1)).add_cte(*ctes)


@cache
def _defaults(model) -> dict:
    """{column: its Python-side default} of a rollup table (its counters' 0)."""
    return {c.key: c.default.arg for c in model.__table__.c if c.default is not None}


@cache
def _upsert(dialect: str, model, key_columns: tuple, counters: tuple):
    """INSERT … ON CONFLICT DO UPDATE adding `counters` to the row of `key_columns` (built
    once per shape: building and compiling it each time cost more than running it)."""
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(model.__table__)
    insert = insert.values({c: bindparam(c) for c in key_columns + counters})
    return _adding(insert, model, key_columns, counters)


def _adding(insert, model, key_columns: tuple, counters: tuple):
    """`insert` into `model`'s table made an upsert: a row whose `key_columns` exist already
    gets `counters` added to its own."""
    columns = model.__table__.c
    return insert.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={k: columns[k] + insert.excluded[k] for k in counters},
    )


uow.send_at_commit(_PENDING, _send, read_by=ROLLUPS)


def lead_departments() -> dict[int, int]:
    """{service id: id of its lead department, or 0}."""
    codes = dict(db.session.execute(select(Department.code, Department.id)).all())
    return {
        sid: codes.get((definition or {}).get("lead_department"), 0)
        for sid, definition in db.session.execute(select(Service.id, Service.definition)).all()
    }


def _lead_department(service_id: int) -> int:
    service = db.session.get(Service, service_id)
    code = (service.definition or {}).get("lead_department") if service else None
    if not code:
        return 0
    department = tasks.department_by_code(code)  # read once per transaction
    return department.id if department is not None else 0


# --- what one closed case or done task adds ------------------------------------------------


def case_counters(app, corrected: bool, files: tuple, days: float) -> dict:
    """The counters a decided case (an `Application` or a row with its columns) adds on its
    decision day; `files` is (reviewed, passed, type corrected) of its files, `days` its
    working days from submission to decision."""
    decided_at = app.decided_at
    approved = app.decision == "approved"
    return {
        "decided": 1,
        "approved": int(approved),
        "rejected": int(not approved),
        "refused": int(app.status == ApplicationStatus.REFUSED),
        "with_statutory": int(app.due_at is not None),
        "on_time_statutory": int(app.due_at is not None and decided_at <= app.due_at),
        "with_promised": int(app.promised_due_at is not None),
        "on_time_promised": int(
            app.promised_due_at is not None and decided_at <= app.promised_due_at
        ),
        "corrected": int(corrected),
        "lead_days_sum": days,
        "files_reviewed": int(files[0] or 0),
        "files_passed": int(files[1] or 0),
        "files_type_corrected": int(files[2] or 0),
    }


def file_counts():
    """Columns (reviewed, passed, type corrected) over reviewed attachments."""
    detected = func.coalesce(Attachment.review["doc_type"].as_string(), "")
    type_corrected = and_(
        Attachment.corrected_type.is_not(None), Attachment.corrected_type != detected
    )
    return (
        func.count(),
        func.sum(db.case((Attachment.review_status == "pass", 1), else_=0)),
        func.sum(db.case((type_corrected, 1), else_=0)),
    )


def _close_case(app: Application) -> None:
    if app.decided_at is None or app.submitted_at is None:
        return
    clock = WorkingClock.covering([app.submitted_at, app.decided_at])
    app.lead_working_days = clock.working_days(app.submitted_at, app.decided_at)
    corrected = db.session.scalar(
        select(
            db.exists().where(HumanTask.application_id == app.id, HumanTask.outcome == "correction")
        )
    )
    files = db.session.execute(
        select(*file_counts()).where(
            Attachment.application_id == app.id, Attachment.review.is_not(None)
        )
    ).one()
    keys = {
        "day": clock.local_day(app.decided_at),
        "service_id": app.service_id,
        "department_id": _lead_department(app.service_id),
    }
    days = app.lead_working_days
    _add(CaseRollup, keys, **case_counters(app, bool(corrected), tuple(files), days))
    _add(DurationRollup, {"kind": "case", **keys, "bucket": bucket_of(days)}, n=1, days_sum=days)


def _process_version_id(instance_id: int) -> int | None:
    """The instance's process version: from the session when the advance that closed the
    task holds the instance (no statement), else read."""
    held = db.session.identity_map.get(db.session.identity_key(WorkflowInstance, (instance_id,)))
    if held is not None and "process_version_id" in held.__dict__:
        return held.process_version_id
    return db.session.scalar(
        select(WorkflowInstance.process_version_id).where(WorkflowInstance.id == instance_id)
    )


def _task_done(task: HumanTask) -> None:
    if task.completed_at is None:
        return
    clock = WorkingClock.covering([task.created_at, task.completed_at])
    days = task.working_days = clock.working_days(task.created_at, task.completed_at)
    late = task.due_at is not None and task.completed_at > task.due_at
    version = _process_version_id(task.instance_id)
    step = {"process_version_id": version, "element_id": task.element_id}
    _add(StepRollup, step, completed=1, completed_late=int(late), days_sum=days)
    _add(StepDurationRollup, {**step, "bucket": bucket_of(days)}, n=1, days_sum=days)
    if task.department_id is None:
        return
    service_id = task.service_id or db.session.get(Application, task.application_id).service_id
    keys = {
        "day": clock.local_day(task.completed_at),
        "service_id": service_id,
        "department_id": task.department_id,
    }
    _add(
        TaskRollup,
        keys,
        done=1,
        with_due=int(task.due_at is not None),
        on_time=int(task.due_at is not None and not late),
        days_sum=days,
    )
    _add(DurationRollup, {"kind": "task", **keys, "bucket": bucket_of(days)}, n=1, days_sum=days)


# --- reactions to case events ----------------------------------------------------------------


def _on_submitted(step) -> None:
    app = db.session.get(Application, step.application_id)
    if app.submitted_at is None:
        return
    clock = WorkingClock.covering([app.submitted_at])
    keys = {
        "day": clock.local_day(app.submitted_at),
        "service_id": app.service_id,
        "department_id": _lead_department(app.service_id),
    }
    _add(CaseRollup, keys, submitted=1)


def _on_decided(step) -> None:
    _close_case(db.session.get(Application, step.application_id))


def _on_task_opened(step) -> None:
    data = step.data or {}
    if data.get("process_version_id") and data.get("element_id"):
        keys = {"process_version_id": data["process_version_id"], "element_id": data["element_id"]}
        _add(StepRollup, keys, entered=1)


def _on_task_done(step) -> None:
    task_id = (step.data or {}).get("task_id")
    task = db.session.get(HumanTask, task_id) if task_id else None
    if task is not None:
        _task_done(task)


def _on_rated(step) -> None:
    rating = db.session.execute(
        select(Rating).where(Rating.application_id == step.application_id)
    ).scalar_one_or_none()
    if rating is None:
        return
    app = db.session.get(Application, step.application_id)
    keys = {
        "day": WorkingClock.covering([rating.created_at]).local_day(rating.created_at),
        "service_id": app.service_id,
        "department_id": _lead_department(app.service_id),
    }
    satisfied = int(rating.level >= SATISFIED_LEVEL_MIN)
    _add(CaseRollup, keys, ratings=1, rating_sum=rating.level, satisfied=satisfied)


_ON_STEP = {
    "submitted": _on_submitted,
    "decided": _on_decided,
    "intake_refused": _on_decided,
    "task_opened": _on_task_opened,
    "task_done": _on_task_done,
    "rated": _on_rated,
}


def on_case_step(step) -> None:
    """The reaction to a case step: update the counters it changes (same transaction)."""
    reaction = _ON_STEP.get(step.kind)
    if reaction is not None:
        reaction(step)


def file_type_corrected(att: Attachment, was_corrected: bool) -> None:
    """A clerk changed a file's document type after its case was decided: move the decided
    day's count of files whose type the auto-review got wrong."""
    app = att.application
    if app.status not in CLOSED or app.decided_at is None:
        return  # counted when the case is decided
    detected = (att.review or {}).get("doc_type") or ""
    now_corrected = bool(att.corrected_type) and att.corrected_type != detected
    if att.review is None or now_corrected == was_corrected:
        return
    keys = {
        "day": WorkingClock.covering([app.decided_at]).local_day(app.decided_at),
        "service_id": app.service_id,
        "department_id": _lead_department(app.service_id),
    }
    _add(CaseRollup, keys, files_type_corrected=1 if now_corrected else -1)
