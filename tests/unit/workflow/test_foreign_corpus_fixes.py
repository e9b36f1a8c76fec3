"""What running SpiffWorkflow 3.2's own test corpus through the product
(`benchmarks/foreign_corpus.py`) found: an empty black-box pool refused a collaboration
bare SpiffWorkflow runs, and the sandbox's refusals (timer expressions, scripts,
conditions) named the cause but not what to write instead. The diagrams here are small
inline ones shaped like the corpus files, not the corpus itself."""

from __future__ import annotations

import pytest
from dmn_helpers import decision, dmn_file, rule_chain_bpmn
from wf_helpers import deploy_files, gateway_with, linear_with, mini_bpmn, refusals, reload

from app.workflow.engine import ScriptError, WorkflowHandle
from app.workflow.engine.timer_hints import iso_duration, iso_equivalent

BPMN_DEFS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://example">{body}
</bpmn:definitions>"""
TIMER = """<bpmn:intermediateCatchEvent id="t"><bpmn:timerEventDefinition id="td">
      <bpmn:{tag}>{text}</bpmn:{tag}></bpmn:timerEventDefinition>
      </bpmn:intermediateCatchEvent>"""


def test_an_empty_black_box_pool_does_not_refuse_the_collaboration(operators):
    body = """
  <bpmn:collaboration id="collab">
    <bpmn:participant id="us" processRef="ours"/>
    <bpmn:participant id="them" processRef="external"/>
  </bpmn:collaboration>
  <bpmn:process id="ours" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="t"><bpmn:script>sent = True</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>
  </bpmn:process>
  <bpmn:process id="external" isExecutable="false"/>"""
    bundle = deploy_files({"c.bpmn": BPMN_DEFS.format(body=body).encode()}, operators)
    handle = reload(WorkflowHandle.start(bundle.spec_json, {}, operators=operators),
                    bundle.spec_json, operators)  # fmt: skip
    assert handle.is_completed()
    assert handle.reached_end_events() == ["end"] and handle.data["sent"] is True


def test_a_pool_with_flow_nodes_but_no_start_is_still_refused(operators):
    body = """
  <bpmn:process id="ours" isExecutable="true">
    <bpmn:task id="t"/><bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="end"/>
  </bpmn:process>"""
    found = refusals({"c.bpmn": BPMN_DEFS.format(body=body).encode()}, operators)
    assert ("ours", "no_start_event") in found


@pytest.mark.parametrize(
    ("tag", "text", "says"),
    [
        pytest.param(
            "timeDuration",
            "timedelta(milliseconds=2)",
            ["timedelta(milliseconds=2)", "write the ISO 8601 form 'PT0.002S' instead"],
            id="python-duration-with-its-iso-form",
        ),
        pytest.param(
            "timeCycle",
            "(2,timedelta(seconds=.25))",
            ["(2,timedelta(seconds=.25))", "write the ISO 8601 form 'R2/PT0.25S' instead"],
            id="python-cycle-with-its-iso-form",
        ),
        pytest.param(
            "timeDate",
            "datetime(2030, 1, 31, 9)",
            ["datetime(2030, 1, 31, 9)", "write the ISO 8601 form '2030-01-31T09:00:00' instead"],
            id="python-date-with-its-iso-form",
        ),
        pytest.param(
            "timeDuration",
            "timedelta(seconds=wait)",
            ["write an ISO 8601 duration such as 'PT5M' instead"],
            id="unconvertible-python-gets-an-example",
        ),
        pytest.param(
            "timeCycle",
            '"every day"',
            ["'every day' is not ISO 8601", "such as 'R3/PT10M'"],
            id="bad-iso-literal-names-the-shape-to-write",
        ),
    ],
)
def test_a_refused_timer_says_what_to_write(operators, tag, text, says):
    xml = linear_with(TIMER.format(tag=tag, text=text))
    message = refusals({"a.bpmn": xml}, operators)[("td", "bad_timer")]
    assert [fragment for fragment in says if fragment not in message] == []


@pytest.mark.parametrize(
    ("script", "fix"),
    [
        ("import os", "scripts may import only datetime, decimal, math, re: remove the import"),
        ("x = '{}'.format(1)", "use an f-string"),
        ("f = open('a')", "name 'open' is not allowed; remove it"),
        ("_hidden = 1", "rewrite that line in plain Python"),
    ],
)
def test_a_refused_script_says_what_to_write(operators, script, fix):
    task = f'<bpmn:scriptTask id="t"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    message = refusals({"a.bpmn": linear_with(task)}, operators)[("t", "script_refused")]
    assert fix in message
    assert not message.startswith("(")  # not the repr of RestrictedPython's error tuple


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        pytest.param(
            "test completion",
            ["syntax error", "write a plain Python expression"],
            id="says-what-a-condition-looks-like",
        ),
        pytest.param(
            "item.x &gt; 1",
            ["attribute access is not allowed", "write `item['x'] > 1`"],
            id="dotted-read-with-its-key-form",
        ),
    ],
)
def test_a_refused_condition_says_what_to_write(operators, condition, says):
    xml = gateway_with(f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>")
    message = refusals({"a.bpmn": xml}, operators)[("f2", "condition_refused")]
    assert [fragment for fragment in says if fragment not in message] == []


def test_iso_forms_of_python_timer_values():
    from datetime import timedelta

    assert iso_duration(timedelta(days=1, hours=2, seconds=0.5)) == "P1DT2H0.5S"
    assert iso_duration(timedelta(0)) == "PT0S"
    assert iso_equivalent("timedelta(minutes=90)") == "PT1H30M"
    assert iso_equivalent("(-1, timedelta(days=1))") is None  # no ISO form for a negative count
    assert iso_equivalent("timedelta(days=-1)") is None
    assert iso_equivalent("timedelta(seconds=True)") is None
    assert iso_equivalent("not python (") is None


def test_a_dotted_dmn_input_is_refused_once_with_its_key_form(operators):
    table = decision("grade", ["item.x"], "grade", [("3", '"A"'), (">= 6", '"D"')])
    found = refusals({"a.bpmn": rule_chain_bpmn(["grade"]), "d.dmn": dmn_file(table)}, operators)
    assert found[("grade_table", "condition_refused")].endswith("write `item['x']`")
    # the cells are not refused one by one for the input expression's fault
    assert [key for key in found if key[0].startswith("grade_r")] == []


def test_a_refused_dmn_cell_says_what_a_cell_looks_like(operators):
    table = decision("grade", ["score"], "grade", [("score import", '"A"')])
    found = refusals({"a.bpmn": rule_chain_bpmn(["grade"]), "d.dmn": dmn_file(table)}, operators)
    message = found[("grade_r0", "condition_refused")]
    assert "write a value" in message and "a comparison (`>= 6`)" in message


def test_a_data_object_inside_an_ad_hoc_subprocess_can_be_stored(operators):
    """SpiffWorkflow 3.2 builds an ad hoc subprocess's data objects with the plain BPMN
    class, which the spiff serializer has no converter for: the deployment was refused
    with 'Object of type DataObject is not JSON serializable'."""
    body = """<bpmn:startEvent id="start"/>
    <bpmn:adHocSubProcess id="sub">
      <bpmn:task id="draft"/><bpmn:dataObject id="notes" name="notes"/>
      <bpmn:completionCondition>True</bpmn:completionCondition>
    </bpmn:adHocSubProcess><bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end"/>"""
    bundle = deploy_files({"a.bpmn": mini_bpmn(body)}, operators)
    handle = reload(WorkflowHandle.start(bundle.spec_json, {}, operators=operators),
                    bundle.spec_json, operators)  # fmt: skip
    assert [t.element_id for t in handle.ready_user_tasks()] == ["draft"]


