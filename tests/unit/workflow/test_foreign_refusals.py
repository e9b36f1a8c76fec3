"""Refusals an administrator can act on: each names the element, the cause and the fix."""

from __future__ import annotations

import pytest
from lxml import etree
from wf_helpers import deploy_files, mini_bpmn

from app.workflow.engine import DeployError
from app.workflow.engine.errors import library_failure

LINEAR_WITH = """
<bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>"""
CAMUNDA_NS = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def refusals(files, operators, **kwargs) -> dict:
    with pytest.raises(DeployError) as info:
        deploy_files(files, operators, **kwargs)
    return {(i.element_id, i.code): i.message for i in info.value.issues if i.severity == "error"}


def test_feel_condition_says_write_python(operators):
    body = """
    <bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f3"/>
    <bpmn:endEvent id="yes"/><bpmn:endEvent id="no"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression>= approved</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="no"/>"""
    message = refusals({"a.bpmn": mini_bpmn(body)}, operators)[("f2", "condition_refused")]
    assert "FEEL" in message and "`approved == True`" in message


def test_script_in_another_format_says_write_python(operators):
    task = '<bpmn:scriptTask id="t" scriptFormat="reset"><bpmn:script>x = 1</bpmn:script>'
    task += "</bpmn:scriptTask>"
    message = refusals({"a.bpmn": mini_bpmn(LINEAR_WITH.format(task=task))}, operators)[
        ("t", "script_refused")
    ]
    assert "'reset'" in message and "remove the scriptFormat attribute" in message


def test_condition_in_another_language_says_remove_the_language(operators):
    body = """
    <bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f3"/>
    <bpmn:endEvent id="yes"/><bpmn:endEvent id="no"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression language="true">true</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="no"/>"""
    message = refusals({"a.bpmn": mini_bpmn(body)}, operators)[("f2", "condition_refused")]
    assert "'true'" in message and "remove the language attribute" in message


def test_not_executable_says_tick_executable(operators):
    xml = mini_bpmn(LINEAR_WITH.format(task='<bpmn:task id="t"/>'))
    xml = xml.replace(b'isExecutable="true"', b'isExecutable="false"')
    message = refusals({"a.bpmn": xml}, operators)[("mini", "not_executable")]
    assert "tick 'Executable'" in message


def test_unknown_operator_lists_the_valid_ones(operators):
    task = """<bpmn:serviceTask id="t"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="send_fax"/></bpmn:extensionElements>
      </bpmn:serviceTask>"""
    message = refusals({"a.bpmn": mini_bpmn(LINEAR_WITH.format(task=task))}, operators)[
        ("t", "unknown_operator")
    ]
    assert "'send_fax' is unknown" in message
    assert "valid operators: auto_review, issue_certificate, notify" in message


def test_camunda_java_class_is_named(operators):
    task = '<bpmn:serviceTask id="t" camunda:class="org.example.SendMail"/>'
    xml = mini_bpmn(LINEAR_WITH.format(task=task), extra_ns=CAMUNDA_NS)
    message = refusals({"a.bpmn": xml}, operators)[("t", "unknown_operator")]
    assert "camunda:class 'org.example.SendMail'" in message and "camunda:type" in message


def test_business_rule_task_without_a_decision_is_not_decision_none(operators):
    xml = mini_bpmn(LINEAR_WITH.format(task='<bpmn:businessRuleTask id="t"/>'))
    message = refusals({"a.bpmn": xml}, operators)[("t", "missing_decision")]
    assert "None" not in message and "calledDecisionId" in message


def test_lane_without_a_name_is_not_lane_none(operators):
    lanes = '<bpmn:laneSet id="ls"><bpmn:lane id="lane_1"><bpmn:flowNodeRef>t</bpmn:flowNodeRef>'
    lanes += "</bpmn:lane></bpmn:laneSet>"
    xml = mini_bpmn(LINEAR_WITH.format(task='<bpmn:userTask id="t"/>'), lanes=lanes)
    message = refusals({"a.bpmn": xml}, operators)[("lane_1", "unknown_lane")]
    assert "None" not in message and "has no name" in message


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
