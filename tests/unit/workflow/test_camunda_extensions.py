"""Camunda extensions: resultVariable/mapDecisionResult on business rule tasks, inputOutput."""

from __future__ import annotations

import pytest
from wf_helpers import FIXTURES, deploy_files, reload

from app.workflow.engine import DeployError, ScriptError, WorkflowHandle
from app.workflow.engine.camunda import map_decision_result


def _files(bpmn: bytes | None = None) -> dict[str, bytes]:
    return {
        "camunda_fund.bpmn": bpmn or (FIXTURES / "camunda_fund.bpmn").read_bytes(),
        "camunda_fund.dmn": (FIXTURES / "camunda_fund.dmn").read_bytes(),
    }


@pytest.fixture
def bundle(operators):
    return deploy_files(_files(), operators)


def _run_to_review(bundle, operators, amount, reason):
    data = {"case_number": "CF-1", "form": {"amount": amount, "reason": reason, "channel": "app"}}
    handle = WorkflowHandle.start(bundle.spec_json, data, operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    [task] = handle.ready_user_tasks()
    return handle, task


@pytest.mark.parametrize(
    "amount, reason, level, checks",
    [
        (
            80000,
            "rent",
            "lead",
            [{"check": "proof_of_housing", "weight": 2}, {"check": "identity", "weight": 1}],
        ),
        (100, "retirement", "clerk", [{"check": "identity", "weight": 1}]),
    ],
)
def test_result_variable_and_map_decision_result(bundle, operators, amount, reason, level, checks):
    handle, task = _run_to_review(bundle, operators, amount, reason)
    assert task.data["level"] == level  # singleEntry: the bare value
    assert task.data["checks"] == checks  # resultList (default): list of dicts
    assert task.data["approval_level"] == level  # no resultVariable: outputs merged
    assert "check" not in task.data and "weight" not in task.data


def test_input_parameters_become_operator_params(bundle, operators, calls):
    handle, task = _run_to_review(bundle, operators, 80000, "rent")
    handle.complete_user_task(task.task_id, {"approved": True})
    handle = reload(handle, bundle.spec_json, operators)
    assert handle.is_completed()
    assert calls.notifications == [
        {
            "template": "fund_decided",
            "approved": True,
            "big": True,
            "channels": ["sms", "app"],
            "meta": {"case": "CF-1", "kind": "withdrawal"},
        }
    ]
    assert handle.data["notice"] == {"sent": True, "template": "fund_decided"}
    assert handle.data["notified"] is True  # camunda:outputParameter ${notice.sent}
    # input parameters were local to the task: gone afterwards, a shadowed one restored
    assert not {"template", "big", "channels", "meta"} & set(handle.data)
    assert handle.data["approved"] is True


def test_output_parameters_are_no_longer_reported(bundle):
    assert not [w for w in bundle.warnings if w.code == "unsupported_element"]
    assert any("[50000..1000000000]" in w.message for w in bundle.warnings)


@pytest.mark.parametrize(
    "param, code",
    [
        ("${bean.method()}", "condition_refused"),
        ("${a ? b : c}", "condition_refused"),
        ("Dear ${name}", "condition_refused"),
        ('<camunda:script scriptFormat="groovy">1</camunda:script>', "script_refused"),
    ],
)
def test_unsafe_input_parameters_refused(operators, param, code):
    source = (
        (FIXTURES / "camunda_fund.bpmn")
        .read_bytes()
        .replace(
            b'<camunda:inputParameter name="template">fund_decided</camunda:inputParameter>',
            f'<camunda:inputParameter name="template">{param}</camunda:inputParameter>'.encode(),
        )
    )
    with pytest.raises(DeployError) as info:
        deploy_files(_files(source), operators)
    assert {(i.element_id, i.code) for i in info.value.issues if i.severity == "error"} == {
        ("Task_notify", code)
    }


def test_bad_map_decision_result_refused(operators):
    source = (
        (FIXTURES / "camunda_fund.bpmn")
        .read_bytes()
        .replace(
            b'camunda:mapDecisionResult="singleEntry"', b'camunda:mapDecisionResult="everything"'
        )
    )
    with pytest.raises(DeployError) as info:
        deploy_files(_files(source), operators)
    assert {(i.element_id, i.code) for i in info.value.issues} >= {
        ("Rule_level", "dmn_unsupported")
    }


def test_single_entry_with_two_outputs_fails_at_run_time(operators):
    source = (
        (FIXTURES / "camunda_fund.bpmn")
        .read_bytes()
        .replace(
            b'camunda:decisionRef="fund_checks"',
            b'camunda:decisionRef="fund_checks" camunda:mapDecisionResult="singleEntry"',
        )
    )
    bundle = deploy_files(_files(source), operators)
    with pytest.raises(ScriptError) as info:
        WorkflowHandle.start(
            bundle.spec_json, {"form": {"amount": 1, "reason": "rent"}}, operators=operators
        )
    assert info.value.element_id == "Rule_checks" and "singleEntry" in info.value.message


def test_map_decision_result_shapes():
    rows = [{"a": 1}, {"a": 2}]
    assert map_decision_result("collectEntries", rows) == [1, 2]
    assert map_decision_result("resultList", rows) == rows
    assert map_decision_result("singleResult", rows[:1]) == {"a": 1}
    assert map_decision_result("singleEntry", []) is None
    with pytest.raises(ValueError):
        map_decision_result("singleResult", rows)
