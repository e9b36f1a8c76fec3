"""The per-step heatmap of a process version: for each step (BPMN user task) the cases
waiting there now, how many of them are overdue, the mean and 90th-percentile working days
of the tasks done there, and the share of them done late — drawn as coloured overlays on the
process diagram (bpmn-js) with a table beside it.

Done tasks come from the step rollups (`StepRollup`, `StepDurationRollup`); waiting ones are
counted live over the index of open tasks. Three SQL statements, whatever the history.
"""

from __future__ import annotations

from sqlalchemy import func

from app.extensions import db
from app.models import (
    HumanTask,
    ProcessVersion,
    StepDurationRollup,
    StepRollup,
    TaskStatus,
    WorkflowInstance,
    utcnow,
)
from app.services.analytics import ratio
from app.services.rollups import histogram_percentile

LEVELS = (0.25, 0.5, 0.75)  # heat: share of the busiest step's score → level 0..3


def step_heatmap(version: ProcessVersion, now=None) -> list[dict]:
    """One row per step seen in this version (element id, name, counts, times, heat level
    0–3: the hotter, the more cases wait and the longer they take)."""
    now = now or utcnow()
    T = HumanTask
    waiting = {
        element: (name, n, late)
        for element, name, n, late in db.session.execute(
            db.select(
                T.element_id,
                func.min(T.name),
                func.count(),
                func.sum(db.case((T.due_at < now, 1), else_=0)),
            )
            .join(WorkflowInstance, T.instance_id == WorkflowInstance.id)
            .where(
                T.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
                WorkflowInstance.process_version_id == version.id,
            )
            .group_by(T.element_id)
        )
    }
    steps = {
        r.element_id: r
        for r in db.session.execute(
            db.select(StepRollup).where(StepRollup.process_version_id == version.id)
        ).scalars()
    }
    histos: dict = {}
    for element, n, days_sum in db.session.execute(
        db.select(StepDurationRollup.element_id, StepDurationRollup.n, StepDurationRollup.days_sum)
        .where(StepDurationRollup.process_version_id == version.id)
        .order_by(StepDurationRollup.element_id, StepDurationRollup.bucket)
    ):
        histos.setdefault(element, []).append((n, days_sum))
    names = {}
    for task in (version.info or {}).get("user_tasks", []):
        if isinstance(task, dict):
            names[task.get("element_id") or task.get("id")] = task.get("name")
    rows = []
    for element in sorted(set(waiting) | set(steps)):
        name, n_wait, n_late = waiting.get(element, (None, 0, 0))
        step = steps.get(element)
        completed = step.completed if step else 0
        late_done = step.completed_late if step else 0
        rows.append(
            {
                "element_id": element,
                "name": names.get(element) or name or element,
                "waiting": int(n_wait or 0),
                "overdue_now": int(n_late or 0),
                "entered": step.entered if step else 0,
                "completed": completed,
                "mean_days": ratio(step.days_sum, completed) if step else None,
                "p90_days": histogram_percentile(histos.get(element, []), 0.9),
                "overdue_share": ratio(late_done + int(n_late or 0), completed + int(n_wait or 0)),
            }
        )
    _heat(rows)
    return rows


def _heat(rows: list[dict]) -> None:
    """Give each row a level 0–3 from its waiting cases and its p90 time, relative to the
    busiest and slowest step of the version."""
    most_waiting = max((r["waiting"] for r in rows), default=0) or 1
    slowest = max((r["p90_days"] or 0 for r in rows), default=0) or 1
    for r in rows:
        score = max(r["waiting"] / most_waiting, (r["p90_days"] or 0) / slowest)
        r["level"] = sum(1 for edge in LEVELS if score > edge)