def test_locals_answers_whether_a_variable_is_set(fast_runner):
    """SpiffWorkflow's corpus tests `'hey' in locals()`; the sandbox refused the name."""
    script = "if 'hey' in locals():\n  hey = True\nelse:\n  something_else = True"
    assert fast_runner.run(script, {"hey": False})["hey"] is True
    assert fast_runner.run(script, {})["something_else"] is True


def test_locals_is_a_copy_of_the_data_only(fast_runner):
    script = "seen = sorted(locals())\nview = locals()\nview['amount'] = 0\nkept = amount"
    out = fast_runner.run(script, {"amount": 5})
    assert out["seen"] == ["amount"]  # no __builtins__, guards or helpers
    assert out["kept"] == 5  # writing to the copy changes nothing


def test_a_script_testing_locals_deploys(operators):
    task = """<bpmn:scriptTask id="t"><bpmn:script>if 'hey' in locals():
  hey = True</bpmn:script></bpmn:scriptTask>"""
    deploy_files({"a.bpmn": linear_with(task)}, operators)


def test_an_operator_given_by_name_instead_of_id_is_named_in_the_refusal(operators):
    task = """<bpmn:serviceTask id="t"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator name="SlackWebhookOperator"/></bpmn:extensionElements>
      </bpmn:serviceTask>"""
    message = refusals({"a.bpmn": linear_with(task)}, operators)[("t", "unknown_operator")]
    assert "name='SlackWebhookOperator' but no id" in message
    assert "write id='SlackWebhookOperator'" in message and "valid operators:" in message


def test_a_script_writing_an_attribute_of_a_dict_fails_readably(operators):
    """SpiffWorkflow's ScriptTestBox.bpmn writes `testvar.new = 'Test'` on a dict: the
    incident said only "AttributeError: 'dict' object has no attribute 'new'"."""
    task = """<bpmn:scriptTask id="t"><bpmn:script>box = {'a': 1}
box.new = 'Test'</bpmn:script></bpmn:scriptTask>"""
    bundle = deploy_files({"a.bpmn": linear_with(task)}, operators)
    with pytest.raises(ScriptError) as failed:
        WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    assert failed.value.element_id == "t"
    assert failed.value.message.startswith("the script failed (AttributeError:")
    assert "with keys (x['name'])" in failed.value.message
