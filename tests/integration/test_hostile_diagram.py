"""A diagram that misbehaves at run time: the case stays where it was, an incident is shown to
administrators, the server is unharmed; a fixed version lets the case move on. A loop that
never waits, a process that ends without a decision, a failing first step and a condition
that would build 10^8 items are incidents too, and none of them decides the case."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, HumanTask, Incident, Notification, TaskStatus
from tests.integration.test_access_and_bad_input import _submitted_case
from tests.integration.test_admin_processes import _post_xml, _xml
from tests.unit.workflow.wf_helpers import mini_bpmn

HOSTILE = {
    "infinite_loop": "while True:\n    pass",
    "subclasses_walk": "x = ().__class__.__base__.__subclasses__()",
    "huge_allocation": "x = 'a' * (10 ** 10)",
    # undecidable before running: only the run-time limits can stop these
    "data_driven_loop": "n = 1\nwhile n > 0:\n    n = n + 1",
    "data_driven_allocation": "k = len(comment) + 10 ** 4\nx = [0] * (k * k * k)",
}
DEPLOY_REFUSABLE = {"subclasses_walk"}  # the others are stopped by run-time limits


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_script_is_refused_or_fails_safely(app, client, make_client, wait_jobs, kind):
    admin = make_client()
    admin.login("admin")
    admin.get("/admin/processes/business_registration/edit")
    xml = _xml(admin)
    old = "tax_approved = approved\n"
    assert old in xml
    hostile = xml.replace(old, old + HOSTILE[kind] + "\n", 1)
    url = "/admin/processes/business_registration/versions/1"
    body = _post_xml(admin, url + "/deploy", hostile).get_json()
    if not body["ok"]:  # refused at deploy, naming the element: the best outcome
        assert kind in DEPLOY_REFUSABLE
        assert any(i["element_id"] == "review_tax" for i in body["issues"]), body
        return
    assert kind not in DEPLOY_REFUSABLE
    app_id = _submitted_case(client, wait_jobs, seed=17, mobile="13911110003")
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
    tax = make_client()
    tax.login("clerk_tax")
    resp = tax.post(f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": ""})
    assert resp.status_code == 302
    page = tax.get(resp.headers["Location"]).get_data(as_text=True)
    assert "review_tax" in page  # the clerk is told where the process failed
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.OPEN  # not lost
        incident = db.session.execute(db.select(Incident)).scalars().one()
        assert incident.element_id == "review_tax"
        expected = ("timed out",) if "loop" in kind else ("too large", "memory limit")
        assert any(e in incident.message for e in expected), incident.message
        assert db.session.get(Application, app_id).status.value == "in_review"
    assert "review_tax" in admin.get("/admin/").get_data(as_text=True)
    assert client.get("/").status_code == 200  # the server is unharmed


# A whole process deployed as business_registration: every case submitted afterwards runs it.
LOOP = """
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="count"><bpmn:script>n = len(case_number)</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f_out"/>
    <bpmn:endEvent id="end_rejected"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="count">
      <bpmn:conditionExpression>n &gt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_out" sourceRef="again" targetRef="end_rejected"/>"""
NO_DECISION = """
    <bpmn:startEvent id="start"/>
    <bpmn:endEvent id="end_approved"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end_approved"/>"""
FIRST_STEP_FAILS = """
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="first_step"><bpmn:script>ratio = 1 / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first_step"/>
    <bpmn:sequenceFlow id="f2" sourceRef="first_step" targetRef="end"/>"""
HUGE_CONDITION = """
    <bpmn:startEvent id="start"/>
    <bpmn:exclusiveGateway id="huge" default="f_no"/>
    <bpmn:scriptTask id="approve"><bpmn:script>decision = 'approved'</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="huge"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="huge" targetRef="approve">
      <bpmn:conditionExpression>len(str([[0] * 100000] * 2000)) &gt; 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="huge" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>"""


TAX_LANE = """
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_tax" name="tax">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>"""
# The clerk's `approved` (a boolean) becomes a timer duration: the library raises
# AttributeError — not one of its own exceptions — while the user task completes.
LIBRARY_ERROR_AFTER_USER_TASK = """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="review_decision" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>approved</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end"/>"""


