"""The human-task table: open user tasks mirrored from the engine, per department queue.

Queues and claims read only this table; the workflow state is never deserialized for them.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, update

from app import uow
from app.domain import calendar, events
from app.extensions import db
from app.models import Department, HumanTask, TaskStatus, User, WorkflowInstance, utcnow

APPLICANT_LANE = "applicant"
LEAD_GROUP = "lead"  # candidateGroups="lead": only the department's leads may take the task
_DAYS = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?$")


def open_tasks(inst: WorkflowInstance) -> list[HumanTask]:
    """The instance's tasks that are open or claimed."""
    return list(
        db.session.execute(
            db.select(HumanTask).where(
                HumanTask.instance_id == inst.id,
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).scalars()
    )


def department_for_lane(lane: str | None) -> Department | None:
    """The department a BPMN lane names (by code)."""
    if not lane or lane == APPLICANT_LANE:
        return None
    return department_by_code(lane)


def department_by_code(code: str) -> Department | None:
    """The department with this code (kept per process: see `uow.per_process`)."""
    return uow.per_process_row(
        Department,
        ("code", code),
        lambda: db.session.execute(db.select(Department).where(Department.code == code)).scalar(),
    )


def _assignee(username: str | None, dept):
    """A preset assignee (camunda:assignee, `${expr}` already evaluated) if it names a clerk
    of the task's department, or of any department when the task has none."""
    if not username:
        return None
    user = db.session.execute(db.select(User).where(User.username == username)).scalar()
    if user is None or user.department_id is None:
        return None
    return user if dept is None or user.department_id == dept.id else None


def due_for(inst: WorkflowInstance, due: str | None):
    """A task's due time: its own working-day duration (P5D) or the case's statutory limit."""
    match = _DAYS.match((due or "").strip().strip("'\""))
    if match and any(match.groups()):
        weeks, days = (int(g or 0) for g in match.groups())
        return calendar.add_working_days(utcnow(), weeks * 5 + days)
    return inst.application.due_at


def sync_human_tasks(inst: WorkflowInstance, ready: list) -> None:
    """Full re-sync: rows for every ready user task; cancel rows no longer ready."""
    existing = {t.spiff_task_id for t in open_tasks(inst)}
    ready_ids = {r.task_id for r in ready}
    _create_rows(inst, [r for r in ready if r.task_id not in existing])
    _cancel(inst, existing - ready_ids)


def apply_changes(inst: WorkflowInstance, before: list, after: list) -> None:
    """Write only what an advance changed: new ready tasks get rows, vanished ones cancel.

    (A task completed by a person was marked done by the caller before the advance.)
    """
    before_ids = {r.task_id for r in before}
    after_ids = {r.task_id for r in after}
    _create_rows(inst, [r for r in after if r.task_id not in before_ids])
    _cancel(inst, before_ids - after_ids)


def _create_rows(inst: WorkflowInstance, new: list) -> None:
    for r in new:
        groups = list(r.candidate_groups or [])
        dept = department_for_lane(r.lane) or next(
            (d for d in map(department_for_lane, groups) if d is not None), None
        )
        assignee = _assignee(r.assignee, dept)
        if dept is None and assignee is not None:
            dept = db.session.get(Department, assignee.department_id)
        row = HumanTask(
            instance_id=inst.id,
            application_id=inst.application_id,
            spiff_task_id=r.task_id,
            element_id=r.element_id,
            name=r.name or r.element_id,
            lane=r.lane,
            form=r.form,
            department_id=dept.id if dept else None,
            candidate_group=LEAD_GROUP if LEAD_GROUP in groups else None,
            status=TaskStatus.OPEN,
            due_at=due_for(inst, r.due),
        )
        if assignee is not None:
            row.assignee_id, row.status, row.claimed_at = assignee.id, TaskStatus.CLAIMED, utcnow()
        db.session.add(row)
        events.case_step(
            inst.application,
            "task_opened",
            department=dept,
            message=row.name,
            data={"element_id": r.element_id, "process_version_id": inst.process_version_id},
        )
        if assignee is not None:  # a task in a queue tells nobody; one named for a clerk does
            db.session.flush()  # the event needs the task's id (rare: only preset assignees)
            events.task_assigned(row.id)


_table = HumanTask.__table__
_LIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED)
# Built once (Core, cache key computed once): these run on the hot path of every advance.
_CANCEL_OPEN = (
    update(_table)
    .where(_table.c.instance_id == bindparam("b_instance"), _table.c.status.in_(_LIVE))
    .values(status=TaskStatus.CANCELLED, completed_at=bindparam("completed_at"))
)
_CANCEL_SOME = _CANCEL_OPEN.where(_table.c.spiff_task_id.in_(bindparam("b_tasks", expanding=True)))


def _cancel(inst: WorkflowInstance, spiff_task_ids) -> None:
    """Cancel the open rows of these engine tasks (a timer or the case's end removed them)."""
    if spiff_task_ids:
        db.session.execute(
            _CANCEL_SOME,
            {"b_instance": inst.id, "b_tasks": sorted(spiff_task_ids), "completed_at": utcnow()},
        )


def cancel_open_tasks(inst: WorkflowInstance) -> None:
    """Cancel whatever is still open when the case ends."""
    db.session.execute(_CANCEL_OPEN, {"b_instance": inst.id, "completed_at": utcnow()})


def lock_open_tasks(instance_id: int) -> list[int]:
    """Lock the instance's open and claimed task rows (where the database has row locks),
    in id order; returns their ids."""
    return list(
        db.session.execute(
            db.select(HumanTask.id)
            .where(HumanTask.instance_id == instance_id, HumanTask.status.in_(_LIVE))
            .order_by(HumanTask.id)
            .with_for_update()
        ).scalars()
    )


def move_due(inst: WorkflowInstance, old_due, new_due) -> None:
    """Open tasks that carried the case's due date take the new one (the clock moved)."""
    if old_due is None or new_due is None or old_due == new_due:
        return
    db.session.execute(
        update(_table)
        .where(
            _table.c.instance_id == inst.id,
            _table.c.status.in_(_LIVE),
            _table.c.due_at == old_due,
        )
        .values(due_at=new_due)
    )
