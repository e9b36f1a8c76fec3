"""Which parser reads a file depends on what the file uses, not on the namespaces it
declares: a SpiffWorkflow tutorial diagram that merely declares `camunda` runs as a spiff
diagram, and a file mixing both modelers' extensions still runs."""

from __future__ import annotations

from wf_helpers import deploy_files

from app.workflow.engine import WorkflowHandle

DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
  namespace="http://example">
  <decision id="level" name="Level">
    <decisionTable id="t" hitPolicy="UNIQUE">
      <input id="i"><inputExpression id="ie" typeRef="number"><text>amount</text>
      </inputExpression></input>
      <output id="o" name="level" typeRef="string"/>
      <rule id="r1"><inputEntry id="r1i"><text>&gt; 100</text></inputEntry>
        <outputEntry id="r1o"><text>"high"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2i"><text></text></inputEntry>
        <outputEntry id="r2o"><text>"low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _bpmn(rule_task: str, script_task: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://example">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    {script_task}
    {rule_task}
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="set_amount"/>
    <bpmn:sequenceFlow id="f2" sourceRef="set_amount" targetRef="decide"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


SPIFF_RULE = """<bpmn:businessRuleTask id="decide"><bpmn:extensionElements>
  <spiffworkflow:calledDecisionId>level</spiffworkflow:calledDecisionId>
</bpmn:extensionElements></bpmn:businessRuleTask>"""
CAMUNDA_RULE = '<bpmn:businessRuleTask id="decide" camunda:decisionRef="level"/>'
PLAIN_SCRIPT = '<bpmn:scriptTask id="set_amount"><bpmn:script>amount = 500</bpmn:script>'
PLAIN_SCRIPT += "</bpmn:scriptTask>"
MIXED_RULE = """<bpmn:businessRuleTask id="decide" camunda:decisionRef="level">
  <bpmn:extensionElements><spiffworkflow:preScript>amount = amount + 1</spiffworkflow:preScript>
  </bpmn:extensionElements></bpmn:businessRuleTask>"""


def _run(files, operators) -> tuple[str, dict]:
    bundle = deploy_files(files, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    assert handle.is_completed()
    return bundle.flavour, handle.data


def test_declared_but_unused_camunda_namespace_is_a_spiff_diagram(operators):
    flavour, data = _run({"p.bpmn": _bpmn(SPIFF_RULE, PLAIN_SCRIPT), "d.dmn": DMN}, operators)
    assert flavour == "spiff"
    assert data["level"] == "high"


def test_camunda_file_goes_to_the_camunda_parser(operators):
    flavour, data = _run({"p.bpmn": _bpmn(CAMUNDA_RULE, PLAIN_SCRIPT), "d.dmn": DMN}, operators)
    assert flavour == "camunda"
    assert data["level"] == "high"


def test_mixed_file_runs_both_extensions(operators):
    flavour, data = _run({"p.bpmn": _bpmn(MIXED_RULE, PLAIN_SCRIPT), "d.dmn": DMN}, operators)
    assert flavour == "spiff"
    assert data["amount"] == 501  # the spiffworkflow pre-script ran
    assert data["level"] == "high"  # the camunda:decisionRef was honoured


def test_mixed_file_lists_camunda_features_it_does_not_execute(operators):
    rule = MIXED_RULE.replace('"level">', '"level" camunda:resultVariable="out">')
    bundle = deploy_files({"p.bpmn": _bpmn(rule, PLAIN_SCRIPT), "d.dmn": DMN}, operators)
    [warning] = [w for w in bundle.warnings if w.element_id == "decide"]
    assert "camunda:resultVariable" in warning.message and "not executed" in warning.message
