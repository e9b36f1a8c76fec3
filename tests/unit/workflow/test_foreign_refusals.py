"""Refusals an administrator can act on: each names the element, the cause and the fix."""

from __future__ import annotations

import pytest
from lxml import etree
from wf_helpers import deploy_files, gateway_with, linear_with, mini_bpmn, refusals

from app.workflow.engine.errors import library_failure

CAMUNDA_NS = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
LANE_WITHOUT_NAME = (
    '<bpmn:laneSet id="ls"><bpmn:lane id="lane_1"><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
    "</bpmn:lane></bpmn:laneSet>"
)
UNKNOWN_OPERATOR = """<bpmn:serviceTask id="t"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="send_fax"/></bpmn:extensionElements>
      </bpmn:serviceTask>"""


@pytest.mark.parametrize(
    ("xml", "refused", "says", "never_says"),
    [
        pytest.param(
            gateway_with("<bpmn:conditionExpression>= approved</bpmn:conditionExpression>"),
            ("f2", "condition_refused"),
            ["FEEL", "`approved == True`"],
            [],
            id="feel-condition-says-write-python",
        ),
        pytest.param(
            linear_with(
                '<bpmn:scriptTask id="t" scriptFormat="reset"><bpmn:script>x = 1</bpmn:script>'
                "</bpmn:scriptTask>"
            ),
            ("t", "script_refused"),
            ["'reset'", "remove the scriptFormat attribute"],
            [],
            id="script-in-another-format-says-write-python",
        ),
        pytest.param(
            gateway_with(
                '<bpmn:conditionExpression language="true">true</bpmn:conditionExpression>'
            ),
            ("f2", "condition_refused"),
            ["'true'", "remove the language attribute"],
            [],
            id="condition-in-another-language-says-remove-the-language",
        ),
        pytest.param(
            linear_with('<bpmn:task id="t"/>').replace(
                b'isExecutable="true"', b'isExecutable="false"'
            ),
            ("mini", "not_executable"),
            ["tick 'Executable'"],
            [],
            id="not-executable-says-tick-executable",
        ),
        pytest.param(
            linear_with(UNKNOWN_OPERATOR),
            ("t", "unknown_operator"),
            ["'send_fax' is unknown", "valid operators: auto_review, issue_certificate, notify"],
            [],
            id="unknown-operator-lists-the-valid-ones",
        ),
        pytest.param(
            linear_with(
                '<bpmn:serviceTask id="t" camunda:class="org.example.SendMail"/>',
                extra_ns=CAMUNDA_NS,
            ),
            ("t", "unknown_operator"),
            ["camunda:class 'org.example.SendMail'", "camunda:type"],
            [],
            id="camunda-java-class-is-named",
        ),
        pytest.param(
            linear_with('<bpmn:businessRuleTask id="t"/>'),
            ("t", "missing_decision"),
            ["calledDecisionId"],
            ["None"],
            id="business-rule-task-without-a-decision-is-not-decision-none",
        ),
        pytest.param(
            linear_with('<bpmn:userTask id="t"/>', lanes=LANE_WITHOUT_NAME),
            ("lane_1", "unknown_lane"),
            ["has no name"],
            ["None"],
            id="lane-without-a-name-is-not-lane-none",
        ),
    ],
)
def test_a_refusal_names_the_cause_and_the_fix(operators, xml, refused, says, never_says):
    message = refusals({"a.bpmn": xml}, operators)[refused]
    assert [text for text in says if text not in message] == []
    assert [text for text in never_says if text in message] == []


class _TaskParser:
    def __init__(self, node):
        self.node = node

    def create(self):
        return self.node.attrib["{http://camunda.org/schema/1.0/bpmn}decisionRef"]


def test_library_key_error_becomes_a_sentence_naming_the_element():
    node = etree.fromstring('<businessRuleTask id="decide"/>')
    try:
        _TaskParser(node).create()
    except KeyError as exc:
        element, code, message = library_failure(exc, "p")
    assert (element, code) == ("decide", "invalid_bpmn")
    assert "'camunda:decisionRef'" in message and "KeyError" not in message


def test_ignored_camunda_features_are_deploy_warnings(operators):
    called = """<bpmn:process id="helper" isExecutable="true"><bpmn:startEvent id="h_start"/>
      <bpmn:endEvent id="h_end"/><bpmn:sequenceFlow id="h1" sourceRef="h_start"
      targetRef="h_end"/></bpmn:process>"""
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:callActivity id="call" calledElement="helper"><bpmn:extensionElements>
      <camunda:in source="amount" target="amount"/><camunda:out source="x" target="y"/>
    </bpmn:extensionElements></bpmn:callActivity>
    <bpmn:userTask id="t" camunda:candidateGroups="tax" camunda:dueDate="${due}">
      <bpmn:extensionElements>
        <camunda:taskListener class="org.example.Notify" event="create"/>
      </bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="t"/>
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="end"/>"""
    xml = mini_bpmn(body, extra_ns=CAMUNDA_NS).replace(
        b"</bpmn:definitions>", called.encode() + b"</bpmn:definitions>"
    )
    bundle = deploy_files({"a.bpmn": xml}, operators, process_id="mini")
    warnings = {(w.element_id, w.message.split(" ")[0]) for w in bundle.warnings}
    assert warnings == {
        ("call", "camunda:in:"),
        ("t", "camunda:taskListener:"),
        ("t", "camunda:dueDate"),
    }
    assert all(w.code == "ignored_extension" for w in bundle.warnings)
