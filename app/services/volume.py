"""Realistic history in bulk (`flask demo volume --cases N`, and the benchmarks).

First a few *template* cases go through the real services: submitted (with pre-reviewed
files, so no OCR runs), started in their workflow, every task decided by its department's
clerk (`approvals.decide`), some rejected, most rated (`ratings.rate`) — so the incremental
rollups see every event. Then the templates are cloned in bulk, with explicit ids and batched
multi-row inserts (COPY on PostgreSQL), each clone moved to a random working-day time in the
last `days` days with its own lead time; the most recent few percent stay open with their
department tasks waiting. Clones share their template's workflow instance (like
`tests/queue_data.py`): they are history to read, not cases to advance. Finally the rollups
are rebuilt from the history (`rollup_rebuild.rebuild`).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

from sqlalchemy import func, select, text

from app import uow
from app.domain import events
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    HumanTask,
    Rating,
    Role,
    Service,
    TaskStatus,
    User,
    utcnow,
)
from app.services import approvals, ratings, rollup_rebuild
from app.services.working_time import WorkingClock
from app.workflow import runtime

BATCH = 20_000
OPEN_SHARE_DAYS = 10  # cases submitted in the last days may still be open
REVIEWED = {"verdict": "pass", "reasons": [], "doc_type": None}
TEMPLATE_SERVICES = ("business_registration", "residence_permit")


def person(username: str, name: str = "量测试", role=Role.CITIZEN) -> User:
    """The user `username` (created on first use, with no password: no log-in of its own)."""
    user = db.session.execute(select(User).where(User.username == username)).scalar()
    if user is None:
        user = User(role=role, username=username, real_name=name, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


def add_reviewed_files(application: Application, slots=("id_card_front", "id_card_back", "lease")):
    """The case's material files, already through the auto-review with a pass (no OCR runs):
    bulk history and queue tests need cases past the file checks, not the checks."""
    for slot in slots:
        db.session.add(
            Attachment(
                application_id=application.id,
                slot=slot,
                original_name=f"{slot}.png",
                stored_name=f"{application.case_number}-{slot}",
                mime_type="image/png",
                size=100,
                sha256="0" * 64,
                review_status="pass",
                review={**REVIEWED, "doc_type": slot},
            )
        )


def _submit(service_id: int, citizen_id: int, number: str) -> int:
    with uow.unit_of_work():
        now = utcnow()
        service = db.session.get(Service, service_id)
        citizen = db.session.get(User, citizen_id)
        application = Application(
            citizen_id=citizen.id,
            service_id=service.id,
            status=ApplicationStatus.SUBMITTED,
            case_number=number,
            form_data={"company_name": "上海示例科技有限公司"},
            submitted_at=now,
            due_at=now + timedelta(days=service.time_limit_days + 2),
            promised_due_at=now + timedelta(days=service.promised_days + 1),
        )
        db.session.add(application)
        db.session.flush()
        add_reviewed_files(application)
        events.case_step(application, "submitted", actor=citizen)
        inst = runtime.start_case(application)
        db.session.flush()
        call = runtime.load(inst).pending_service_calls()[0]
        runtime.complete_service_call(inst.id, call.task_id, {"auto_review": {"verdict": "pass"}})
        return application.id


def _decide_all(app_id: int, reject: bool) -> None:
    """Every open task of the case decided by its department's clerk (or lead) until none is
    left; with `reject` the last department to decide says no."""
    for _ in range(20):
        task = db.session.execute(
            select(HumanTask)
            .where(
                HumanTask.application_id == app_id,
                HumanTask.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
            )
            .order_by(HumanTask.id)
        ).scalar()
        if task is None or task.department is None:
            return
        prefix = "lead" if task.candidate_group == "lead" else "clerk"
        clerk = db.session.execute(
            select(User).where(User.username == f"{prefix}_{task.department.code}")
        ).scalar_one()
        if task.form == "intake_decision":
            form = {"intake": "accept"}
        else:
            last = db.session.scalar(
                select(func.count()).where(
                    HumanTask.application_id == app_id,
                    HumanTask.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
                )
            )
            no = reject and last == 1
            if task.form == "correction_request":
                form = {"decision": "reject" if no else "approve", "comment": "材料不全"}
            else:
                form = {
                    "approved": "false" if no else "true",
                    "comment": "材料不全" if no else "同意",
                }
        approvals.decide(clerk, task.id, form)
        db.session.remove()


def template_cases(count: int = 4, seed: int = 7, wait_jobs=None) -> list[int]:
    """`count` decided cases made through the services (ids); `wait_jobs()` is called after
    each submission so that the queued auto-review job has finished before the decisions."""
    rng = random.Random(seed)
    services = list(
        db.session.execute(
            select(Service).where(Service.code.in_(TEMPLATE_SERVICES)).order_by(Service.id)
        ).scalars()
    )
    service_ids = [service.id for service in services]
    with uow.unit_of_work():
        citizen_id = person("volume-citizen").id
    first = db.session.scalar(select(func.count(Application.id))) or 0
    ids = []
    for i in range(count):
        app_id = _submit(service_ids[i % len(service_ids)], citizen_id, f"YWT{first + i:011d}")
        if wait_jobs is not None:
            wait_jobs()
        _decide_all(app_id, reject=i % 4 == 3)
        application = db.session.get(Application, app_id)
        if application.decided_at is not None and i % 3 != 2:
            ratings.rate(db.session.get(User, citizen_id), application, rng.choice((5, 5, 4, 3, 1)))
        db.session.remove()
        ids.append(app_id)
    return ids


# --- cloning -----------------------------------------------------------------------------


def _working_time(start, days: float):
    """`start` moved on by `days` working days (weekends skipped; holidays ignored here)."""
    whole, part = int(days), days - int(days)
    at = start + timedelta(days=7 * (whole // 5))
    whole %= 5
    while whole:
        at += timedelta(days=1)
        if at.weekday() < 5:
            whole -= 1
    at += timedelta(hours=24 * part)
    while at.weekday() >= 5:
        at += timedelta(days=1)
    return at


def _next_ids(model, count: int) -> int:
    """The first of `count` fresh ids for explicit inserts (the sequence moves on after)."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _write(table, columns: list[str], rows: list[tuple]) -> None:
    """Insert rows: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    stmt = table.insert()
    db.session.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])


def _fix_sequences() -> None:
    if db.session.connection().dialect.name != "postgresql":
        return
    for table in ("application", "attachment", "human_task", "rating"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


APP_COLS = [
    "id", "case_number", "query_code", "citizen_id", "service_id", "status", "form_data",
    "decision", "created_at", "submitted_at", "due_at", "promised_due_at", "decided_at",
    "accepted_at", "paused_days", "extension_days", "lead_working_days",
]  # fmt: skip
TASK_COLS = [
    "id", "instance_id", "application_id", "service_id", "submitted_at", "citizen_id",
    "spiff_task_id",
    "element_id", "name", "lane", "form", "department_id", "candidate_group", "status", "due_at",
    "created_at", "completed_at", "completed_by_id", "outcome", "working_days",
]  # fmt: skip
FILE_COLS = [
    "id", "application_id", "slot", "original_name", "stored_name", "mime_type", "size",
    "sha256", "uploaded_at", "review_status", "superseded", "review",
]  # fmt: skip
RATING_COLS = ["id", "application_id", "citizen_id", "level", "created_at"]

BULK_TABLES = ("application", "human_task", "attachment", "rating")
INDEXES_DROPPED_FROM = 50_000  # a larger load drops the secondary indexes and rebuilds them


def _drop_secondary_indexes() -> list[str]:
    """PostgreSQL: drop the indexes of the bulk-loaded tables that back no constraint (a
    bulk load then rebuilds each once, sorted, instead of updating it row by row); returns
    their definitions to create them again."""
    rows = db.session.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"tables": list(BULK_TABLES)},
    ).all()
    for name, _ in rows:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    return [ddl for _, ddl in rows]


def _json(value):
    return None if value is None else json.dumps(value, ensure_ascii=False)


def clone(template_ids: list[int], cases: int, *, days: int = 365, seed: int = 11) -> dict:
    """Insert `cases` copies of the template cases spread over the last `days` days (one
    transaction per batch of 20,000). Returns the counts inserted."""
    rng = random.Random(seed)
    now = utcnow()
    templates = []
    for tid in template_ids:
        application = db.session.get(Application, tid)
        tasks = list(
            db.session.execute(
                select(HumanTask).where(HumanTask.application_id == tid).order_by(HumanTask.id)
            ).scalars()
        )
        files = [a for a in application.attachments if not a.superseded]
        service = db.session.get(Service, application.service_id)
        texts = (_json(application.form_data), [_json(f.review) for f in files])
        templates.append((application, tasks, files, service, texts))
    is_pg = db.session.connection().dialect.name == "postgresql"
    # Working days are measured here once, as a decision or a completed task would have
    # them measured, so that the rebuild only sums them.
    clock = WorkingClock(
        (now - timedelta(days=days + 2)).date(), (now + timedelta(days=120)).date()
    )
    counts = {"application": 0, "human_task": 0, "attachment": 0, "rating": 0}
    dropped: list[str] = []
    if is_pg and cases >= INDEXES_DROPPED_FROM:
        with uow.unit_of_work():
            dropped = _drop_secondary_indexes()
    try:
        _clone_batches(templates, cases, counts, days, rng, now, clock)
    finally:
        if dropped:
            with uow.unit_of_work():
                for ddl in dropped:
                    db.session.execute(text(ddl))
    return counts


def _clone_batches(templates, cases, counts, days, rng, now, clock) -> None:
    is_pg = db.session.connection().dialect.name == "postgresql"
    done = 0
    while done < cases:
        n = min(BATCH, cases - done)
        app_id = _next_ids(Application, n)
        task_id, file_id = _next_ids(HumanTask, 0), _next_ids(Attachment, 0)
        rating_id = _next_ids(Rating, 0)
        apps, tasks, files, rates = [], [], [], []
        for k in range(n):
            application, ttasks, tfiles, service, texts = templates[(done + k) % len(templates)]
            submitted = now - timedelta(seconds=rng.uniform(0, days * 86400))
            submitted = submitted.replace(hour=rng.randint(1, 9))  # 09:00–17:00 local
            while submitted.weekday() >= 5:
                submitted -= timedelta(days=1)
            lead = min(rng.lognormvariate(0.6, 0.7), 40.0)
            decided = _working_time(submitted, lead)
            due = _working_time(submitted, service.time_limit_days)
            promised = _working_time(submitted, service.promised_days)
            still_open = decided > now or (
                (now - submitted).days < OPEN_SHARE_DAYS and rng.random() < 0.5
            )
            approve = rng.random() < 0.85
            status = (
                ApplicationStatus.IN_REVIEW
                if still_open
                else (ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED)
            )
            apps.append(
                (
                    app_id, f"YWV{app_id:011d}", f"{app_id % 10**8:08d}", application.citizen_id,
                    application.service_id, status.value, texts[0],
                    None if still_open else ("approved" if approve else "rejected"),
                    submitted, submitted, due, promised, None if still_open else decided,
                    submitted, 0, 0,
                    None if still_open else clock.working_days(submitted, decided),
                )
            )  # fmt: skip
            span = (decided - submitted) / max(len(ttasks), 1)
            for i, t in enumerate(ttasks):
                created = submitted + span * i
                completed = created + span
                waiting = still_open and (completed > now or i == len(ttasks) - 1)
                last = i == len(ttasks) - 1
                outcome = "rejected" if last and not approve and not still_open else t.outcome
                tasks.append(
                    (
                        task_id, t.instance_id, app_id, t.service_id, submitted,
                        application.citizen_id, f"v{task_id}",
                        t.element_id, t.name, t.lane, t.form, t.department_id,
                        t.candidate_group,
                        (TaskStatus.OPEN if waiting else TaskStatus.DONE).value,
                        _working_time(created, rng.uniform(1, 6)), created,
                        None if waiting else completed, None if waiting else t.completed_by_id,
                        None if waiting else outcome,
                        None if waiting else clock.working_days(created, completed),
                    )
                )  # fmt: skip
                task_id += 1
                if waiting:
                    break
            for f, review in zip(tfiles, texts[1], strict=True):
                files.append(
                    (
                        file_id, app_id, f.slot, f.original_name, f"v{file_id}", f.mime_type,
                        f.size, f.sha256, submitted, f.review_status, False, review,
                    )
                )  # fmt: skip
                file_id += 1
            if not still_open and rng.random() < 0.6:
                level = rng.choice((5, 5, 5, 4, 4, 3, 2, 1))
                rates.append((rating_id, app_id, application.citizen_id, level, decided))
                rating_id += 1
            app_id += 1
        if not is_pg:  # JSON columns take Python values through SQLAlchemy
            apps = [a[:6] + (json.loads(a[6]),) + a[7:] for a in apps]
            files = [f[:11] + (json.loads(f[11]) if f[11] else None,) for f in files]
        with uow.unit_of_work():  # one batch, one transaction
            _write(Application.__table__, APP_COLS, apps)
            _write(HumanTask.__table__, TASK_COLS, tasks)
            _write(Attachment.__table__, FILE_COLS, files)
            _write(Rating.__table__, RATING_COLS, rates)
            _fix_sequences()
        for key, rows in (("application", apps), ("human_task", tasks)):
            counts[key] += len(rows)
        counts["attachment"] += len(files)
        counts["rating"] += len(rates)
        done += n


def generate(cases: int, *, templates: int = 4, days: int = 365, wait_jobs=None) -> dict:
    """Template cases through the services, `cases` clones of them, then the rollups
    rebuilt. Returns what was inserted and the rollup row counts."""
    template_ids = template_cases(templates, wait_jobs=wait_jobs)
    counts = clone(template_ids, max(cases - templates, 0), days=days)
    counts["rollups"] = rollup_rebuild.rebuild()
    counts["templates"] = len(template_ids)
    return counts
