"""Event-based gateways, event subprocesses and signals from other tools' diagrams run as
bare SpiffWorkflow runs them, through the handle's timer, message and signal delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wf_helpers import deploy_files, reload

from app.workflow.engine import TaskNotFound, WorkflowHandle


def _doc(body: str, extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
  targetNamespace="http://example">{extra}
  <bpmn:process id="p" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>""".encode()


GATEWAY = """
<bpmn:startEvent id="start"/>
<bpmn:eventBasedGateway id="gw"/>
<bpmn:intermediateCatchEvent id="got_paid">
  <bpmn:messageEventDefinition id="md" messageRef="m_paid"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="got_stop">
  <bpmn:signalEventDefinition id="sd" signalRef="s_stop"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="too_late">
  <bpmn:timerEventDefinition id="td"><bpmn:timeDuration>PT1H</bpmn:timeDuration>
  </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end_paid"/><bpmn:endEvent id="end_stop"/><bpmn:endEvent id="end_late"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="got_paid"/>
<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="got_stop"/>
<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="too_late"/>
<bpmn:sequenceFlow id="f5" sourceRef="got_paid" targetRef="end_paid"/>
<bpmn:sequenceFlow id="f6" sourceRef="got_stop" targetRef="end_stop"/>
<bpmn:sequenceFlow id="f7" sourceRef="too_late" targetRef="end_late"/>"""
DEFS = '<bpmn:message id="m_paid" name="paid"/><bpmn:signal id="s_stop" name="stop"/>'


@pytest.fixture
def gateway(operators):
    bundle = deploy_files({"gw.bpmn": _doc(GATEWAY, DEFS)}, operators)
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    return reload(handle, bundle.spec_json, operators), bundle.spec_json


def test_event_gateway_schedules_its_timer_and_lists_its_message(gateway):
    handle, _spec = gateway
    due = handle.next_timer_due()
    assert due is not None and due > datetime.now(UTC) + timedelta(minutes=50)
    assert handle.waiting_messages() == ["paid"]
    assert handle.waiting_signals() == ["stop"]


def test_event_gateway_message_branch(gateway, operators):
    handle, spec = gateway
    handle.send_message("paid", {"amount": 5})
    handle = reload(handle, spec, operators)
    assert handle.is_completed() and handle.reached_end_events() == ["end_paid"]


def test_event_gateway_timer_branch(gateway, operators):
    handle, spec = gateway
    handle.fire_due_timers(datetime.now(UTC) + timedelta(hours=2))
    assert handle.is_completed() and handle.reached_end_events() == ["end_late"]


def test_event_gateway_signal_branch(gateway):
    handle, _spec = gateway
    handle.send_signal("stop")
    assert handle.is_completed() and handle.reached_end_events() == ["end_stop"]


def test_a_signal_nobody_waits_for_is_refused(gateway):
    handle, _spec = gateway
    with pytest.raises(TaskNotFound, match="signal 'nothing'"):
        handle.send_signal("nothing")


EVENT_SUBPROCESS = """
<bpmn:startEvent id="start"/><bpmn:manualTask id="work" name="Work"/><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
<bpmn:subProcess id="sub" triggeredByEvent="true">
  <bpmn:startEvent id="sub_start">%s</bpmn:startEvent>
  <bpmn:scriptTask id="sub_script"><bpmn:script>handled = True</bpmn:script></bpmn:scriptTask>
  <bpmn:endEvent id="sub_end"/>
  <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="sub_script"/>
  <bpmn:sequenceFlow id="s2" sourceRef="sub_script" targetRef="sub_end"/>
</bpmn:subProcess>"""


@pytest.mark.parametrize(
    "definition, deliver",
    [
        (
            '<bpmn:messageEventDefinition id="md" messageRef="m_paid"/>',
            lambda h: h.send_message("paid", {}),
        ),
        (
            '<bpmn:signalEventDefinition id="sd" signalRef="s_stop"/>',
            lambda h: h.send_signal("stop"),
        ),
        (
            (
                "<bpmn:timerEventDefinition id='td'><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
                "</bpmn:timerEventDefinition>"
            ),
            lambda h: h.fire_due_timers(datetime.now(UTC) + timedelta(hours=2)),
        ),
    ],
    ids=["message", "signal", "timer"],
)
def test_event_subprocess_starts_on_its_event(operators, definition, deliver):
    bundle = deploy_files(
        {"sub.bpmn": _doc(EVENT_SUBPROCESS % definition, DEFS)}, operators, default_department="tax"
    )
    handle = WorkflowHandle.start(bundle.spec_json, {}, operators=operators)
    handle = reload(handle, bundle.spec_json, operators)
    deliver(handle)
    assert "sub_end" in handle.reached_end_events()
