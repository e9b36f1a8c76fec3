"""Camunda inputOutput mapping executed: input parameters as task-local variables, output
parameters set as process variables, on service, script, business rule and user tasks."""

from __future__ import annotations

import pytest
from wf_helpers import FIXTURES, deploy_files, reload

from app.workflow.engine import DeployError, ScriptError, WorkflowHandle

BPMN = (FIXTURES / "camunda_io.bpmn").read_bytes()
DMN = (FIXTURES / "camunda_io.dmn").read_bytes()


def _files(bpmn: bytes = BPMN) -> dict[str, bytes]:
    return {"camunda_io.bpmn": bpmn, "camunda_io.dmn": DMN}


@pytest.fixture
def bundle(operators):
    return deploy_files(_files(), operators)


def _start(bundle, operators, amount, proof="lease"):
    data = {"case_number": "IO-1", "form": {"amount": amount, "proof": proof}}
    handle = WorkflowHandle.start(bundle.spec_json, data, operators=operators)
    return reload(handle, bundle.spec_json, operators)


def test_executed_mappings_are_not_reported(bundle):
    assert bundle.flavour == "camunda"
    assert not [w for w in bundle.warnings if w.code == "unsupported_element"]


@pytest.mark.parametrize(
    "amount, points, level, approved, end",
    [
        (5000, 3, "lead", True, "End_approved"),
        (500, 1, "clerk", True, "End_approved"),
        (5000, 3, "lead", False, "End_refused"),
    ],
)
def test_mappings_run_to_each_end(bundle, operators, calls, amount, points, level, approved, end):
    handle = _start(bundle, operators, amount)
    [call] = handle.pending_service_calls()
    assert (call.element_id, call.params) == (
        "Task_auto",
        {"documents": ["id_card", "lease"], "case": "IO-1"},
    )
    assert "documents" not in handle.data  # a local of the started task, not a process var
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)

    [task] = handle.ready_user_tasks()
    assert task.element_id == "Task_review"
    # the user task sees its input parameters; the process data does not hold them
    assert task.data["summary"] == {"case": "IO-1", "level": level}
    assert task.data["approved"] is False
    assert not {"summary", "approved"} & set(handle.data)
    data = handle.data
    assert (data["review_verdict"], data["reviewed_documents"]) == ("pass", ["id_card", "lease"])
    assert not {"documents", "case", "amount", "weights"} & set(data)
    assert (data["risk_points"], data["risk_flags"]) == (points, [amount > 1000, "scored"])
    # Rule_level's input `points` (risk_points * 10) shadowed the script's `points` for the
    # DMN only: the decision saw 30 or 10, the process variable is back to 3 or 1
    assert (data["points"], data["approval_level"], data["level_result"]) == (points, level, level)

    handle.complete_user_task(task.task_id, {"approved": approved})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed() and end in handle.completed_element_ids()
    data = handle.data
    # the form wrote the local `approved`; only the output parameter carried it out
    assert data["review_approved"] is approved and "approved" not in data
    assert data["reviewed_level"] == level
    if approved:
        assert calls.notifications == [{"template": "fund_approved", "level": level}]
        assert (data["notified"], data["notice_template"]) == (True, "fund_approved")
        assert not {"template", "level"} & set(data)
    else:
        assert not calls.notifications and "notified" not in data


def test_failing_output_parameter_names_element_and_keeps_state(operators):
    broken = BPMN.replace(b"${notice.sent}", b"${notice.delivered}")
    bundle = deploy_files(_files(broken), operators)
    handle = _start(bundle, operators, 5000)
    [call] = handle.pending_service_calls()
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    stored = handle.dump_state()
    [task] = handle.ready_user_tasks()
    with pytest.raises(ScriptError) as info:
        handle.complete_user_task(task.task_id, {"approved": True})
    assert info.value.element_id == "Task_notify"
    assert "output parameter 'notified'" in info.value.message
    again = WorkflowHandle.load(bundle.spec_json, stored, operators=operators)
    assert [t.element_id for t in again.ready_user_tasks()] == ["Task_review"]


def test_failing_input_parameter_names_element(operators):
    broken = BPMN.replace(b"${form.amount}", b"${form.income}")
    bundle = deploy_files(_files(broken), operators)
    handle = _start(bundle, operators, 5000)
    [call] = handle.pending_service_calls()
    with pytest.raises(ScriptError) as info:
        handle.complete_service_call(call.task_id, {"verdict": "pass"})
    assert info.value.element_id == "Task_score"
    assert "input parameter 'amount'" in info.value.message


@pytest.mark.parametrize(
    "param, code",
    [
        ('<camunda:script scriptFormat="groovy">notice.sent</camunda:script>', "script_refused"),
        ("${a ? b : c}", "condition_refused"),
        ("${notice.getSent()}", "condition_refused"),
        ("sent: ${notice.sent}", "condition_refused"),
    ],
)
def test_unsafe_output_parameters_refused(operators, param, code):
    source = BPMN.replace(b"${notice.sent}", param.encode())
    with pytest.raises(DeployError) as info:
        deploy_files(_files(source), operators)
    errors = [(i.element_id, i.code, i.message) for i in info.value.issues if i.severity == "error"]
    assert [(e, c) for e, c, _ in errors] == [("Task_notify", code)]
    assert "output parameter" in errors[0][2]


def test_unnamed_output_parameter_refused(operators):
    source = BPMN.replace(
        b'<camunda:outputParameter name="notified">', b"<camunda:outputParameter>"
    )
    with pytest.raises(DeployError) as info:
        deploy_files(_files(source), operators)
    assert ("Task_notify", "condition_refused") in {
        (i.element_id, i.code) for i in info.value.issues
    }


def test_mapping_on_an_event_is_reported_not_executed(operators):
    event = (
        b'<bpmn:intermediateThrowEvent id="Event_marker" name="Marker">'
        b"<bpmn:extensionElements><camunda:inputOutput>"
        b'<camunda:outputParameter name="marked">${true}</camunda:outputParameter>'
        b"</camunda:inputOutput></bpmn:extensionElements>"
        b"<bpmn:incoming>Flow_6</bpmn:incoming><bpmn:outgoing>Flow_7</bpmn:outgoing>"
        b"</bpmn:intermediateThrowEvent>"
        b'<bpmn:sequenceFlow id="Flow_7" sourceRef="Event_marker" targetRef="End_approved"/>'
    )
    source = BPMN.replace(
        b'<bpmn:sequenceFlow id="Flow_6" sourceRef="Task_notify" targetRef="End_approved" />',
        b'<bpmn:sequenceFlow id="Flow_6" sourceRef="Task_notify" '
        b'targetRef="Event_marker" />' + event,
    ).replace(
        b"<bpmn:incoming>Flow_6</bpmn:incoming>\n    </bpmn:endEvent>",
        b"<bpmn:incoming>Flow_7</bpmn:incoming>\n    </bpmn:endEvent>",
    )
    bundle = deploy_files(_files(source), operators)
    [warning] = [w for w in bundle.warnings if w.code == "unsupported_element"]
    assert warning.element_id == "Event_marker" and "intermediateThrowEvent" in warning.message
    handle = _start(bundle, operators, 500)
    [call] = handle.pending_service_calls()
    handle.complete_service_call(call.task_id, {"verdict": "pass"})
    handle = reload(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    handle.complete_user_task(task.task_id, {"approved": True})
    assert handle.is_completed() and "Event_marker" in handle.completed_element_ids()
    assert "marked" not in handle.data
