"""The one table of reactions to case events: who writes, tells and queues what.

The workflow runtime and the services record events on the unit of work
(`app.domain.events`); when the unit of work commits it hands each event here, in order,
inside the same transaction (see `app.uow`). This is the only place that decides what an
event leads to:

| event                  | reactions                                                  |
|------------------------|------------------------------------------------------------|
| CaseStep               | a timeline row; a notification for the kinds that tell     |
|                        | someone (`notifications.EVENT_KINDS`); a written notice    |
|                        | (its PDF rendered on first download) for the steps that   |
|                        | call for one (`notices.on_case_step`: submitted →          |
|                        | receipt with the query code,                               |
|                        | task_done(correction) → 补正通知书, decided → 决定书);     |
|                        | certificate_issued: the e-certificate in the register and  |
|                        | its signing job; a webhook delivery job per subscribed     |
|                        | system for submitted, accepted, decided and certificate    |
|                        | issued (`webhooks.on_case_step`); material_reminder /      |
|                        | material_overdue: the citizen / the case's clerks told     |
|                        | (`deferred.on_case_step`, 容缺受理); certificate_revoked:   |
|                        | the same step on each undecided case using it              |
|                        | (`reuse.on_case_step`); the analytics rollups (`rollups.   |
|                        | on_case_step`: submitted, decided, task opened/done, rated)|
| TaskAssigned           | a notification to the named clerk                          |
| ServiceCallRequested   | an `operator_call` job (run after the commit)              |
| Audited                | the next record of the audit trail (`audit.append`)        |
"""

from __future__ import annotations

from collections.abc import Callable

from app import uow
from app.domain.events import Audited, CaseStep, ServiceCallRequested, TaskAssigned
from app.extensions import db
from app.jobs import queue
from app.models import HumanTask
from app.services import (
    audit,
    deferred,
    ecertificates,
    notices,
    notifications,
    reuse,
    rollups,
    timeline,
    webhooks,
)


def _notify_step(step: CaseStep) -> None:
    if step.kind in notifications.EVENT_KINDS:
        notifications.on_event(
            step.application_id,
            step.kind,
            department_id=step.department_id,
            message=step.message,
            data=step.data,
        )


def _notify_assignee(assigned: TaskAssigned) -> None:
    task = db.session.get(HumanTask, assigned.task_id)
    if task is not None:
        notifications.task_assigned(task)


def _queue_service_call(call: ServiceCallRequested) -> None:
    queue.enqueue(
        "operator_call",
        instance_id=call.instance_id,
        task_id=call.task_id,
        operator=call.operator,
        params=call.params,
    )


REACTIONS: dict[type, tuple[Callable, ...]] = {
    CaseStep: (
        timeline.write,
        _notify_step,
        notices.on_case_step,
        ecertificates.on_case_step,
        webhooks.on_case_step,
        deferred.on_case_step,
        reuse.on_case_step,
        rollups.on_case_step,
    ),
    TaskAssigned: (_notify_assignee,),
    ServiceCallRequested: (_queue_service_call,),
    Audited: (audit.append,),
}


def react(domain_event: object) -> None:
    """Run every reaction to `domain_event` (an event nobody reacts to is a bug)."""
    try:
        reactions = REACTIONS[type(domain_event)]
    except KeyError:
        raise TypeError(f"no reaction registered for {type(domain_event).__name__}") from None
    for reaction in reactions:
        reaction(domain_event)


def install() -> None:
    """Make this table the unit of work's reactor (called once by create_app)."""
    uow.set_reactor(react)
