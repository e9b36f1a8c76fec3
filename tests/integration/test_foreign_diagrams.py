"""A diagram from another tool, deployed with a default department, a mapped candidate group
expression and an outcome rule, runs a real case: its task reaches the mapped department
and the case ends 'completed' (neutral) when nothing says approved or rejected."""

from __future__ import annotations

import pytest

from app import uow
from app.extensions import db
from app.models import Application, ApplicationStatus, HumanTask, ProcessVersion
from app.services import deployment
from app.workflow import runtime
from tests import journeys

FOREIGN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://x">
  <process id="business_registration" isExecutable="true">
    <startEvent id="start"/>
    <scriptTask id="size"><script>large = registered_capital &gt; 100</script></scriptTask>
    <userTask id="check" name="Check" camunda:candidateGroups="${reviewers}"/>
    <userTask id="archive" name="Archive" camunda:candidateGroups="${reviewers}"/>
    <endEvent id="end"/>
    <sequenceFlow id="f0" sourceRef="start" targetRef="size"/>
    <sequenceFlow id="f1" sourceRef="size" targetRef="check"/>
    <sequenceFlow id="f2" sourceRef="check" targetRef="archive"/>
    <sequenceFlow id="f3" sourceRef="archive" targetRef="end"/>
  </process>
</definitions>"""


@uow.use_case
def _deploy():
    return deployment.deploy_files(
        "business_registration",
        {"foreign.bpmn": FOREIGN},
        assignments={"Back office": "tax"},
        default_department="market_regulation",
        outcome={"variable": "outcome", "otherwise": "completed"},
    )


@uow.use_case
def _complete(app_id: int, element: str, data: dict):
    task = db.session.execute(
        db.select(HumanTask).where(
            HumanTask.application_id == app_id, HumanTask.element_id == element
        )
    ).scalar_one()
    runtime.complete_user_task(task.instance_id, task.spiff_task_id, data)
    return task.department.code


def test_foreign_diagram_routes_its_tasks_and_ends_neutral(app, client, wait_jobs):
    with app.app_context():
        version, created = _deploy()
        assert created and version.info["warnings"] == []
        assert db.session.get(ProcessVersion, version.id).is_current
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    with app.app_context():
        case = db.session.get(Application, app_id)
        # form fields are process variables by name (the script read `registered_capital`)
        data = runtime.load(case.instance).data
        assert data["large"] == (float(case.form_data["registered_capital"]) > 100)
        # `${reviewers}` is not set: the default department takes the task
        assert _complete(app_id, "check", {"reviewers": "Back office"}) == "market_regulation"
        # now `${reviewers}` names a group the deploy mapped to a department
        assert _complete(app_id, "archive", {}) == "tax"
        case = db.session.get(Application, app_id)
        assert (case.status, case.decision) == (ApplicationStatus.COMPLETED, "completed")


def test_form_field_with_a_reserved_name_is_refused_at_deploy(app, ctx, monkeypatch):
    from app.services import catalogue
    from app.workflow.engine import DeployError

    monkeypatch.setattr(
        catalogue, "service_form", lambda service: {"fields": [{"name": "decision"}]}
    )
    try:
        _deploy()
    except DeployError as exc:
        [issue] = exc.issues
    else:
        raise AssertionError("deployed a process whose form field shadows `decision`")
    assert (issue.element_id, issue.code) == ("decision", "reserved_form_field")
    assert "rename the field" in issue.message


def test_deploy_result_lists_what_will_not_be_applied(app, make_client):
    from tests.integration.test_admin_processes import _post_xml, _xml

    admin = make_client()
    admin.login("admin")
    admin.get("/admin/processes/business_registration/edit")
    xml = _xml(admin)
    xml = xml.replace(
        "<bpmn:definitions ",
        '<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ',
        1,
    )
    task = '<bpmn:userTask id="review_tax" name="税务审核 Review by tax">'
    start = xml.index("<bpmn:extensionElements>", xml.index(task))
    start += len("<bpmn:extensionElements>")
    listener = '<camunda:taskListener class="org.example.Mail" event="create"/>'
    xml = xml[:start] + listener + xml[start:]
    body = _post_xml(admin, "/admin/processes/business_registration/versions/1/deploy", xml)
    body = body.get_json()
    assert body["ok"], body
    [warning] = [i for i in body["issues"] if i["code"] == "ignored_extension"]
    assert warning["element_id"] == "review_tax" and warning["severity"] == "warning"
    assert "taskListener" in warning["message"]
    assert warning["hint"] == "部署后运行流程时不会执行此设置。"
    page = admin.get("/admin/processes/business_registration").get_data(as_text=True)
    assert 'data-code="ignored_extension"' in page and "taskListener" in page


SIGNALLED = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  <signal id="sig_go" name="go"/>
  <process id="business_registration" isExecutable="true">
    <startEvent id="start"/>
    <intermediateCatchEvent id="wait_go"><signalEventDefinition signalRef="sig_go"/>
    </intermediateCatchEvent>
    <userTask id="work" name="Work"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="wait_go"/>
    <sequenceFlow id="f2" sourceRef="wait_go" targetRef="work"/>
    <sequenceFlow id="f3" sourceRef="work" targetRef="end"/>
  </process>
</definitions>"""


def test_a_signal_delivered_by_the_service_moves_the_case(app, client, wait_jobs):
    from app.domain.errors import NotFound
    from app.services import processes

    @uow.use_case
    def deploy():
        return deployment.deploy_files(
            "business_registration",
            {"signalled.bpmn": SIGNALLED},
            default_department="market_regulation",
        )

    with app.app_context():
        deploy()
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    with app.app_context():
        case = db.session.get(Application, app_id)
        with pytest.raises(NotFound):
            processes.send_signal(case, "stop")
        processes.send_signal(case, "go")
        open_tasks = db.session.execute(
            db.select(HumanTask.element_id).where(HumanTask.application_id == app_id)
        ).scalars()
        assert list(open_tasks) == ["work"]
