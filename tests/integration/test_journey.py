"""The whole journey through the Flask test client: register → apply → upload → auto-review →
three departments approve in parallel → the citizen sees the decision."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Application, ApplicationStatus, HumanTask, TaskStatus
from tests import journeys


@pytest.mark.slow
def test_business_registration_end_to_end(app, client, make_client, wait_jobs):
    materials = journeys.make_materials()
    person = materials["person"]
    journeys.register(client, person)
    app_id = journeys.start_application(client)
    journeys.fill_form(client, app_id, person)
    for slot, data in materials["files"].items():
        assert journeys.upload(client, app_id, slot, data, f"{slot}.png").status_code == 302
    wait_jobs()

    confirm = client.get(f"/applications/{app_id}/confirm").get_data(as_text=True)
    assert (
        'id="submit-button"' in confirm
        and "disabled" not in confirm.split('id="submit-button"')[1][:20]
    )
    assert confirm.count('data-status="pending"') == 0  # every file has been checked

    resp = journeys.submit(client, app_id)
    assert resp.status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        case_number = application.case_number
        assert re.fullmatch(r"YW\d{8}\d{6}", case_number)
    wait_jobs()  # the auto_review service task runs as a job and completes its task
    with app.app_context():  # awaiting intake (受理) by the lead department
        assert db.session.get(Application, app_id).status == ApplicationStatus.SUBMITTED
    journeys.decide_intake(app, app_id)

    with app.app_context():
        tasks = (
            db.session.execute(
                db.select(HumanTask).where(
                    HumanTask.application_id == app_id, HumanTask.form != "intake_decision"
                )
            )
            .scalars()
            .all()
        )
        assert sorted(t.department.code for t in tasks) == sorted(journeys.DEPARTMENTS)
        assert all(t.status == TaskStatus.OPEN and t.due_at is not None for t in tasks)
        assert db.session.get(Application, app_id).status == ApplicationStatus.IN_REVIEW

    for code in journeys.DEPARTMENTS:
        clerk = make_client()
        clerk.login(f"clerk_{code}")
        task_id = journeys.open_task_id(clerk, case_number)
        page = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
        assert 'data-verdict="' in page  # the auto-review verdict is shown per file
        assert "data-reason" in page or 'data-verdict="pass"' in page
        resp = clerk.post(
            f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": f"{code} ok"}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]

    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="decision"' in page and 'id="certificate"' in page
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.APPROVED
        assert application.certificate_number
        kinds = [e.kind for e in application_events(application)]
        assert kinds[0] == "submitted" and "decided" in kinds
        assert kinds.count("task_done") == 4  # the intake and the three reviews
        assert kinds.index("accepted") < kinds.index("decided")
        assert application.accepted_at is not None and application.decided_at <= application.due_at


def application_events(application):
    from app.services import timeline

    return timeline.events(application)


@pytest.mark.slow
def test_one_rejection_rejects_the_case(app, client, make_client, wait_jobs):
    app_id = journeys.submitted_case(client, wait_jobs, seed=11, mobile="13911113333")
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number
    for code, decision in (
        ("market_regulation", "true"),
        ("tax", "false"),
        ("social_security", "true"),
    ):
        clerk = make_client()
        clerk.login(f"clerk_{code}")
        task_id = journeys.open_task_id(clerk, case_number)
        clerk.post(
            f"/clerk/tasks/{task_id}/decide", {"approved": decision, "comment": "税务登记信息不全"}
        )
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.REJECTED
        assert application.certificate_number is None
    assert "税务登记信息不全" in client.get(f"/cases/{app_id}").get_data(as_text=True)
