"""The intake step (受理) every shipped diagram starts with, at the engine level: accept,
refuse with the reason, ask once for 补正 (the intake timer restarts), and deemed acceptance
when the boundary timer on `intake_due` fires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wf_helpers import INTAKE_DUE, deploy_shipped, intake_data, reload

from app.workflow.engine import WorkflowHandle

SERVICES = {  # process -> (lead lane, first review after acceptance)
    "business_registration": ("market_regulation", "review_market_regulation"),
    "residence_permit": ("public_security", "review_public_security"),
    "housing_fund_withdrawal": ("housing_fund", "review_housing_fund"),
    "talent_settlement": ("human_resources", "review_human_resources"),
}
START = {
    "case_number": "IN-1",
    "form": {"amount": 100.0, "reason": "rent", "degree": "master"},
}


def _at_intake(process_id, operators):
    bundle = deploy_shipped(process_id, operators, process_id=process_id)
    handle = WorkflowHandle.start(bundle.spec_json, intake_data(START), operators=operators)
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    lane, _review = SERVICES[process_id]
    assert (task.element_id, task.lane, task.form) == ("intake", lane, "intake_decision")
    return bundle, handle, task


@pytest.mark.parametrize("process_id", sorted(SERVICES))
def test_accepting_opens_the_review(process_id, operators):
    bundle, handle, task = _at_intake(process_id, operators)
    handle.complete_user_task(task.task_id, {"intake": "accept"})
    handle = reload(handle, bundle.spec_json, operators)
    assert SERVICES[process_id][1] in {t.element_id for t in handle.ready_user_tasks()}
    assert handle.data["intake"] == "accept" and "decision" not in handle.data


@pytest.mark.parametrize("process_id", sorted(SERVICES))
def test_refusing_ends_with_an_explicit_rejection(process_id, operators):
    bundle, handle, task = _at_intake(process_id, operators)
    handle.complete_user_task(task.task_id, {"intake": "refuse", "comment": "不属于本机关职权"})
    assert handle.is_completed()
    assert "end_intake_refused" in handle.completed_element_ids()
    data = handle.data
    assert (data["decision"], data["outcome_detail"]) == ("rejected", "intake_refused")
    assert data["decision_comment"] == "不属于本机关职权"


@pytest.mark.parametrize("process_id", sorted(SERVICES))
def test_no_decision_by_intake_due_is_deemed_acceptance(process_id, operators):
    bundle, handle, _task = _at_intake(process_id, operators)
    due = datetime.fromisoformat(INTAKE_DUE)
    assert handle.next_timer_due() == due
    assert not handle.fire_due_timers(due - timedelta(seconds=1))
    assert handle.fire_due_timers(due + timedelta(seconds=1))
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.data["intake"] == "deemed"
    ready = {t.element_id for t in handle.ready_user_tasks()}
    assert "intake" not in ready and SERVICES[process_id][1] in ready


def test_correction_at_intake_restarts_the_intake_limit(operators, calls):
    bundle, handle, task = _at_intake("business_registration", operators)
    handle.complete_user_task(task.task_id, {"intake": "correct", "correction_items": "缺租赁合同"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.waiting_messages() == ["correction_submitted"]
    assert calls.notifications[-1] == {"template": "correction_requested", "items": "缺租赁合同"}
    later = datetime(2030, 2, 1, 15, 59, 59, tzinfo=UTC)
    handle.send_message("correction_submitted", {"note": "已补", "intake_due": later.isoformat()})
    handle = reload(handle, bundle.spec_json, operators)
    call = handle.pending_service_calls()[0]  # the new materials are reviewed again
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    assert [t.element_id for t in handle.ready_user_tasks()] == ["intake"]
    assert handle.next_timer_due() == later
