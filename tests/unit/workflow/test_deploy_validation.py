"""deploy_bundle validation: each issue code, all issues reported at once, element ids named."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from wf_helpers import deploy_files, mini_bpmn, script_process

from app.workflow.engine import DeployError, ScriptError, WorkflowHandle

LINEAR = """
    <bpmn:startEvent id="start"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>"""


def issues_of(files, operators, **kwargs):
    with pytest.raises(DeployError) as info:
        deploy_files(files, operators, **kwargs)
    return {(i.element_id, i.code) for i in info.value.issues if i.severity == "error"}


def test_minimal_process_deploys(operators):
    bundle = deploy_files({"a.bpmn": mini_bpmn(LINEAR)}, operators)
    assert bundle.process_id == "mini" and bundle.flavour == "spiff"


def test_xml_parse(operators):
    assert issues_of({"a.bpmn": b"<bpmn:definitions"}, operators) == {("a.bpmn", "xml_parse")}


def test_xml_entities_refused(operators):
    xxe = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>"""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>'
    )
    assert issues_of({"x.bpmn": xxe}, operators) == {("x.bpmn", "xml_entities")}
    assert issues_of({"b.bpmn": bomb}, operators) == {("b.bpmn", "xml_entities")}


def test_too_large(operators):
    big = mini_bpmn(LINEAR + "<!--" + "x" * (2 * 1024 * 1024) + "-->")
    assert issues_of({"big.bpmn": big}, operators) == {("big.bpmn", "too_large")}


def test_no_start_event(operators):
    body = '<bpmn:endEvent id="end"/>'
    assert ("mini", "no_start_event") in issues_of({"a.bpmn": mini_bpmn(body)}, operators)


def test_unknown_lane_missing_form_unknown_operator_all_at_once(operators):
    lanes = """<bpmn:laneSet id="ls"><bpmn:lane id="lane_x" name="ministry_of_magic">
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"""
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="no_such_form"/></spiffworkflow:properties>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:serviceTask id="svc"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="launch_rockets"/>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="svc"/>
    <bpmn:sequenceFlow id="f3" sourceRef="svc" targetRef="end"/>"""
    found = issues_of({"a.bpmn": mini_bpmn(body, lanes=lanes)}, operators)
    assert found == {
        ("lane_x", "unknown_lane"),
        ("review", "missing_form"),
        ("svc", "unknown_operator"),
    }


def test_script_refused_names_element(operators):
    found = issues_of({"a.bpmn": script_process("import os")}, operators)
    assert found == {("script_1", "script_refused")}


def test_condition_refused_names_flow(operators):
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:endEvent id="end_a"/><bpmn:endEvent id="end_b"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_bad" sourceRef="gw" targetRef="end_a">
      <bpmn:conditionExpression>{escape("x.__class__ is not None")}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ok" sourceRef="gw" targetRef="end_b">
      <bpmn:conditionExpression>amount &gt; 1000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
    assert issues_of({"a.bpmn": mini_bpmn(body)}, operators) == {("f_bad", "condition_refused")}


@pytest.mark.parametrize("value", ['"P5X"', "'yesterday'", "next week", "${later}"])
def test_bad_timer(operators, value):
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="td">
      <bpmn:timeDuration>{escape(value)}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>"""
    assert ("td", "bad_timer") in issues_of({"a.bpmn": mini_bpmn(body)}, operators)


@pytest.mark.parametrize("value", ["P5D", '"P5D"', "R6/P1D", "2026-12-01T00:00:00Z", "PT36H"])
def test_good_timers_quoted_or_bare(operators, value):
    body = f"""
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="td">
      <bpmn:timeDuration>{value}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>"""
    bundle = deploy_files({"a.bpmn": mini_bpmn(body)}, operators)
    assert bundle.timers[0].element_id == "wait"


def test_unsupported_element(operators):
    body = LINEAR + '<bpmn:complexGateway id="cg"/>'
    assert issues_of({"a.bpmn": mini_bpmn(body)}, operators) == {("cg", "unsupported_element")}


def test_duplicate_ids_refused(operators):
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="notify"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="notify"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify"/>
    <bpmn:sequenceFlow id="f2" sourceRef="notify" targetRef="end"/>"""
    assert ("notify", "duplicate_id") in issues_of({"a.bpmn": mini_bpmn(body)}, operators)


def test_data_store_is_a_warning_and_ignored(operators):
    body = (
        LINEAR
        + """
    <bpmn:dataStoreReference id="store_ref" dataStoreRef="store"/>"""
    )
    bundle = deploy_files({"a.bpmn": mini_bpmn(body)}, operators)
    assert [(w.element_id, w.code, w.severity) for w in bundle.warnings] == [
        ("store_ref", "unsupported_element", "warning")
    ]


def test_content_hash_ignores_line_endings(operators):
    a = deploy_files({"a.bpmn": mini_bpmn(LINEAR)}, operators)
    b = deploy_files({"a.bpmn": mini_bpmn(LINEAR).replace(b"\n", b"\r\n")}, operators)
    c = deploy_files({"a.bpmn": mini_bpmn(LINEAR + "<!-- changed -->")}, operators)
    assert a.content_hash == b.content_hash != c.content_hash


def test_worker_script_runs_and_failure_raises_script_error(operators):
    ok = deploy_files(
        {"a.bpmn": script_process("total = 0\nfor i in range(5):\n    total += i")}, operators
    )
    handle = WorkflowHandle.start(ok.spec_json, {}, operators=operators)
    assert handle.is_completed() and handle.data["total"] == 10
    bad = deploy_files({"a.bpmn": script_process("x = 1 / 0")}, operators)
    with pytest.raises(ScriptError) as info:
        WorkflowHandle.start(bad.spec_json, {}, operators=operators)
    assert info.value.element_id == "script_1" and "ZeroDivisionError" in info.value.message


def test_multi_instance_updated_in_place_is_not_a_duplicate_id(operators):
    body = """
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="double">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>items</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="item" name="item"/>
        <bpmn:outputDataItem id="item" name="item"/>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>item = item * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="double"/>
    <bpmn:sequenceFlow id="f2" sourceRef="double" targetRef="end"/>"""
    bundle = deploy_files({"a.bpmn": mini_bpmn(body)}, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {"items": [1, 2]}, operators=operators)
    assert handle.is_completed() and handle.data["items"] == [2, 4]


def test_data_item_named_like_a_parameter_and_process_named_like_an_operator(operators):
    body = """
    <bpmn:dataObject id="template"/>
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="send"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="notify">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="template" type="str" value="'welcome'"/>
        </spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send"/>
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="end"/>"""
    bundle = deploy_files({"a.bpmn": mini_bpmn(body, process_id="notify")}, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    assert handle.is_completed() and handle.data["notify"]["template"] == "welcome"


def test_data_object_sharing_a_flow_node_id_is_refused(operators):
    body = '<bpmn:dataObject id="end"/>' + LINEAR
    issues = issues_of({"a.bpmn": mini_bpmn(body)}, operators)
    assert ("end", "duplicate_id") in issues
