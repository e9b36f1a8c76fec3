"""Helpers shared by the engine-layer tests: paths, small diagrams, deployment (and its
refusals) and save/load round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.workflow.engine import DeployError, OperatorRegistry, WorkflowHandle, deploy_bundle

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / "workflows"
FIXTURES = ROOT / "tests" / "fixtures" / "workflows"
DEPARTMENTS = {  # the shipped departments, as `flask demo load` creates them
    d["code"]
    for d in json.loads((WORKFLOWS / "departments.json").read_text(encoding="utf-8"))["departments"]
}
FORMS = {p.stem for p in (ROOT / "forms" / "tasks").glob("*.json")}


def deploy_files(files: dict[str, bytes], operators: OperatorRegistry, **kwargs):
    """deploy_bundle with the standard departments/forms."""
    kwargs.setdefault("departments", DEPARTMENTS)
    kwargs.setdefault("forms", FORMS)
    return deploy_bundle(files, operators=operators.names(), **kwargs)


def deploy_shipped(name: str, operators: OperatorRegistry, **kwargs):
    """Deploy workflows/<name>.bpmn plus any workflows/*.dmn it may call."""
    files = {f"{name}.bpmn": (WORKFLOWS / f"{name}.bpmn").read_bytes()}
    for dmn in WORKFLOWS.glob("*.dmn"):
        files[dmn.name] = dmn.read_bytes()
    return deploy_files(files, operators, **kwargs)


def reload(handle: WorkflowHandle, spec_json: str, operators) -> WorkflowHandle:
    """dump_state + load: every test step goes through the persistence round trip."""
    return WorkflowHandle.load(spec_json, handle.dump_state(), operators=operators)


def mini_bpmn(body: str, *, process_id: str = "mini", lanes: str = "", extra_ns: str = "") -> bytes:
    """A small spiff-flavoured BPMN document around `body` (flow elements of one process)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" {extra_ns}
  id="defs" targetNamespace="http://example">
  <bpmn:process id="{process_id}" isExecutable="true">{lanes}{body}
  </bpmn:process>
</bpmn:definitions>""".encode()


def script_process(script: str) -> bytes:
    """start -> script task `script_1` -> end."""
    return mini_bpmn(f"""
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="script_1"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script_1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script_1" targetRef="end"/>""")


def linear_with(task: str, **kwargs) -> bytes:
    """start -> `task` (one element with id "t") -> end; kwargs as for mini_bpmn."""
    return mini_bpmn(
        f"""
<bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>""",
        **kwargs,
    )


def gateway_with(condition: str) -> bytes:
    """start -> exclusive gateway `gw`: flow f2 to end `yes` under `condition` (a whole
    conditionExpression element), the default flow f3 to end `no`."""
    return mini_bpmn(f"""
    <bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f3"/>
    <bpmn:endEvent id="yes"/><bpmn:endEvent id="no"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="yes">
      {condition}</bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="no"/>""")


def refusals(files: dict[str, bytes], operators: OperatorRegistry, **kwargs) -> dict:
    """Deploy files that must be refused: {(element id, code): message} of the errors."""
    with pytest.raises(DeployError) as info:
        deploy_files(files, operators, **kwargs)
    return {(i.element_id, i.code): i.message for i in info.value.issues if i.severity == "error"}


INTAKE_DUE = "2030-01-07T15:59:59+00:00"  # what the product computes at start (5 working days)


def intake_data(data: dict) -> dict:
    """Start data of a shipped service: the product adds the intake limit (`intake_due`)."""
    return {**data, "intake_due": INTAKE_DUE}


def accept_intake(handle: WorkflowHandle, spec_json: str, operators) -> WorkflowHandle:
    """The lead department accepts the application at intake (受理); reloaded handle."""
    [task] = [t for t in handle.ready_user_tasks() if t.element_id == "intake"]
    assert task.form == "intake_decision"
    handle.complete_user_task(task.task_id, {"intake": "accept"})
    return reload(handle, spec_json, operators)
