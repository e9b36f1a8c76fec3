"""Clerks' work on human tasks: the department queue, claiming (exactly one clerk wins, alone
or several tasks at once), giving back, a lead's reassignment, and decisions.

The workspace's filtered queue with its tabs and counts is `app.services.workspace`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, text, update
from sqlalchemy.orm.attributes import set_committed_value

from app import uow
from app.domain import events
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    HumanTask,
    Role,
    TaskStatus,
    User,
    utcnow,
)
from app.services import catalogue, forms, working_time
from app.workflow import locking, runtime
from app.workflow.tasks import LEAD_GROUP

LIVE_TASK = text("human_task.status IN ('open', 'claimed')")


def queue(clerk: User, *, include_done: bool = False, limit: int = 200) -> list[HumanTask]:
    """The clerk's department queue: open and claimed tasks, soonest due first."""
    # Written as literal SQL (not bound parameters) so that PostgreSQL can match the partial
    # index ix_human_task_live_queue, whose predicate this is, even in a prepared statement.
    status_filter = (
        HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.DONE])
        if include_done
        else LIVE_TASK
    )
    return list(
        db.session.execute(
            db.select(HumanTask)
            .where(
                HumanTask.department_id == clerk.department_id,
                status_filter,
                *([] if clerk.is_lead else [HumanTask.candidate_group.is_(None)]),
            )
            .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id)
            .limit(limit)
        ).scalars()
    )


def get_task(clerk: User, task_id: int) -> HumanTask:
    """A task of the clerk's own department; another department's task is Forbidden."""
    task = db.session.get(HumanTask, task_id)
    if task is None:
        raise NotFound("task_not_found", _l("No such task."))
    if task.department_id is None or task.department_id != clerk.department_id:
        raise Forbidden("other_department", _l("This task belongs to another department."))
    return task


def can_view_case(user: User, application: Application) -> bool:
    """Citizens see their own cases; clerks see cases that have a task in their department."""
    if user.is_admin:
        return True
    if user.is_citizen:
        return application.citizen_id == user.id
    if user.is_clerk:
        return (
            db.session.execute(
                db.select(HumanTask.id)
                .where(
                    HumanTask.application_id == application.id,
                    HumanTask.department_id == user.department_id,
                )
                .limit(1)
            ).first()
            is not None
        )
    return False


REASON_MAX_LENGTH = 500


def _reason(raw: str | None, *, required: bool = False) -> str | None:
    """A claim's, release's or reassignment's reason: trimmed, bounded, maybe required."""
    reason = (raw or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            {"reason": _l("At most %(n)d characters.", n=REASON_MAX_LENGTH)},
        )
    if required and not reason:
        raise ValidationFailed({"reason": _l("Please give a reason.")})
    return reason or None


