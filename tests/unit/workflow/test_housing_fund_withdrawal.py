"""housing_fund_withdrawal: DMN decides the approval level; a lead approves large amounts."""

from __future__ import annotations

import pytest
from wf_helpers import accept_intake, deploy_shipped, intake_data, reload

from app.workflow.engine import WorkflowHandle


@pytest.fixture
def bundle(operators):
    return deploy_shipped("housing_fund_withdrawal", operators)


def _to_clerk(bundle, operators, amount, reason="rent"):
    data = {
        "case_number": "HF-7",
        "service_code": "housing_fund_withdrawal",
        "form": {"amount": float(amount), "reason": reason},
    }
    handle = WorkflowHandle.start(bundle.spec_json, intake_data(data), operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    [call] = handle.pending_service_calls()
    assert call.operator == "auto_review"
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    handle = accept_intake(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    assert (task.element_id, task.lane, task.form) == (
        "review_housing_fund",
        "housing_fund",
        "review_decision",
    )
    assert task.candidate_groups == []
    return handle, task


def test_bundle_carries_the_decision_and_the_lead_group(bundle):
    assert bundle.lanes == ["housing_fund"] and bundle.warnings == []
    lead = next(t for t in bundle.user_tasks if t.element_id == "lead_approval")
    assert (lead.lane, lead.form, lead.candidate_groups) == (
        "housing_fund",
        "review_decision",
        ["lead"],
    )
    assert "housing_fund_approval_level" in bundle.spec_json  # DMN table stored in the spec


@pytest.mark.parametrize(
    "amount, reason, level",
    [
        (3000, "rent", "clerk"),
        (50000, "purchase", "clerk"),
        (50000.01, "purchase", "lead"),
        (800, "other", "lead"),
        (120000, "retirement", "lead"),
    ],
)
def test_dmn_decides_the_approval_level(bundle, operators, amount, reason, level):
    handle, task = _to_clerk(bundle, operators, amount, reason)
    assert task.data["approval_level"] == level
    assert "decide_approval_level" in handle.completed_element_ids()


def test_small_amount_clerk_approves_alone(bundle, operators, calls):
    handle, task = _to_clerk(bundle, operators, 3000)
    handle.complete_user_task(task.task_id, {"approved": True, "comment": "ok"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed()
    assert "lead_approval" not in handle.completed_element_ids()
    assert "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    assert handle.data["certificate"] == {"number": "CERT-HF-7"}
    assert handle.data["housing_fund_approved"] is True and calls.notifications == []


def test_large_amount_needs_lead_then_approved(bundle, operators, calls):
    handle, task = _to_clerk(bundle, operators, 80000)
    handle.complete_user_task(task.task_id, {"approved": True, "comment": "material ok"})
    handle = reload(handle, bundle.spec_json, operators)
    assert not handle.is_completed() and calls.certificates == []
    [lead] = handle.ready_user_tasks()
    assert (lead.element_id, lead.lane, lead.candidate_groups) == (
        "lead_approval",
        "housing_fund",
        ["lead"],
    )
    handle.complete_user_task(lead.task_id, {"approved": True, "comment": "同意"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    assert handle.data["housing_fund_lead_approved"] is True
    assert handle.data["housing_fund_comment"] == "material ok"
    assert len(calls.certificates) == 1


def test_lead_can_reject(bundle, operators, calls):
    handle, task = _to_clerk(bundle, operators, 10, "other")
    handle.complete_user_task(task.task_id, {"approved": True})
    handle = reload(handle, bundle.spec_json, operators)
    [lead] = handle.ready_user_tasks()
    handle.complete_user_task(lead.task_id, {"approved": False, "comment": "reason unclear"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert handle.data["housing_fund_lead_approved"] is False
    assert handle.data["housing_fund_lead_comment"] == "reason unclear"
    assert calls.certificates == [] and calls.notifications == [
        {"template": "application_rejected"}
    ]


@pytest.mark.parametrize("amount", [3000, 90000])
def test_clerk_rejection_ends_without_lead(bundle, operators, calls, amount):
    handle, task = _to_clerk(bundle, operators, amount)
    handle.complete_user_task(task.task_id, {"approved": False, "comment": "no lease"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed()
    assert "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert "lead_approval" not in handle.completed_element_ids()
    assert calls.certificates == []
