"""residence_permit: correction loop via message, non-interrupting P10D escalation timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wf_helpers import accept_intake, deploy_shipped, intake_data, reload

from app.workflow.engine import WorkflowHandle


@pytest.fixture
def bundle(operators):
    return deploy_shipped("residence_permit", operators)


def _to_review(bundle, operators):
    data = intake_data({"case_number": "RP-1"})
    handle = WorkflowHandle.start(bundle.spec_json, data, operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    return accept_intake(handle, bundle.spec_json, operators)


def test_bundle_lists_timer_message_and_applicant_lane(bundle):
    assert bundle.messages == ["correction_submitted"]
    assert set(bundle.lanes) == {"applicant", "public_security"}
    intake_timer, timer = bundle.timers
    assert (intake_timer.attached_to, intake_timer.interrupting, intake_timer.expression) == (
        "intake",
        True,
        "intake_due",
    )
    assert (timer.attached_to, timer.interrupting, timer.expression) == (
        "review_public_security",
        False,
        '"P10D"',
    )


def test_correction_loop_then_approval(bundle, operators, calls):
    handle = _to_review(bundle, operators)
    task = handle.ready_user_tasks()[0]
    assert (task.lane, task.form, task.due) == ("public_security", "correction_request", "P10D")
    handle.complete_user_task(task.task_id, {"decision": "correct", "correction_items": "photo"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.waiting_messages() == ["correction_submitted"]
    assert handle.active_element_ids() == ["wait_correction"]
    assert calls.notifications[-1] == {"template": "correction_requested", "items": "photo"}
    handle.send_message("correction_submitted", {"note": "new photo"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.data["correction"] == {"note": "new photo"}
    assert handle.data["correction_round"] == 1
    call = handle.pending_service_calls()[0]  # uploads are reviewed again
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    handle.complete_user_task(handle.ready_user_tasks()[0].task_id, {"decision": "approve"})
    assert handle.is_completed() and "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    assert handle.data["certificate"] == {"number": "CERT-RP-1"}


def test_rejection(bundle, operators):
    handle = _to_review(bundle, operators)
    handle.complete_user_task(
        handle.ready_user_tasks()[0].task_id, {"decision": "reject", "comment": "forged"}
    )
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert handle.data["public_security_comment"] == "forged"


def test_overdue_review_escalates_without_cancelling(bundle, operators, calls):
    handle = _to_review(bundle, operators)
    due = handle.next_timer_due()
    now = datetime.now(UTC)
    assert timedelta(days=9, hours=23) < due - now <= timedelta(days=10)
    assert handle.fire_due_timers(now + timedelta(days=1)) is False
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.fire_due_timers(now + timedelta(days=11)) is True
    handle = reload(handle, bundle.spec_json, operators)
    assert calls.notifications[-1]["template"] == "review_overdue"
    assert "end_escalated" in handle.completed_element_ids()
    assert [t.element_id for t in handle.ready_user_tasks()] == ["review_public_security"]
    assert handle.next_timer_due() is None
    handle.complete_user_task(handle.ready_user_tasks()[0].task_id, {"decision": "approve"})
    assert handle.is_completed()
