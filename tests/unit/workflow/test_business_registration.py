"""The shipped business_registration process, run to each end with save/load at every step."""

from __future__ import annotations

import json

import pytest
from wf_helpers import accept_intake, deploy_shipped, reload

from app.workflow.engine import OperatorError, OperatorRegistry, WorkflowHandle
from app.workflow.engine.handle import TaskNotFound

START_DATA = {
    "case_number": "BR-2025-0001",
    "service_code": "business_registration",
    "applicant": {"name": "张三", "id_number": "110101199003078515"},
    "form": {"company_name": "上海示例科技有限公司", "registered_capital": 100},
    "attachments": [{"id": 1, "slot": "id_card"}],
    "intake_due": "2030-01-07T15:59:59+00:00",
}
REVIEW_LANES = {"market_regulation", "tax", "social_security"}


@pytest.fixture
def bundle(operators):
    return deploy_shipped("business_registration", operators)


def _start_and_finish_auto_review(bundle, operators, verdict="pass"):
    handle = WorkflowHandle.start(bundle.spec_json, START_DATA, operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    calls = handle.pending_service_calls()
    assert [c.operator for c in calls] == ["auto_review"]
    assert handle.ready_user_tasks() == []
    assert handle.active_element_ids() == ["task_auto_review"]
    handle.complete_service_call(calls[0].task_id, {"verdict": verdict, "reasons": []})
    handle = reload(handle, bundle.spec_json, operators)
    return accept_intake(handle, bundle.spec_json, operators)


def test_bundle_describes_the_process(bundle):
    assert bundle.process_id == "business_registration"
    assert set(bundle.lanes) == REVIEW_LANES
    assert {t.lane for t in bundle.user_tasks} == REVIEW_LANES
    assert {t.element_id: t.form for t in bundle.user_tasks}["intake"] == "intake_decision"
    assert {t.form for t in bundle.user_tasks} == {"intake_decision", "review_decision"}
    assert dict(bundle.service_tasks) == {
        "task_auto_review": "auto_review",
        "task_issue_certificate": "issue_certificate",
        "notify_rejection": "notify",
        "notify_intake_correction": "notify",
    }
    assert len(bundle.content_hash) == 64
    assert bundle.warnings == []


def test_all_approve_issues_certificate(bundle, operators, calls):
    handle = _start_and_finish_auto_review(bundle, operators)
    tasks = handle.ready_user_tasks()
    assert {t.lane for t in tasks} == REVIEW_LANES
    assert all(t.data["auto_review"]["verdict"] == "pass" for t in tasks)
    for lane in sorted(REVIEW_LANES):
        task = next(t for t in handle.ready_user_tasks() if t.lane == lane)
        assert task.form == "review_decision"
        handle.complete_user_task(task.task_id, {"approved": True, "comment": f"{lane} ok"})
        handle = reload(handle, bundle.spec_json, operators)
        assert not any(t.lane == lane for t in handle.ready_user_tasks())
    assert handle.is_completed()
    data = handle.data
    assert data["certificate"] == {"number": "CERT-BR-2025-0001"}
    assert {data[f"{lane}_approved"] for lane in REVIEW_LANES} == {True}
    assert data["tax_comment"] == "tax ok"
    assert "approved" not in data
    assert "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    assert "end_rejected" not in handle.completed_element_ids()
    assert len(calls.certificates) == 1 and calls.notifications == []


def test_one_rejection_rejects_and_notifies(bundle, operators, calls):
    handle = _start_and_finish_auto_review(bundle, operators, verdict="attention")
    decisions = {"market_regulation": True, "tax": False, "social_security": True}
    for lane, approved in decisions.items():
        task = next(t for t in handle.ready_user_tasks() if t.lane == lane)
        handle.complete_user_task(task.task_id, {"approved": approved, "comment": "x"})
        handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed()
    assert handle.data["tax_approved"] is False
    assert handle.data["market_regulation_approved"] is True
    assert "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert calls.certificates == []
    assert calls.notifications == [{"template": "application_rejected"}]


def test_comment_is_optional_for_approval(bundle, operators):
    handle = _start_and_finish_auto_review(bundle, operators)
    for task in handle.ready_user_tasks():
        handle.complete_user_task(task.task_id, {"approved": True})
    assert handle.is_completed()
    assert handle.data["tax_comment"] == ""


def test_state_json_excludes_the_spec(bundle, operators):
    handle = WorkflowHandle.start(bundle.spec_json, START_DATA, operators=operators)
    state = json.loads(handle.dump_state())
    assert "spec" not in state and "subprocess_specs" not in state
    assert "business_registration" in bundle.spec_json


def test_sync_operator_failure_raises_operator_error(bundle, calls):
    registry = OperatorRegistry()
    registry.add("auto_review", is_async=True)
    registry.add("notify", lambda p, d: None)

    def broken(params, data):
        raise RuntimeError("certificate service down")

    registry.add("issue_certificate", broken)
    handle = _start_and_finish_auto_review(bundle, registry)
    tasks = handle.ready_user_tasks()
    for task in tasks[:-1]:
        handle.complete_user_task(task.task_id, {"approved": True, "comment": ""})
    saved = handle.dump_state()
    with pytest.raises(OperatorError) as info:
        handle.complete_user_task(tasks[-1].task_id, {"approved": True, "comment": ""})
    assert info.value.element_id == "task_issue_certificate"
    assert "certificate service down" in info.value.message
    again = WorkflowHandle.load(bundle.spec_json, saved, operators=registry)
    assert len(again.ready_user_tasks()) == 1  # stored state untouched


def test_unknown_task_ids_are_refused(bundle, operators):
    handle = _start_and_finish_auto_review(bundle, operators)
    with pytest.raises(TaskNotFound):
        handle.complete_user_task("00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(TaskNotFound):
        handle.complete_service_call(handle.ready_user_tasks()[0].task_id, {})
