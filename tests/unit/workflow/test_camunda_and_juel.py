"""Camunda Modeler 7 diagrams (attributes, JUEL, external tasks, data stores) and JUEL."""

from __future__ import annotations

import pytest
from wf_helpers import FIXTURES, deploy_files, reload

from app.workflow.engine import JuelError, WorkflowHandle, translate_juel
from app.workflow.engine.expressions import evaluate_expression


@pytest.mark.parametrize(
    "juel, data, expected",
    [
        ("${approved}", {"approved": True}, True),
        ("${!approved}", {"approved": True}, False),
        ("${amount > 1000 && region == 'A'}", {"amount": 1500, "region": "A"}, True),
        ("${amount > 1000 && region == 'A'}", {"amount": 1500, "region": "B"}, False),
        ("${a != b || c}", {"a": 1, "b": 1, "c": False}, False),
        ('${amount gt 10 and not (region eq "B")}', {"amount": 11, "region": "A"}, True),
        ("#{x lt 3 or x ge 10}", {"x": 12}, True),
        ("${form.amount le 1000}", {"form": {"amount": 1000}}, True),
        ("${empty comment}", {"comment": ""}, True),
        ("${flag == true && other == null}", {"flag": True, "other": None}, True),
    ],
)
def test_juel_translation(juel, data, expected):
    assert evaluate_expression(translate_juel(juel), data) is expected


@pytest.mark.parametrize("juel", ["${a ? b : c}", "${bean.method()}", "${fn(1)}", "${a @ b}"])
def test_unsupported_juel_refused(juel):
    with pytest.raises(JuelError):
        translate_juel(juel)


@pytest.fixture
def bundle(operators):
    files = {"camunda_permit.bpmn": (FIXTURES / "camunda_permit.bpmn").read_bytes()}
    return deploy_files(files, operators)


def test_camunda_attributes_are_read(bundle):
    assert bundle.flavour == "camunda"
    review = next(t for t in bundle.user_tasks if t.element_id == "Task_review")
    assert review.form == "review_decision"
    assert review.candidate_groups == ["housing_fund_clerks", "supervisors"]
    assert (review.assignee, review.due, review.lane) == ("${initiator}", "P3D", "housing_fund")
    second = next(t for t in bundle.user_tasks if t.element_id == "Task_second")
    assert second.form == "review_decision" and second.lane == "human_resources"
    assert dict(bundle.service_tasks) == {"Task_pay": "issue_certificate"}
    assert [(w.element_id, w.severity) for w in bundle.warnings] == [
        ("DataStoreReference_1", "warning")
    ]


@pytest.mark.parametrize(
    "amount, approved, path",
    [
        (500, True, ["Task_review"]),
        (5000, True, ["Task_review", "Task_second"]),
        (500, False, ["Task_review"]),
    ],
)
def test_camunda_diagram_runs_with_save_load(bundle, operators, amount, approved, path):
    handle = WorkflowHandle.start(
        bundle.spec_json, {"case_number": "HF-1", "form": {"amount": amount}}, operators=operators
    )
    done = []
    while handle.ready_user_tasks():
        handle = reload(handle, bundle.spec_json, operators)
        task = handle.ready_user_tasks()[0]
        assert task.candidate_groups
        done.append(task.element_id)
        handle.complete_user_task(task.task_id, {"approved": approved})
        handle = reload(handle, bundle.spec_json, operators)
    assert done == path and handle.is_completed()
    if approved:
        assert handle.data["payment"] == {"number": "CERT-HF-1"}  # camunda:resultVariable
        assert "End_paid" in handle.completed_element_ids()
    else:
        assert "End_refused" in handle.completed_element_ids()
