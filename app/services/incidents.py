"""Incidents: cases the engine could not move, and an administrator's retry of one.

A retry reports what really happened, never more: the case `moved` on (the incident is
resolved); the same step `failed` again (the incident stays open with the new error); the
failed asynchronous call (an operator's job) was `requeued` (the incident stays open until
that job reports a result: `resolve_job_incidents`, or its new error: `record_job_failure`);
or nothing moved at all (`unchanged`: the case still waits, the incident stays open).
"""

from __future__ import annotations

from dataclasses import dataclass

from app import uow
from app.domain import events
from app.extensions import db
from app.models import Incident, User, WorkflowInstance, utcnow
from app.workflow import runtime


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: `moved` on, `failed` again (with the new message), `requeued` (the
    failed job), `unchanged` (nothing moved), `suspended` (an administrator holds the case)
    or `resolved` already (nothing to do)."""

    status: str
    message: str | None = None


@uow.use_case
def retry(admin: User, incident_id: int) -> RetryOutcome:
    """Advance the incident's case again from its stored state (for a failed job: queue
    its call again) and say what happened."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at:
        return RetryOutcome("resolved")
    inst = db.session.get(WorkflowInstance, incident.instance_id)
    events.audited(
        "admin_change",
        actor=admin,
        object_type="incident",
        object_id=incident.id,
        details={"change": "retry", "instance": incident.instance_id},
    )
    if inst.status in ("completed", runtime.TERMINATED):
        _resolve(incident, admin)
        return RetryOutcome("resolved")
    if inst.status == runtime.SUSPENDED:
        return RetryOutcome("suspended")
    job_task = (incident.details or {}).get("task_id") if incident.kind == "job" else None
    if job_task:  # let the advance dispatch the failed call again
        inst.dispatched_calls = [t for t in inst.dispatched_calls or [] if t != job_task]
        db.session.flush()  # the advance re-reads the instance row
    before = inst.state_json
    try:
        runtime.retry(inst.id)
    except runtime.CaseStuck as stuck:
        _same_incident_again(incident, stuck)
        return RetryOutcome("failed", incident.message)
    if job_task and job_task in (inst.dispatched_calls or []):
        incident.details = {**(incident.details or {}), "requeued_at": utcnow().isoformat()}
        return RetryOutcome("requeued")
    if inst.state_json == before:
        return RetryOutcome("unchanged", incident.element_id)
    _resolve(incident, admin)
    return RetryOutcome("moved")


def _resolve(incident: Incident, admin: User | None) -> None:
    incident.resolved_at = utcnow()
    incident.resolved_by_id = getattr(admin, "id", None)


def _same_incident_again(incident: Incident, stuck: runtime.CaseStuck) -> None:
    """The step failed again: one open incident with the latest error, not two."""
    if stuck.incident in db.session.new:
        db.session.expunge(stuck.incident)
    incident.kind = stuck.kind
    incident.element_id = stuck.element_id
    incident.message = stuck.message
    incident.details = {**(incident.details or {}), "failed_again_at": utcnow().isoformat()}


def resolve_job_incidents(instance_id: int, task_id: str) -> None:
    """A re-run operator call produced its result: its open job incident is resolved.
    Does not commit (the job's unit of work does)."""
    for incident in _open_job_incidents(instance_id, task_id):
        _resolve(incident, None)


def record_job_failure(instance_id: int, task_id: str | None, message: str, job_id) -> None:
    """An operator call failed for good: update its open incident (a retried call that
    failed again) or record a new one. Does not commit."""
    details = {"job_id": job_id, "task_id": task_id}
    existing = _open_job_incidents(instance_id, task_id) if task_id else []
    if existing:
        existing[0].message = message
        existing[0].details = {**(existing[0].details or {}), **details}
        existing[0].details["failed_again_at"] = utcnow().isoformat()
        return
    db.session.add(
        Incident(
            instance_id=instance_id,
            element_id=None,
            kind="job",
            message=message,
            details=details,
        )
    )


def _open_job_incidents(instance_id: int, task_id: str) -> list[Incident]:
    rows = db.session.execute(
        db.select(Incident).where(
            Incident.instance_id == instance_id,
            Incident.kind == "job",
            Incident.resolved_at.is_(None),
        )
    ).scalars()
    return [i for i in rows if (i.details or {}).get("task_id") == task_id]
