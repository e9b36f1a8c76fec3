"""The reaction table and the domain events, with plain objects: no database, no app."""

from __future__ import annotations

import pytest

from app.blueprints.context import EVENT_LABELS
from app.domain import events
from app.domain.events import (
    CASE_STEP_KINDS,
    Audited,
    CaseStep,
    ServiceCallRequested,
    TaskAssigned,
)
from app.services import case_events


def test_every_event_type_has_reactions_and_every_step_kind_a_label():
    assert set(case_events.REACTIONS) == {CaseStep, TaskAssigned, ServiceCallRequested, Audited}
    assert CASE_STEP_KINDS <= set(EVENT_LABELS)


def test_react_runs_the_reactions_of_the_event_type_in_order(monkeypatch):
    calls = []
    monkeypatch.setitem(
        case_events.REACTIONS,
        CaseStep,
        (lambda e: calls.append(("first", e.kind)), lambda e: calls.append(("second", e.kind))),
    )
    monkeypatch.setitem(
        case_events.REACTIONS, TaskAssigned, (lambda e: calls.append(("task", e.task_id)),)
    )
    case_events.react(CaseStep(application_id=1, kind="decided"))
    case_events.react(TaskAssigned(task_id=7))
    assert calls == [("first", "decided"), ("second", "decided"), ("task", 7)]


def test_an_event_nobody_reacts_to_is_an_error():
    with pytest.raises(TypeError, match="no reaction registered for str"):
        case_events.react("something happened")


def test_case_steps_refuse_unknown_kinds_and_unsaved_cases():
    with pytest.raises(ValueError, match="unknown case step kind"):
        CaseStep(application_id=1, kind="teleported")
    with pytest.raises(ValueError, match="flushed"):
        CaseStep(application_id=None, kind="submitted")


def test_case_step_takes_the_ids_of_what_it_is_given(monkeypatch):
    recorded = []
    monkeypatch.setattr(events.uow, "record", recorded.append)

    class Thing:
        def __init__(self, id_):
            self.id = id_

    step = events.case_step(Thing(3), "task_done", actor=Thing(5), department=Thing(8))
    assert recorded == [step]
    assert (step.application_id, step.actor_id, step.department_id) == (3, 5, 8)
    assert events.case_step(4, "submitted", department_id=9).department_id == 9


def test_audit_events_refuse_unknown_actions_and_drop_secrets(monkeypatch):
    recorded = []
    monkeypatch.setattr(events.uow, "record", recorded.append)
    with pytest.raises(ValueError):
        events.audited("look_around")
    entry = events.audited("login_failed", details={"login": "zhang", "password": "x"})
    assert recorded == [entry] and entry.details == {"login": "zhang"}
