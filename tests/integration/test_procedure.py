"""The statutory procedure (issue 11): intake (受理) accepted, refused or deemed accepted after
5 working days; the clock starts at acceptance, stands still during 补正 and resumes; one
extension by the lead; the case decision follows from all departments by the diagram's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import calendar
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    CaseEvent,
    HumanTask,
    TaskStatus,
    User,
    WorkflowInstance,
    utcnow,
)
from app.services import approvals, clock, corrections, scheduler
from tests import decisions, journeys


def _steps(app_id: int, kind: str) -> list[CaseEvent]:
    return list(
        db.session.execute(
            db.select(CaseEvent).where(CaseEvent.application_id == app_id, CaseEvent.kind == kind)
        ).scalars()
    )


def _live_tasks(app_id: int) -> list[HumanTask]:
    return list(
        db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == app_id,
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).scalars()
    )


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def test_accepting_at_intake_starts_the_clock(app, client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.accepted_at is None
        [intake] = _live_tasks(app_id)
        assert (intake.element_id, intake.department.code) == ("intake", "market_regulation")
        assert intake.due_at == calendar.add_working_days(intake.created_at, 5)
        assert clock.view(application) is None  # no clock before acceptance

    journeys.decide_intake(app, app_id)
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.IN_REVIEW
        accepted = application.accepted_at
        assert accepted is not None and accepted >= application.submitted_at
        assert application.due_at == calendar.add_working_days(accepted, 3)
        assert application.promised_due_at == calendar.add_working_days(accepted, 2)
        [step] = _steps(app_id, "accepted")
        assert step.data["due_at"] == application.due_at.isoformat()
        reviews = _live_tasks(app_id)
        assert sorted(t.department.code for t in reviews) == sorted(journeys.DEPARTMENTS)
        assert {t.due_at for t in reviews} == {application.due_at}
        assert clock.view(application)["alert"] in ("green", "yellow")


def test_refusing_at_intake_ends_the_case_with_the_reason(app, client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    with pytest.raises(ValidationFailed):  # a refusal must say why
        journeys.decide_intake(app, app_id, "refuse", comment="")
    journeys.decide_intake(app, app_id, "refuse", comment="不属于本机关职权范围")
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.REFUSED
        assert (application.decision, application.outcome_detail) == ("rejected", "intake_refused")
        assert application.decision_comment == "不属于本机关职权范围"
        assert application.accepted_at is None and _live_tasks(app_id) == []
        [step] = _steps(app_id, "intake_refused")
        assert step.data["reason"] == "不属于本机关职权范围" and step.data["remedies"]
        assert _steps(app_id, "accepted") == [] and _steps(app_id, "decided") == []


def test_no_intake_decision_in_5_working_days_is_acceptance_from_receipt(app, client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    with app.app_context():
        application = db.session.get(Application, app_id)
        received = application.submitted_at
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar_one()
        due = inst.next_timer_at
        assert due == calendar.add_working_days(received, 5)
        assert scheduler.fire_due_timers(due - timedelta(seconds=1)) == 0  # not yet
        assert scheduler.fire_due_timers(due + timedelta(seconds=1)) == 1
        db.session.expire_all()
        application = db.session.get(Application, app_id)
        assert application.accepted_at == received  # from the day of receipt
        assert application.due_at == calendar.add_working_days(received, 3)
        assert application.status == ApplicationStatus.IN_REVIEW
        assert len(_steps(app_id, "deemed_accepted")) == 1 and _steps(app_id, "accepted") == []
        intake = db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == app_id, HumanTask.element_id == "intake"
            )
        ).scalar_one()
        assert intake.status == TaskStatus.CANCELLED
        assert len(_live_tasks(app_id)) == 3


def test_correction_after_acceptance_stops_the_clock_and_the_answer_resumes_it(
    app, client, wait_jobs
):
    import random

    from ml.synthetic import render

    image, person = render("id_card_front", random.Random(4), capture="clean")
    app_id = journeys.submitted_residence_permit(
        client, wait_jobs, person, "13911116666", {"id_card_front": journeys.png_bytes(image)}
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        accepted, due_before = application.accepted_at, application.due_at
        assert due_before == calendar.add_working_days(accepted, 15)
        [review] = _live_tasks(app_id)
        approvals.decide(
            _user("clerk_public_security"),
            review.id,
            {"decision": "correct", "correction_items": "请上传在职证明原件"},
        )
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.CORRECTION
        assert application.clock_paused_at is not None
        assert clock.view(application)["alert"] == "paused"
        # the citizen answers a month later
        paused_at = utcnow() - timedelta(days=30)
        application.clock_paused_at = paused_at
        db.session.commit()
        expected_before = calendar.working_days_between(paused_at, utcnow())
        corrections.submit(application, "已补充在职证明", [])
        expected_after = calendar.working_days_between(paused_at, utcnow())
        application = db.session.get(Application, app_id)
        assert application.clock_paused_at is None
        assert application.paused_days in (expected_before, expected_after)
        assert application.paused_days > 0
        assert application.accepted_at == accepted
        assert application.due_at == calendar.add_working_days(
            accepted, 15 + application.paused_days
        )
        assert application.due_at > due_before
        assert len(_steps(app_id, "clock_paused")) == len(_steps(app_id, "clock_resumed")) == 1
    wait_jobs()  # the corrections are reviewed again, then the review reopens
    with app.app_context():
        application = db.session.get(Application, app_id)
        [review] = _live_tasks(app_id)
        assert review.element_id == "review_public_security"
        assert application.status == ApplicationStatus.IN_REVIEW
        assert clock.view(application)["alert"] != "paused"


def test_one_extension_by_the_lead_of_the_lead_department(app, client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False)
    with app.app_context():
        application = db.session.get(Application, app_id)
        accepted = application.accepted_at
        with pytest.raises(Forbidden):  # a clerk who is not a lead
            clock.extend(_user("clerk_market_regulation"), application, "需要实地核查")
        with pytest.raises(Forbidden):  # a lead of another department
            clock.extend(_user("lead_tax"), application, "需要实地核查")
        lead = _user("lead_market_regulation")
        with pytest.raises(ValidationFailed):
            clock.extend(lead, application, " ")
        assert clock.may_extend(lead, application)
        clock.extend(lead, application, "需要实地核查")
        application = db.session.get(Application, app_id)
        assert application.extension_days == 10
        assert application.due_at == calendar.add_working_days(accepted, 3 + 10)
        assert application.promised_due_at == calendar.add_working_days(accepted, 2 + 10)
        assert {t.due_at for t in _live_tasks(app_id)} == {application.due_at}
        [step] = _steps(app_id, "extended")
        assert step.data["reason"] == "需要实地核查" and step.actor_id == lead.id
        with pytest.raises(Conflict):  # only once
            clock.extend(lead, application, "再次延期")
        assert not clock.may_extend(lead, application)
        assert db.session.get(Application, app_id).extension_days == 10


def test_the_case_is_approved_only_if_every_department_approves(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False)
    decisions.decide_all(app, make_client, app_id, rejecting=("tax",), reason="税务登记信息不全")
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert (application.status, application.decision) == (
            ApplicationStatus.REJECTED,
            "rejected",
        )
        assert application.decision_comment == "税务登记信息不全"
        assert application.outcome_detail is None


def test_the_clock_is_shown_and_the_lead_extends_it_from_the_task_page(
    app, client, make_client, wait_jobs
):
    guide = client.get("/services/business_registration").get_data(as_text=True)
    assert 'id="promised-days"' in guide
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False)
    case_page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="case-clock"' in case_page and 'id="clock-extend"' not in case_page
    with app.app_context():
        application = db.session.get(Application, app_id)
        number, fatal = application.case_number, application.due_at
    clerk = make_client()
    clerk.login("clerk_market_regulation")
    task_id = journeys.open_task_id(clerk, number)
    page = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="clock-fatal"' in page and 'id="clock-extend"' not in page  # not a lead
    assert clerk.post(f"/clerk/cases/{app_id}/extend", {"reason": "x"}).status_code == 403
    lead = make_client()
    lead.login("lead_market_regulation")
    page = lead.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="clock-extend"' in page
    resp = lead.post(
        f"/clerk/cases/{app_id}/extend",
        {"reason": "需要实地核查"},
        headers={"Referer": f"http://localhost/clerk/tasks/{task_id}"},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/clerk/tasks/{task_id}")
    with app.app_context():
        assert db.session.get(Application, app_id).due_at > fatal
    page = lead.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'id="clock-extend"' not in page  # once


def test_correction_at_intake_is_asked_once_and_the_intake_limit_restarts(app, client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False, accept=False)
    journeys.decide_intake(
        app, app_id, "correct", correction_items="身份证背面不清晰；缺少租赁合同"
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.CORRECTION
        assert application.accepted_at is None and application.clock_paused_at is None
        request = corrections.open_request(application)
        assert request is not None and "缺少租赁合同" in request.message
        corrections.submit(application, "已补充租赁合同", [])
        answered = utcnow()
    wait_jobs()  # the materials are reviewed again, then the intake reopens
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.SUBMITTED
        [intake] = _live_tasks(app_id)
        assert intake.element_id == "intake"
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar_one()
        assert calendar.local_date(inst.next_timer_at) == calendar.local_date(
            calendar.add_working_days(answered, 5)
        )
    journeys.decide_intake(app, app_id)
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.IN_REVIEW
