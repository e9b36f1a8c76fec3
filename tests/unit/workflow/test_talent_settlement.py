"""talent_settlement: a call activity (HR qualification) then public security, in sequence."""

from __future__ import annotations

import json

import pytest
from wf_helpers import accept_intake, deploy_shipped, intake_data, reload

from app.workflow.engine import WorkflowHandle


@pytest.fixture
def bundle(operators):
    return deploy_shipped("talent_settlement", operators, process_id="talent_settlement")


def _to_hr_review(bundle, operators, degree="master", shortage=False):
    data = {"case_number": "TS-3", "form": {"degree": degree, "shortage_occupation": shortage}}
    handle = WorkflowHandle.start(bundle.spec_json, intake_data(data), operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    handle.complete_service_call(handle.pending_service_calls()[0].task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    handle = accept_intake(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    assert (task.element_id, task.lane, task.form) == (
        "review_human_resources",
        "human_resources",
        "review_decision",
    )
    return handle, task


def test_bundle_holds_the_called_process(bundle):
    assert bundle.process_id == "talent_settlement"
    assert set(bundle.lanes) == {"human_resources", "public_security"}
    assert "talent_qualification" in json.loads(bundle.spec_json)["subprocess_specs"]
    assert {t.process_id for t in bundle.user_tasks} == {
        "talent_settlement",
        "talent_qualification",
    }


@pytest.mark.parametrize(
    "degree, shortage, points",
    [("doctorate", False, 100), ("master", True, 100), ("bachelor", False, 60)],
)
def test_script_in_called_process_scores(bundle, operators, degree, shortage, points):
    handle, task = _to_hr_review(bundle, operators, degree, shortage)
    assert task.data["talent_points"] == points
    assert "call_talent_qualification" in handle.active_element_ids()


def test_both_departments_approve_in_turn(bundle, operators, calls):
    handle, task = _to_hr_review(bundle, operators)
    handle.complete_user_task(task.task_id, {"approved": True, "comment": "qualified"})
    handle = reload(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    assert (task.element_id, task.lane) == ("review_public_security", "public_security")
    assert task.data["human_resources_approved"] is True  # data returned from the call
    handle.complete_user_task(task.task_id, {"approved": True})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_approved" in handle.completed_element_ids()
    assert handle.data["decision"] == "approved"  # said, not inferred
    assert handle.data["certificate"] == {"number": "CERT-TS-3"}
    done = handle.completed_element_ids()
    assert done.index("review_human_resources") < done.index("review_public_security")


def test_hr_rejection_skips_public_security(bundle, operators, calls):
    handle, task = _to_hr_review(bundle, operators)
    handle.complete_user_task(task.task_id, {"approved": False, "comment": "no degree"})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert "review_public_security" not in handle.completed_element_ids()
    assert handle.data["human_resources_comment"] == "no degree"
    assert calls.notifications == [{"template": "application_rejected"}]


def test_public_security_rejection(bundle, operators, calls):
    handle, task = _to_hr_review(bundle, operators)
    handle.complete_user_task(task.task_id, {"approved": True})
    handle = reload(handle, bundle.spec_json, operators)
    handle.complete_user_task(
        handle.ready_user_tasks()[0].task_id, {"approved": False, "comment": "address invalid"}
    )
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and "end_rejected" in handle.completed_element_ids()
    assert handle.data["decision"] == "rejected"  # said, not inferred
    assert handle.data["public_security_approved"] is False and calls.certificates == []
