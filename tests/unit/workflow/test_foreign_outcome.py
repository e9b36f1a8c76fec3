"""A finished foreign diagram is decided by the outcome rule chosen at deploy (an outcome
variable, a mapping of end events, else neutral 'completed'), never silently 'rejected'."""

from __future__ import annotations

import pytest
from wf_helpers import deploy_files, mini_bpmn

from app.workflow.engine import DeployError, WorkflowHandle

BODY = """
<bpmn:startEvent id="start"/>
<bpmn:scriptTask id="pay"><bpmn:script>paid = amount &lt; 100</bpmn:script></bpmn:scriptTask>
<bpmn:exclusiveGateway id="gw" default="f4"/>
<bpmn:endEvent id="EndEvent_paid"/><bpmn:endEvent id="EndEvent_refused"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pay"/>
<bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="gw"/>
<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="EndEvent_paid">
  <bpmn:conditionExpression>paid</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="EndEvent_refused"/>"""


def _outcome(operators, data, rule=None):
    bundle = deploy_files({"a.bpmn": mini_bpmn(BODY)}, operators, outcome=rule)
    handle = WorkflowHandle.start(bundle.spec_json, data, operators=operators)
    assert handle.is_completed()
    return handle.outcome()


ENDS = {"EndEvent_paid": "approved", "EndEvent_refused": "rejected"}


def test_without_a_rule_no_outcome_is_guessed(operators):
    assert _outcome(operators, {"amount": 5}) is None  # the runtime files an incident


def test_end_event_mapping(operators):
    assert _outcome(operators, {"amount": 5}, {"end_events": ENDS}) == "approved"
    assert _outcome(operators, {"amount": 500}, {"end_events": ENDS}) == "rejected"


def test_outcome_variable_comes_before_end_events(operators):
    rule = {"variable": "verdict", "end_events": ENDS}
    assert _outcome(operators, {"amount": 500, "verdict": "approved"}, rule) == "approved"


def test_explicit_decision_always_wins(operators):
    rule = {"end_events": ENDS}
    assert _outcome(operators, {"amount": 5, "decision": "rejected"}, rule) == "rejected"


def test_a_department_refusal_is_not_overruled_by_the_end_event_reached(operators):
    """A Camunda diagram with no gateway on the review: the clerk said no, the process still
    walked to the end event mapped to 'approved'."""
    refused = {"amount": 5, "front_desk_approved": False, "tax_approved": True}
    assert _outcome(operators, refused, {"end_events": ENDS}) == "rejected"
    assert _outcome(operators, refused, {"otherwise": "completed"}) == "rejected"
    assert _outcome(operators, refused) is None  # no rule: still an incident, not a guess
    agreed = {"amount": 5, "front_desk_approved": True, "tax_approved": True}
    assert _outcome(operators, agreed, {"end_events": ENDS}) == "approved"


def test_unknown_outcome_is_neutral_completed_not_rejected(operators):
    rule = {"variable": "verdict", "otherwise": "completed"}
    assert _outcome(operators, {"amount": 500}, rule) == "completed"


@pytest.mark.parametrize(
    "rule, element",
    [
        ({"end_events": {"EndEvent_typo": "approved"}}, "EndEvent_typo"),
        ({"end_events": {"EndEvent_paid": "paid"}}, "EndEvent_paid"),
        ({"otherwise": "rejected"}, None),
    ],
)
def test_bad_outcome_rule_is_refused(operators, rule, element):
    with pytest.raises(DeployError) as refused:
        deploy_files({"a.bpmn": mini_bpmn(BODY)}, operators, outcome=rule)
    assert [(i.element_id, i.code) for i in refused.value.issues] == [(element, "outcome_rule")]