def _take(clerk: User, task: HumanTask) -> bool:
    """Claim `task` for `clerk` if it is still open (one conditional UPDATE: of two clerks
    exactly one wins). True if the clerk holds it afterwards."""
    res = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.status == TaskStatus.OPEN)
        .values(status=TaskStatus.CLAIMED, assignee_id=clerk.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    return res.rowcount == 1 or (task.status == TaskStatus.CLAIMED and task.assignee_id == clerk.id)


def _taken_by(task: HumanTask) -> Conflict:
    if task.status != TaskStatus.CLAIMED:
        return Conflict("not_open", _l("This task is no longer open."))
    who = task.assignee.real_name if task.assignee else "?"
    return Conflict("already_claimed", _l("%(name)s has already taken this task.", name=who))


def _step(task: HumanTask, kind: str, clerk: User, reason: str | None, **data) -> None:
    events.case_step(
        task.application_id,
        kind,
        actor=clerk,
        department_id=task.department_id,
        message=reason,
        data={"task": task.name, **data},
    )


@uow.use_case
def claim(clerk: User, task_id: int, reason: str | None = None) -> HumanTask:
    """Take an open task (with an optional reason, kept on the clerks' timeline); if another
    clerk was faster, say who."""
    reason = _reason(reason)
    task = get_task(clerk, task_id)
    _check_group(clerk, task)
    held_before = task.status == TaskStatus.CLAIMED and task.assignee_id == clerk.id
    if not _take(clerk, task):
        raise _taken_by(task)
    if not held_before:
        _step(task, "task_claimed", clerk, reason)
    return task


@dataclass
class BulkClaimResult:
    """What a bulk claim did: the tasks now held, and the ones someone else holds (or that
    are gone, decided or not visible), each with why."""

    claimed: list[HumanTask] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (task id, message)


@uow.use_case
def bulk_claim(clerk: User, task_ids, reason: str | None = None) -> BulkClaimResult:
    """Claim several open tasks at once: each is claimed, or reported as taken by someone
    else (one transaction; a refused task does not undo the others)."""
    reason = _reason(reason)
    result = BulkClaimResult()
    for task_id in dict.fromkeys(task_ids):  # each once, in the order given
        try:
            task = get_task(clerk, task_id)
            _check_group(clerk, task)
        except (NotFound, Forbidden) as exc:
            result.refused.append((task_id, str(exc.message)))
            continue
        held_before = task.status == TaskStatus.CLAIMED and task.assignee_id == clerk.id
        if _take(clerk, task):
            if not held_before:
                _step(task, "task_claimed", clerk, reason)
            result.claimed.append(task)
        else:
            result.refused.append((task_id, str(_taken_by(task).message)))
    return result


@uow.use_case
def release(clerk: User, task_id: int, reason: str | None = None) -> HumanTask:
    """Give a claimed task back to the queue (with an optional reason)."""
    reason = _reason(reason)
    task = get_task(clerk, task_id)
    if task.status != TaskStatus.CLAIMED or task.assignee_id != clerk.id:
        raise Conflict("not_yours", _l("You do not hold this task."))
    task.status, task.assignee_id, task.claimed_at = TaskStatus.OPEN, None, None
    _step(task, "task_released", clerk, reason)
    return task


def department_clerks(clerk: User) -> list[User]:
    """The active clerks of `clerk`'s department (whom a lead may hand a task to)."""
    return list(
        db.session.execute(
            db.select(User)
            .where(
                User.department_id == clerk.department_id,
                User.role == Role.CLERK,
                User.active.is_(True),
            )
            .order_by(User.real_name, User.id)
        ).scalars()
    )


@uow.use_case
def reassign(lead: User, task_id: int, assignee_id: int, reason: str | None) -> HumanTask:
    """A department lead hands an open or claimed task to another clerk of the department,
    with a reason; the new assignee is notified."""
    if not lead.is_lead:
        raise Forbidden("lead_only", _l("Only the department lead may reassign tasks."))
    reason = _reason(reason, required=True)
    task = get_task(lead, task_id)
    target = db.session.get(User, assignee_id) if assignee_id else None
    if (
        target is None
        or target.role != Role.CLERK
        or not target.active
        or target.department_id != lead.department_id
    ):
        raise ValidationFailed(
            {"assignee": _l("Choose an active clerk of your department.")},
        )
    if task.candidate_group == LEAD_GROUP and not target.is_lead:
        raise ValidationFailed({"assignee": _l("Only a department lead may take this task.")})
    previous = task.assignee_id
    if task.status in (TaskStatus.CLAIMED, TaskStatus.OPEN) and previous == target.id:
        raise Conflict("already_assigned", _l("This clerk already holds the task."))
    res = db.session.execute(
        update(HumanTask)
        .where(
            HumanTask.id == task.id,
            HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            HumanTask.assignee_id.is_(None)
            if previous is None
            else HumanTask.assignee_id == previous,
        )
        .values(status=TaskStatus.CLAIMED, assignee_id=target.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    if res.rowcount != 1:  # decided, cancelled or taken meanwhile: the lead looks again
        raise Conflict("task_changed", _l("The task changed meanwhile; please look again."))
    _step(task, "task_reassigned", lead, reason, **{"from": previous, "to": target.id})
    events.task_assigned(task.id)
    return task


OUTCOMES = {"approve": "approved", "reject": "rejected", "correct": "correction"}
INTAKE_OUTCOMES = {"accept": "accepted", "refuse": "refused", "correct": "correction"}
DEFAULT_TASK_FORM = "review_decision"


def task_form(task: HumanTask) -> dict:
    """The form a task is decided with (`forms/tasks/<form>.json`)."""

    return catalogue.load_form(task.form or DEFAULT_TASK_FORM)


def outcome_of(data: dict) -> str:
    """approved / rejected / correction, from a task form's values."""
    if "approved" in data:
        return "approved" if data["approved"] else "rejected"
    if "intake" in data:  # the intake decision (受理): accepted / refused / correction
        return INTAKE_OUTCOMES.get(str(data["intake"]), str(data["intake"]))
    return OUTCOMES.get(str(data.get("decision")), str(data.get("decision") or "done"))


_tasks = HumanTask.__table__
# Close a task if it is open or claimed by this clerk: built once, run on every decision.
_CLOSE_TASK = (
    update(_tasks)
    .where(
        _tasks.c.id == bindparam("b_id"),
        (_tasks.c.status == TaskStatus.OPEN)
        | (
            (_tasks.c.status == TaskStatus.CLAIMED) & (_tasks.c.assignee_id == bindparam("b_clerk"))
        ),
    )
    .values(
        status=TaskStatus.DONE,
        assignee_id=bindparam("b_clerk"),
        completed_by_id=bindparam("b_clerk"),
        completed_at=bindparam("completed_at"),
        outcome=bindparam("outcome"),
        comment=bindparam("comment"),
        working_days=bindparam("working_days"),
    )
)


@uow.use_case
def decide(clerk: User, task_id: int, raw: dict) -> HumanTask:
    """Complete a task with its form (approve, reject, ask for corrections…). Commits."""

    task = get_task(clerk, task_id)
    _check_group(clerk, task)
    instance = locking.lock_instance(task.instance_id)  # the advance below reuses the lock
    if instance.status == runtime.SUSPENDED:
        raise runtime.CaseSuspended()
    data, errors = forms.validate(task_form(task), raw)
    if errors:
        raise ValidationFailed(errors)
    outcome = outcome_of(data)
    comment = str(data.get("comment") or data.get("correction_items") or "")
    completed_at = utcnow()
    # what the analytics reaction measures for a done task (`rollups`), written with the
    # decision so that its own assignment finds the value already there: no second UPDATE
    days = working_time.working_days(task.created_at, completed_at)
    res = db.session.execute(
        _CLOSE_TASK,
        {
            "b_id": task.id,
            "b_clerk": clerk.id,
            "completed_at": completed_at,
            "outcome": outcome,
            "comment": comment,
            "working_days": days,
        },
    )
    if res.rowcount != 1:
        uow.rollback()
        db.session.refresh(task)
        if task.status == TaskStatus.DONE:
            raise Conflict("already_done", _l("This task has already been decided."))
        if task.status == TaskStatus.CANCELLED:
            raise Conflict("task_cancelled", _cancelled_message(task))
        who = task.assignee.real_name if task.assignee else "?"
        raise Conflict("already_claimed", _l("%(name)s has already taken this task.", name=who))
    if "approved" in data and task.lane:
        data[f"{task.lane}_approved"] = data["approved"]
        data[f"{task.lane}_comment"] = comment
    for key, value in (
        ("status", TaskStatus.DONE),
        ("assignee_id", clerk.id),
        ("completed_at", completed_at),
        ("completed_by_id", clerk.id),
        ("outcome", outcome),
        ("comment", comment),
        ("working_days", days),
    ):
        set_committed_value(task, key, value)  # what the UPDATE above wrote; no re-read
    events.case_step(
        task.application_id,
        "task_done",
        actor=clerk,
        department_id=task.department_id,
        message=comment,
        data={"outcome": outcome, "task": task.name, "task_id": task.id},
    )
    events.audited(
        "decide",
        actor=clerk,
        object_type="case",
        object_id=task.application_id,
        details={"task": task.id, "outcome": outcome},
    )
    try:
        runtime.complete_user_task(task.instance_id, task.spiff_task_id, data)
    except runtime.CaseStuck as stuck:
        # The process cannot take this step (a broken script or operator): the decision is
        # not recorded, the task stays with the clerk, and administrators see an incident.
        uow.on_failure(partial(runtime.record_incident, stuck))
        raise Conflict(
            "case_stuck",
            _l(
                "The decision could not be processed because the "
                "process failed at %(element)s. Nothing was changed; "
                "administrators have been alerted.",
                element=stuck.element_id or "?",
            ),
        ) from stuck
    return task


def _cancelled_message(task: HumanTask):
    """Why a task left the queue before its clerk decided it."""
    if task.application.status == ApplicationStatus.WITHDRAWN:
        return _l("The applicant has withdrawn this case; there is nothing left to decide.")
    return _l("This task was cancelled: the case moved on without it.")


def _check_group(clerk: User, task: HumanTask) -> None:
    if task.candidate_group == LEAD_GROUP and not clerk.is_lead:
        raise Forbidden("lead_only", _l("Only the department lead may decide this task."))
