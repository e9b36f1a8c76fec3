"""Running cases for administrators (/admin/cases): a searchable list per process and
version, and suspend / resume / terminate with a required reason.

The list reads one page in a constant number of statements (the page of cases with their
instance, version and service joined, then the open tasks of that page), newest first,
paged by keyset on the case id (`before`), on `ix_application_service_status_id`.

Suspending holds the case's workflow (`runtime.suspend`): no task is decided and no timer
fires until it is resumed. Terminating ends the case with the reason recorded: its status
becomes `terminated` and its outcome `terminated` — never a rejection. Each action tells
the applicant (a case step that notifies) and is an `admin_change` audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app import uow
from app.domain import events
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import (
    RUNNING_STATUSES,
    Application,
    ApplicationStatus,
    HumanTask,
    ProcessVersion,
    Service,
    TaskStatus,
    User,
    WorkflowInstance,
    utcnow,
)
from app.workflow import runtime

PER_PAGE = 50
REASON_MAX = 500
RUNNING = RUNNING_STATUSES  # the case statuses of a running (undecided) case
STATES = ("running", "suspended", "error", "all")


@dataclass(frozen=True)
class CaseQuery:
    """What the administrator looks for; empty fields do not narrow the list."""

    process_id: str = ""
    version: int | None = None
    state: str = "running"  # running (undecided) / suspended / error (incident) / all
    number: str = ""  # a case number, or its beginning
    before: int | None = None  # keyset: cases with a smaller id

    def args(self, **change) -> dict:
        """The query as URL arguments (for the filter form and the next page)."""
        out = {
            "process": self.process_id,
            "version": self.version,
            "state": self.state,
            "q": self.number,
            "before": self.before,
        }
        out.update(change)
        return {k: v for k, v in out.items() if v not in (None, "")}


def parse_query(args) -> CaseQuery:
    """The query in request arguments (bad values are dropped, never an error page)."""
    version = args.get("version", type=int)
    state = args.get("state") or "running"
    return CaseQuery(
        process_id=(args.get("process") or "").strip()[:128],
        version=version if version and version > 0 else None,
        state=state if state in STATES else "running",
        number=(args.get("q") or "").strip()[:32],
        before=args.get("before", type=int),
    )


@dataclass
class CaseRow:
    """One line of the list."""

    application: Application
    instance: WorkflowInstance
    version: ProcessVersion
    steps: list[str] = field(default_factory=list)  # names of the open tasks

    def age_days(self, now: datetime) -> int:
        """Whole days since the case was submitted."""
        start = self.application.submitted_at or self.application.created_at
        return max(0, (now - start).days)


@dataclass
class CasePage:
    rows: list[CaseRow]
    next_before: int | None  # the `before` of the next page, None on the last one
    query: CaseQuery


def search(query: CaseQuery, per_page: int = PER_PAGE) -> CasePage:
    """One page of cases matching `query`, newest first (two statements)."""
    stmt = (
        db.select(Application, WorkflowInstance, ProcessVersion)
        .join(WorkflowInstance, WorkflowInstance.application_id == Application.id)
        .join(ProcessVersion, ProcessVersion.id == WorkflowInstance.process_version_id)
        .join(Service, Service.id == Application.service_id)
        .options(db.contains_eager(Application.service))
    )
    if query.state == "running":
        stmt = stmt.where(Application.status.in_(RUNNING))
    elif query.state in ("suspended", "error"):
        stmt = stmt.where(WorkflowInstance.status == query.state)
    if query.process_id:
        stmt = stmt.where(ProcessVersion.process_id == query.process_id)
        if query.version:
            stmt = stmt.where(ProcessVersion.version == query.version)
    if query.number:
        stmt = stmt.where(Application.case_number.startswith(query.number, autoescape=True))
    if query.before:
        stmt = stmt.where(Application.id < query.before)
    found = db.session.execute(stmt.order_by(Application.id.desc()).limit(per_page + 1)).all()
    more = len(found) > per_page
    rows = [CaseRow(a, i, v) for a, i, v in found[:per_page]]
    by_app = {r.application.id: r for r in rows}
    if by_app:
        open_tasks = db.session.execute(
            db.select(HumanTask.application_id, HumanTask.name)
            .where(
                HumanTask.application_id.in_(by_app),
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
            .order_by(HumanTask.id)
        )
        for app_id, name in open_tasks:
            by_app[app_id].steps.append(name)
    return CasePage(rows, rows[-1].application.id if more else None, query)


def process_choices() -> list[tuple[str, list[int]]]:
    """Every deployed process with its versions, for the filter."""
    out: dict[str, list[int]] = {}
    for pid, version in db.session.execute(
        db.select(ProcessVersion.process_id, ProcessVersion.version).order_by(
            ProcessVersion.process_id, ProcessVersion.version.desc()
        )
    ):
        out.setdefault(pid, []).append(version)
    return list(out.items())


# --- suspend / resume / terminate ----------------------------------------------------------


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        raise ValidationFailed({"reason": _l("Give the reason: the applicant is told it.")})
    return reason


def _case(application_id: int) -> tuple[Application, WorkflowInstance]:
    application = db.session.get(Application, application_id)
    if application is None or application.instance is None:
        raise NotFound("application_not_found", _l("No such application."))
    return application, application.instance


def _audit(admin: User, application: Application, change: str, reason: str | None) -> None:
    events.audited(
        "admin_change",
        actor=admin,
        object_type="case",
        object_id=application.id,
        details={"change": change, "case": application.case_number, "reason": reason},
    )


@uow.use_case
def suspend(admin: User, application_id: int, reason: str) -> Application:
    """Hold a running case: its tasks cannot be decided and its timers do not fire."""
    reason = _reason(reason)
    application, instance = _case(application_id)
    if application.status not in RUNNING or not runtime.suspend(instance.id, reason):
        raise Conflict(
            "not_suspendable", _l("Only a running case that is not suspended can be suspended.")
        )
    events.case_step(application, "suspended", actor=admin, message=reason)
    _audit(admin, application, "suspend", reason)
    return application


@uow.use_case
def resume(admin: User, application_id: int, reason: str = "") -> Application:
    """Release a suspended case: its tasks and timers work again."""
    reason = " ".join((reason or "").split())[:REASON_MAX] or None
    application, instance = _case(application_id)
    if not runtime.resume(instance.id):
        raise Conflict("not_suspended", _l("This case is not suspended."))
    events.case_step(application, "resumed", actor=admin, message=reason)
    _audit(admin, application, "resume", reason)
    return application


@uow.use_case
def terminate(admin: User, application_id: int, reason: str) -> Application:
    """End a running (or suspended) case with a recorded reason; not a rejection."""
    reason = _reason(reason)
    application, instance = _case(application_id)
    if application.status not in RUNNING or not runtime.terminate(
        instance.id, reason, actor=admin, step="terminated"
    ):
        raise Conflict("not_running", _l("This case has already ended."))
    res = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status.in_(RUNNING))
        .values(
            status=ApplicationStatus.TERMINATED,
            outcome_detail="terminated",
            decision_comment=reason,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(application)
    if res.rowcount != 1:
        raise Conflict("not_running", _l("This case has already ended."))
    _audit(admin, application, "terminate", reason)
    return application
