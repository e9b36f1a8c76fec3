"""Every human task of a deployed diagram reaches someone: a lane named after (or mapped to)
a department, candidate groups / assignee (literal or `${expr}` evaluated at run time), or
the deploy's default department; otherwise the deploy is refused naming the task."""

from __future__ import annotations

import pytest
from wf_helpers import deploy_files, mini_bpmn

from app.workflow.engine import DeployError, WorkflowHandle

CAMUNDA_NS = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def _one_task(task: str, lanes: str = "") -> bytes:
    body = f"""<bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>"""
    return mini_bpmn(body, lanes=lanes, extra_ns=CAMUNDA_NS)


def _ready(bundle, operators, data=None):
    handle = WorkflowHandle.start(bundle.spec_json, data or {}, operators=operators)
    [task] = handle.ready_user_tasks()
    return task


@pytest.mark.parametrize("tag", ["userTask", "manualTask"])
def test_task_nobody_can_open_is_refused_naming_it(operators, tag):
    with pytest.raises(DeployError) as refused:
        deploy_files({"a.bpmn": _one_task(f'<bpmn:{tag} id="t" name="Check"/>')}, operators)
    [issue] = [i for i in refused.value.issues if i.severity == "error"]
    assert (issue.element_id, issue.code) == ("t", "unassigned_task")
    assert "task 'Check' cannot reach anyone" in issue.message
    assert "default department" in issue.message


def test_unknown_literal_group_is_refused(operators):
    task = '<bpmn:userTask id="t" camunda:candidateGroups="accounting"/>'
    with pytest.raises(DeployError) as refused:
        deploy_files({"a.bpmn": _one_task(task)}, operators)
    assert "accounting are not department codes" in refused.value.issues[0].message


def test_default_department_takes_tasks_outside_any_lane(operators):
    bundle = deploy_files(
        {"a.bpmn": _one_task('<bpmn:userTask id="t"/>')}, operators, default_department="tax"
    )
    assert _ready(bundle, operators).candidate_groups == ["tax"]


def test_lane_and_group_names_mapped_to_departments(operators):
    lanes = """<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Finance">
      <bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"""
    task = '<bpmn:userTask id="t" camunda:candidateGroups="Accounting"/>'
    bundle = deploy_files(
        {"a.bpmn": _one_task(task, lanes)},
        operators,
        assignments={"Finance": "tax", "Accounting": "social_security"},
    )
    ready = _ready(bundle, operators)
    assert (ready.lane, ready.candidate_groups) == ("tax", ["social_security"])


def test_group_and_assignee_expressions_are_evaluated_against_process_data(operators):
    task = (
        '<bpmn:userTask id="t" camunda:candidateGroups="${approverGroups}"'
        ' camunda:assignee="${initiator}"/>'
    )
    bundle = deploy_files({"a.bpmn": _one_task(task)}, operators, assignments={"Finance": "tax"})
    ready = _ready(bundle, operators, {"approverGroups": "Finance", "initiator": "clerk_tax"})
    assert (ready.candidate_groups, ready.assignee) == (["tax"], "clerk_tax")


def test_mapping_to_a_department_that_does_not_exist_is_refused(operators):
    with pytest.raises(DeployError) as refused:
        deploy_files(
            {"a.bpmn": _one_task('<bpmn:userTask id="t"/>')}, operators, default_department="x"
        )
    assert any("not a department" in i.message for i in refused.value.issues)


def test_foreign_form_key_mapped_to_a_product_form(operators):
    task = '<bpmn:userTask id="t" camunda:formKey="embedded:app:forms/approve.html"/>'
    with pytest.raises(DeployError) as refused:
        deploy_files({"a.bpmn": _one_task(task)}, operators, default_department="tax")
    [issue] = refused.value.issues
    assert issue.code == "missing_form" and "map it to one" in issue.message
    bundle = deploy_files(
        {"a.bpmn": _one_task(task)},
        operators,
        default_department="tax",
        form_map={"approve": "review_decision"},
    )
    assert _ready(bundle, operators).form == "review_decision"