def _deploy_process(make_client, body: str, lanes: str = ""):
    admin = make_client()
    admin.login("admin")
    admin.get("/admin/processes/business_registration/edit")
    xml = mini_bpmn(body, process_id="business_registration", lanes=lanes).decode()
    url = "/admin/processes/business_registration/versions/1/deploy"
    answer = _post_xml(admin, url, xml).get_json()
    assert answer["ok"], answer
    return admin


def _case_and_incident(app, app_id):
    with app.app_context():
        case = db.session.get(Application, app_id)
        incidents = db.session.execute(db.select(Incident)).scalars().all()
        kinds = set(
            db.session.execute(
                db.select(Notification.kind).where(Notification.application_id == app_id)
            ).scalars()
        )
        assert len(incidents) == 1, [(i.kind, i.message) for i in incidents]
        return case.status.value, case.decision, incidents[0], kinds


def test_endless_gateway_loop_is_an_incident_and_decides_nothing(
    app, client, make_client, wait_jobs
):
    admin = _deploy_process(make_client, LOOP)
    app_id = _submitted_case(client, wait_jobs, seed=21, mobile="13911110021")
    status, decision, incident, kinds = _case_and_incident(app, app_id)
    assert incident.kind == "step_budget" and incident.element_id in ("count", "again")
    assert "loop" in incident.message
    assert decision is None and status == "submitted"
    assert kinds <= {"case_submitted"}, kinds  # no rejection told to the citizen
    dashboard = admin.get("/admin/").get_data(as_text=True)
    assert incident.message[:40] in dashboard
    assert "循环已中止" in dashboard or "Loop stopped" in dashboard  # what kind of failure


def test_process_ending_without_a_decision_is_an_incident(app, client, make_client, wait_jobs):
    _deploy_process(make_client, NO_DECISION)
    app_id = _submitted_case(client, wait_jobs, seed=22, mobile="13911110022")
    status, decision, incident, kinds = _case_and_incident(app, app_id)
    assert incident.kind == "outcome_missing" and incident.element_id == "end_approved"
    assert "ended at end_approved without a decision" in incident.message
    assert "set `decision`" in incident.message
    assert decision is None and status == "submitted"
    assert kinds <= {"case_submitted"}, kinds


def test_script_error_in_first_step_leaves_a_submitted_case_and_an_incident(
    app, client, make_client, wait_jobs
):
    _deploy_process(make_client, FIRST_STEP_FAILS)
    app_id = _submitted_case(client, wait_jobs, seed=23, mobile="13911110023")  # 302, no 500
    status, decision, incident, _kinds = _case_and_incident(app, app_id)
    assert incident.kind == "script" and incident.element_id == "first_step"
    assert "ZeroDivisionError" in incident.message
    assert decision is None and status == "submitted"
    page = client.get(f"/cases/{app_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "办理延迟" in text or "Processing delayed" in text  # what the citizen is told
    assert "ZeroDivisionError" not in text


def test_huge_condition_is_bounded_and_an_incident(app, client, make_client, wait_jobs):
    _deploy_process(make_client, HUGE_CONDITION)
    app_id = _submitted_case(client, wait_jobs, seed=24, mobile="13911110024")
    status, decision, incident, kinds = _case_and_incident(app, app_id)
    assert incident.kind == "script" and incident.element_id == "huge"
    assert "memory limit" in incident.message or "timed out" in incident.message
    assert decision is None and status == "submitted"
    assert client.get("/").status_code == 200


def test_library_error_after_a_user_task_is_an_incident_and_the_clerk_is_told(
    app, client, make_client, wait_jobs
):
    _deploy_process(make_client, LIBRARY_ERROR_AFTER_USER_TASK, lanes=TAX_LANE)
    app_id = _submitted_case(client, wait_jobs, seed=25, mobile="13911110025")
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(HumanTask.application_id == app_id)
        ).scalar_one()
    tax = make_client()
    tax.login("clerk_tax")
    resp = tax.post(f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": ""})
    assert resp.status_code == 302  # not a 500
    page = tax.get(resp.headers["Location"]).get_data(as_text=True)
    assert "wait" in page  # the clerk is told where the process failed
    status, decision, incident, _kinds = _case_and_incident(app, app_id)
    assert incident.kind == "engine" and incident.element_id == "wait"
    assert "AttributeError" in incident.message
    assert decision is None and status == "in_review"
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.OPEN  # not lost
