"""Browser test: the modeler's properties panel. An administrator clicks a lane and picks its
department, clicks a user task and picks its form, sees the deploy check (run as they edit)
report a problem and clear it, deploys, and the deployed XML holds what was chosen."""

from __future__ import annotations

import pytest
from lxml import etree

from app.extensions import db
from app.models import ProcessVersion
from app.services import processes
from app.workflow.engine.model_info import lane_map, service_tasks, user_tasks
from app.workflow.engine.parsing import NS
from tests.e2e.steps import login, watch_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PANEL = "#properties-panel"


def _click_lane(page, lane_id: str) -> None:
    """Click an empty spot of the lane (its right end; the palette covers its label band)."""
    box = page.locator(f".djs-element[data-element-id={lane_id}]").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + box["height"] / 2)


def _open_modeler(browser, base: str, process_id: str):
    """The admin's modeler on `process_id`, drawn; returns (context, page, console errors)."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    console_errors = watch_errors(ctx)
    page = ctx.new_page()
    login(page, base, "admin")
    page.goto(f"{base}/admin/processes/{process_id}/edit")
    page.wait_for_selector("#canvas[data-ready='1']")
    return ctx, page, console_errors


def test_panel_sets_department_and_form_checks_as_you_type_and_deploys(
    app, live_server, browser, shots
):
    base = live_server
    ctx, page, console_errors = _open_modeler(browser, base, "business_registration")
    # The shipped diagram passes the deploy check as soon as it is open.
    page.wait_for_selector("#live-check[data-state=ok]")
    assert page.locator(f"{PANEL} .bio-properties-panel-header").count() == 1

    # The lane: the OneWindow group offers the departments; the tax lane names 'tax'.
    _click_lane(page, "Lane_tax")
    department = page.locator(f"{PANEL} select[name=ow-department]")
    department.wait_for()
    assert department.input_value() == "tax"
    assert page.locator(f"{PANEL} [data-group-id=group-onewindow]").count() == 1

    # No department: the check, run as they edit, refuses the lane ...
    department.select_option("")
    page.wait_for_selector("#live-check[data-state=problems]")
    assert page.locator("#modeler-issues li[data-code=unknown_lane]").count() == 1
    assert page.locator("#canvas .djs-element.ow-error[data-element-id=Lane_tax]").count() == 1
    # ... and a department clears the problem.
    department.select_option("housing_fund")
    page.wait_for_selector("#live-check[data-state=ok]")
    assert page.locator("#modeler-issues li").count() == 0
    shots(page, "panel-lane")

    # The user task: its form is chosen from the task forms.
    page.click(".djs-element[data-element-id=review_tax]")
    form = page.locator(f"{PANEL} select[name=ow-form]")
    form.wait_for()
    assert form.input_value() == "review_decision"
    form.select_option("intake_decision")
    page.wait_for_selector("#live-check[data-state=ok]")
    shots(page, "panel-user-task")

    # The service task shows the operator it runs.
    page.click(".djs-element[data-element-id=task_auto_review]")
    operator = page.locator(f"{PANEL} select[name=ow-operator]")
    operator.wait_for()
    assert operator.input_value() == "auto_review"

    page.click("#deploy-button")
    page.wait_for_selector("#modeler-status[data-version='2']")
    assert console_errors == []
    ctx.close()

    with app.app_context():
        deployed = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.process_id == "business_registration", ProcessVersion.version == 2
            )
        ).scalar_one()
        assert deployed.is_current
        root = etree.fromstring(deployed.source_files[processes.main_file(deployed)].encode())
        process = root.find("bpmn:process", NS)
        lanes = lane_map(process)
        assert lanes["review_tax"] == "housing_fund"
        forms = {t.element_id: t.form for t in user_tasks(process, lanes)}
        assert forms["review_tax"] == "intake_decision"
        assert forms["intake"] == "intake_decision"  # untouched tasks keep theirs
        assert dict(service_tasks(process))["task_auto_review"] == "auto_review"
        # What the panel does not touch survives the round trip through bpmn-js.
        assert process.findtext(".//spiffworkflow:preScript", namespaces=NS)
        assert process.find(".//spiffworkflow:messageVariable", NS) is not None


def test_panel_edits_a_condition_and_a_timer_duration(app, live_server, browser, shots):
    base = live_server
    ctx, page, console_errors = _open_modeler(browser, base, "employer_insurance")
    page.wait_for_selector("#live-check[data-state=ok]")

    def select(element_id):  # flows and boundary timers are thin targets for a mouse
        page.evaluate(
            """(id) => { const m = window.owModeler;
              m.get('selection').select(m.get('elementRegistry').get(id)); }""",
            element_id,
        )

    select("flow_intake_accept")
    condition = page.locator(f"{PANEL} input[name=ow-condition]")
    assert condition.input_value() == "intake == 'accept'"
    condition.fill("__import__('os').system('id')")
    page.wait_for_selector("#live-check[data-state=problems]")
    refused = page.locator("#modeler-issues li[data-code=condition_refused]")
    assert refused.count() == 1
    # The problem's element id selects the flow again, for the admin to fix.
    select("timer_review_overdue")
    refused.locator("button").click()
    page.wait_for_selector(f"{PANEL} input[name=ow-condition]")
    page.locator(f"{PANEL} input[name=ow-condition]").fill("intake == 'accept'")
    page.wait_for_selector("#live-check[data-state=ok]")

    select("timer_review_overdue")
    duration = page.locator(f"{PANEL} input[name=ow-duration]")
    assert duration.input_value() == '"P10D"'
    duration.fill("P5D")
    # The field writes after a pause in typing; then the check runs again.
    page.wait_for_function(
        """() => window.owModeler.get('elementRegistry').get('timer_review_overdue')
          .businessObject.eventDefinitions[0].timeDuration.body === 'P5D'"""
    )
    page.wait_for_selector("#live-check[data-state=ok]")
    shots(page, "panel-timer")
    page.click("#deploy-button")
    page.wait_for_selector("#modeler-status[data-version='2']")
    assert console_errors == []
    ctx.close()

    with app.app_context():
        deployed = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.process_id == "employer_insurance", ProcessVersion.version == 2
            )
        ).scalar_one()
        root = etree.fromstring(deployed.source_files[processes.main_file(deployed)].encode())
        flow = root.find(".//bpmn:sequenceFlow[@id='flow_intake_accept']", NS)
        assert flow.findtext("bpmn:conditionExpression", namespaces=NS) == "intake == 'accept'"
        timer = root.find(".//bpmn:boundaryEvent[@id='timer_review_overdue']", NS)
        assert timer.findtext(".//bpmn:timeDuration", namespaces=NS) == "P5D"


def _spiff_items(xml: str) -> list[tuple]:
    """Every spiffworkflow: element of a diagram: tag, attributes, text, owning element id."""
    root = etree.fromstring(xml.encode())
    out = []
    for node in root.iter(f"{{{NS['spiffworkflow']}}}*"):
        owner = next(a.get("id") for a in node.iterancestors() if a.get("id"))
        out.append(
            (
                etree.QName(node).localname,
                owner,
                sorted(node.attrib.items()),
                (node.text or "").strip(),
            )
        )
    return sorted(out)


def test_the_modeler_keeps_every_extension_of_the_shipped_diagrams(app, live_server, browser):
    """bpmn-js drops what its moddle descriptor cannot place: every spiffworkflow: element of
    every shipped diagram must survive opening and saving in the modeler unchanged."""
    from pathlib import Path

    ctx, page, _errors = _open_modeler(browser, live_server, "business_registration")
    diagrams = sorted(Path(app.root_path).parent.joinpath("workflows").glob("*.bpmn"))
    assert len(diagrams) >= 5
    for path in diagrams:
        xml = path.read_text(encoding="utf-8")
        result = page.evaluate(
            """async (xml) => { const m = window.owModeler;
              const {warnings} = await m.importXML(xml);
              const {xml: saved} = await m.saveXML({format: true});
              return {warnings: warnings.map(w => w.message), saved}; }""",
            xml,
        )
        assert result["warnings"] == [], path.name
        assert _spiff_items(result["saved"]) == _spiff_items(xml), path.name
    ctx.close()


CAMUNDA_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:userTask id="Task_review" name="Review"
      camunda:formKey="embedded:app:forms/review_decision.html"/>
    <bpmn:serviceTask id="Task_notify" name="Notify" camunda:type="external"
      camunda:topic="notify"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="di"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
    <bpmndi:BPMNShape id="s1" bpmnElement="Task_review">
      <dc:Bounds x="300" y="100" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s2" bpmnElement="Task_notify">
      <dc:Bounds x="500" y="100" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def test_camunda_attributes_are_shown_and_edited_where_the_check_reads_them(
    app, live_server, browser
):
    """A Camunda Modeler diagram: the form comes from camunda:formKey (normalised like the
    deploy check does) and the choice goes back there; the operator from camunda:topic."""
    ctx, page, console_errors = _open_modeler(browser, live_server, "business_registration")
    page.evaluate("(xml) => window.owModeler.importXML(xml)", CAMUNDA_XML)

    def select(element_id):
        page.evaluate(
            """(id) => { const m = window.owModeler;
              m.get('selection').select(m.get('elementRegistry').get(id)); }""",
            element_id,
        )

    select("Task_review")
    form = page.locator(f"{PANEL} select[name=ow-form]")
    assert form.input_value() == "review_decision"
    form.select_option("intake_decision")
    select("Task_notify")  # camunda:type="external" camunda:topic="notify"
    assert page.locator(f"{PANEL} select[name=ow-operator]").input_value() == "notify"
    saved = page.evaluate("async () => (await window.owModeler.saveXML()).xml")
    root = etree.fromstring(saved.encode())
    task = root.find(".//bpmn:userTask[@id='Task_review']", NS)
    assert task.get(f"{{{NS['camunda']}}}formKey") == "intake_decision"
    assert task.find(".//spiffworkflow:property", NS) is None
    assert console_errors == []
    ctx.close()
