"""Timer helpers: when waiting timers are due, and firing them at a given "now".

SpiffWorkflow compares timers with the real clock. To let a scheduler (and tests) fire
timers for an explicit `now` without patching the clock, `fire_due` marks due timers as
fired in their internal data; `refresh_timers()` then lets them complete.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState


def _waiting_timer_tasks(workflow):
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        # an event-based gateway waits for a MultipleEventDefinition holding its branches'
        for candidate in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(candidate, TimerEventDefinition):
                yield task, candidate
                break


def _due_of(task, definition) -> datetime | None:
    value = task.internal_data.get("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        return datetime.fromisoformat(value["next"])
    try:
        due = (
            TimerEventDefinition.parse_time_or_duration(value)
            if not str(value).upper().startswith("P")
            else None
        )
    except Exception:  # noqa: BLE001 - a malformed value means "no known due date"
        return None
    if isinstance(due, datetime):
        return due if due.tzinfo else due.replace(tzinfo=UTC)
    return None


def next_due(workflow) -> datetime | None:
    """Earliest due datetime (UTC) of the waiting timers, or None."""
    dues = [d for t, defn in _waiting_timer_tasks(workflow) if (d := _due_of(t, defn))]
    return min(dues).astimezone(UTC) if dues else None


def fire_due(workflow, now: datetime) -> bool:
    """Mark every waiting timer due at `now` as fired; True when at least one was."""
    fired = False
    for task, definition in list(_waiting_timer_tasks(workflow)):
        due = _due_of(task, definition)
        if due is None or due > now:
            continue
        fired = True
        if isinstance(definition, CycleTimerEventDefinition):
            value = task.internal_data["event_value"]
            value["next"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        else:
            task.internal_data["event_fired"] = True
    return fired
