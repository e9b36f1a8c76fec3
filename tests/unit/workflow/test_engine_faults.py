"""Engine faults come out as errors naming the element, never as a silent end or a hang:
a loop over the step budget, a library error after a user task, a serializer failure and a
recursive call activity at deploy."""

from __future__ import annotations

import pytest

from app.workflow.engine import (
    DeployError,
    EngineFailure,
    ScriptError,
    StepBudgetExceeded,
    WorkflowHandle,
    deploy,
    serialization,
)
from tests.unit.workflow.wf_helpers import deploy_files, mini_bpmn, script_process


def _loop(condition: str) -> bytes:
    """start -> count (n = n + 1) -> gateway: back to count while `condition`, else end."""
    return mini_bpmn(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f_out"/>
    <bpmn:endEvent id="end_rejected"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="count">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_out" sourceRef="again" targetRef="end_rejected"/>""")


ENDLESS_LOOP = _loop("n &gt; 0")


def test_endless_loop_stops_at_the_step_budget(operators):
    bundle = deploy_files({"loop.bpmn": ENDLESS_LOOP}, operators)
    with pytest.raises(StepBudgetExceeded) as stopped:
        WorkflowHandle.start(bundle.spec_json, {"n": 1}, operators=operators, step_budget=50)
    assert stopped.value.kind == "step_budget"
    assert stopped.value.element_id in ("count", "again")
    assert "50 engine steps" in stopped.value.message


def test_default_budget_stops_the_loop_before_it_looks_completed(operators):
    """Left alone, SpiffWorkflow stops seeing tasks 1,000 levels down and reports the
    looping process as completed: the default budget must stop it before that."""
    bundle = deploy_files({"loop.bpmn": ENDLESS_LOOP}, operators)
    with pytest.raises(StepBudgetExceeded):
        WorkflowHandle.start(bundle.spec_json, {"n": 1}, operators=operators)


def test_bounded_loop_within_budget_completes(operators):
    bundle = deploy_files({"loop.bpmn": _loop("n &lt; 30")}, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {"n": 0}, operators=operators)
    assert handle.is_completed() and handle.reached_end_events() == ["end_rejected"]
    assert handle.data["n"] == 30


def test_start_without_advance_runs_nothing_yet(operators):
    bundle = deploy_files({"s.bpmn": script_process("x = 1 / 0")}, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators, advance=False)
    stored = handle.dump_state()
    with pytest.raises(ScriptError) as failed:
        WorkflowHandle.load(bundle.spec_json, stored, operators=operators).advance()
    assert failed.value.element_id == "script_1" and "ZeroDivisionError" in failed.value.message


TIMER_FROM_DATA = mini_bpmn("""
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="ask"/>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>pause</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end"/>""")


def test_library_error_after_a_user_task_names_the_element(operators):
    """A timer duration that is a number makes the library raise AttributeError (not one of
    its own exceptions) while the user task completes: an EngineFailure naming the timer."""
    bundle = deploy_files({"t.bpmn": TIMER_FROM_DATA}, operators, default_department="tax")
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    (task,) = handle.ready_user_tasks()
    with pytest.raises(EngineFailure) as failed:
        handle.complete_user_task(task.task_id, {"pause": 5})
    assert failed.value.kind == "engine" and failed.value.element_id == "wait"
    assert "AttributeError" in failed.value.message


CALLS_ITSELF = mini_bpmn("""
    <bpmn:startEvent id="start"/>
    <bpmn:callActivity id="again" calledElement="mini"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again"/>
    <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="end"/>""")


def test_recursive_version_deployed_before_the_check_stops_at_the_step_budget(
    operators, monkeypatch
):
    """A version stored before deploy refused recursion no longer hangs start_case."""
    monkeypatch.setattr(deploy, "check_call_cycles", lambda roots, issues: None)
    bundle = deploy_files({"self.bpmn": CALLS_ITSELF}, operators)
    with pytest.raises(StepBudgetExceeded):
        WorkflowHandle.start(bundle.spec_json, {}, operators=operators)


def _caller(pid: str, calls: str) -> str:
    """A process `pid` whose only step calls the process `calls`."""
    return f"""
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="{pid}_start"/>
    <bpmn:callActivity id="{pid}_call" calledElement="{calls}"/>
    <bpmn:endEvent id="{pid}_end"/>
    <bpmn:sequenceFlow id="{pid}_f1" sourceRef="{pid}_start" targetRef="{pid}_call"/>
    <bpmn:sequenceFlow id="{pid}_f2" sourceRef="{pid}_call" targetRef="{pid}_end"/>
  </bpmn:process>"""


def test_self_calling_call_activity_is_refused_at_deploy(operators):
    with pytest.raises(DeployError) as refused:
        deploy_files({"self.bpmn": CALLS_ITSELF}, operators)
    (issue,) = [i for i in refused.value.issues if i.severity == "error"]
    assert issue.code == "call_cycle" and issue.element_id == "again"
    assert "mini -> mini" in issue.message


def test_call_cycle_through_another_process_is_refused_at_deploy(operators):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
  targetNamespace="http://example">{_caller("main", "helper")}{_caller("helper", "main")}
</bpmn:definitions>""".encode()
    with pytest.raises(DeployError) as refused:
        deploy_files({"cycle.bpmn": xml}, operators, process_id="main")
    issues = {i.element_id: i for i in refused.value.issues if i.code == "call_cycle"}
    assert set(issues) == {"main_call", "helper_call"}
    assert "main -> helper -> main" in issues["main_call"].message


def test_serializer_failure_at_deploy_is_a_deploy_error_naming_the_element(operators, monkeypatch):
    registry = serialization.SERIALIZERS["spiff"].registry
    convert = registry.convert

    def failing_convert(obj):
        if getattr(obj, "bpmn_id", None) == "script_1":
            raise TypeError("Object of type Element is not JSON serializable")
        return convert(obj)

    monkeypatch.setattr(registry, "convert", failing_convert)
    with pytest.raises(DeployError) as refused:
        deploy_files({"s.bpmn": script_process("x = 1")}, operators)
    (issue,) = refused.value.issues
    assert issue.element_id == "script_1" and issue.code == "invalid_bpmn"
    assert "cannot save this element" in issue.message and "TypeError" in issue.message


def _multi_instance(cardinality: str) -> bytes:
    return mini_bpmn(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="each">
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="each"/>
    <bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="end"/>""")


def test_huge_multi_instance_cardinality_is_a_script_error(operators):
    """10^5 instances took 7 s and their memory in one engine step; the limit is 1,000."""
    bundle = deploy_files(
        {"mi.bpmn": _multi_instance("copies")}, operators, default_department="tax"
    )
    with pytest.raises(ScriptError) as failed:
        WorkflowHandle.start(bundle.spec_json, {"copies": 100_000}, operators=operators)
    assert failed.value.element_id == "each" and "over the limit" in failed.value.message
    handle = WorkflowHandle.start(bundle.spec_json, {"copies": 3}, operators=operators)
    assert len(handle.ready_user_tasks()) == 3


def test_multi_instance_expressions_are_checked_at_deploy(operators):
    with pytest.raises(DeployError) as refused:
        deploy_files({"mi.bpmn": _multi_instance("__import__('os')")}, operators)
    assert [(i.element_id, i.code) for i in refused.value.issues] == [("each", "condition_refused")]
