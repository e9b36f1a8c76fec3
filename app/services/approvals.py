"""Clerks' work on human tasks: queues, claiming (exactly one clerk wins) and decisions."""

from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, text, update
from sqlalchemy.orm.attributes import set_committed_value

from app import uow
from app.domain import events
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, HumanTask, TaskStatus, User, utcnow
from app.services import catalogue, forms
from app.workflow import runtime

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


@uow.use_case
def claim(clerk: User, task_id: int) -> HumanTask:
    """Take an open task; if another clerk was faster, say who."""
    task = get_task(clerk, task_id)
    _check_group(clerk, task)
    res = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.status == TaskStatus.OPEN)
        .values(status=TaskStatus.CLAIMED, assignee_id=clerk.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    if res.rowcount != 1 and task.assignee_id != clerk.id:
        who = task.assignee.real_name if task.assignee else "?"
        raise Conflict("already_claimed", _l("%(name)s has already taken this task.", name=who))
    return task


@uow.use_case
def release(clerk: User, task_id: int) -> HumanTask:
    """Give a claimed task back to the queue."""
    task = get_task(clerk, task_id)
    if task.status != TaskStatus.CLAIMED or task.assignee_id != clerk.id:
        raise Conflict("not_yours", _l("You do not hold this task."))
    task.status, task.assignee_id, task.claimed_at = TaskStatus.OPEN, None, None
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
    )
)


@uow.use_case
def decide(clerk: User, task_id: int, raw: dict) -> HumanTask:
    """Complete a task with its form (approve, reject, ask for corrections…). Commits."""

    task = get_task(clerk, task_id)
    _check_group(clerk, task)
    data, errors = forms.validate(task_form(task), raw)
    if errors:
        raise ValidationFailed(errors)
    outcome = outcome_of(data)
    comment = str(data.get("comment") or data.get("correction_items") or "")
    res = db.session.execute(
        _CLOSE_TASK,
        {
            "b_id": task.id,
            "b_clerk": clerk.id,
            "completed_at": utcnow(),
            "outcome": outcome,
            "comment": comment,
        },
    )
    if res.rowcount != 1:
        uow.rollback()
        db.session.refresh(task)
        if task.status == TaskStatus.DONE:
            raise Conflict("already_done", _l("This task has already been decided."))
        who = task.assignee.real_name if task.assignee else "?"
        raise Conflict("already_claimed", _l("%(name)s has already taken this task.", name=who))
    if "approved" in data and task.lane:
        data[f"{task.lane}_approved"] = data["approved"]
        data[f"{task.lane}_comment"] = comment
    for key, value in (
        ("status", TaskStatus.DONE),
        ("assignee_id", clerk.id),
        ("completed_by_id", clerk.id),
        ("outcome", outcome),
        ("comment", comment),
    ):
        set_committed_value(task, key, value)  # what the UPDATE above wrote; no re-read
    events.case_step(
        task.application_id,
        "task_done",
        actor=clerk,
        department_id=task.department_id,
        message=comment,
        data={"outcome": outcome, "task": task.name},
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


def _check_group(clerk: User, task: HumanTask) -> None:
    if task.candidate_group == "lead" and not clerk.is_lead:
        raise Forbidden("lead_only", _l("Only the department lead may decide this task."))
