"""Object-level access and bad input through HTTP: each gets a clear answer, nothing half-saved."""

from __future__ import annotations

import threading

from app.extensions import db
from app.models import Application, Attachment, HumanTask, TaskStatus
from tests import journeys


def _submitted_case(client, wait_jobs, seed=3, mobile="13911115555"):
    return journeys.submitted_case(client, wait_jobs, seed=seed, mobile=mobile, rendered=False)


def test_disguised_and_oversize_uploads_are_refused_and_not_stored(app, client, wait_jobs):
    materials = journeys.make_materials()
    journeys.register(client, materials["person"])
    app_id = journeys.start_application(client)
    resp = journeys.upload(client, app_id, "lease", b"MZ\x90\x00" + b"\x00" * 500, "lease.pdf")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "lease.pdf" in page and ("不是" in page or "not a JPEG" in page)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    resp = journeys.upload(client, app_id, "lease", big, "big.png")
    assert resp.status_code == 413
    assert "MB" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Attachment)).scalar() == 0


def test_submit_twice_makes_one_case(app, client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs)
    resp = client.post(f"/applications/{app_id}/submit")
    assert resp.status_code == 302 and f"/cases/{app_id}" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已经提交" in page or "already submitted" in page or "已提交" in page
    with app.app_context():
        assert (
            db.session.execute(
                db.select(db.func.count())
                .select_from(Application)
                .where(Application.case_number.is_not(None))
            ).scalar()
            == 1
        )
        tasks = (
            db.session.execute(db.select(HumanTask).where(HumanTask.application_id == app_id))
            .scalars()
            .all()
        )
        assert len(tasks) == 4  # the intake and three reviews, not twice that


def test_incomplete_application_cannot_be_submitted(app, client):
    materials = journeys.make_materials()
    journeys.register(client, materials["person"])
    app_id = journeys.start_application(client)
    journeys.fill_form(client, app_id, materials["person"])
    resp = client.post(f"/applications/{app_id}/submit")
    assert resp.status_code == 302 and "confirm" in resp.headers["Location"]
    with app.app_context():
        assert db.session.get(Application, app_id).case_number is None


def test_citizen_cannot_see_another_citizens_case_or_files(app, client, make_client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs)
    with app.app_context():
        att_id = db.session.execute(db.select(Attachment.id)).scalars().first()
    intruder = make_client()
    intruder.login("13800138000")
    assert intruder.get(f"/cases/{app_id}").status_code == 404
    assert intruder.get(f"/applications/{app_id}").status_code == 404
    assert intruder.get(f"/files/{att_id}").status_code == 404
    assert intruder.get(f"/files/{att_id}/preview").status_code == 404
    assert client.get(f"/files/{att_id}").status_code == 200
    assert client.get(f"/files/{att_id}/preview").status_code == 200


def test_clerk_of_another_department_cannot_open_the_task(app, client, make_client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs)
    with app.app_context():
        tax_task = db.session.execute(
            db.select(HumanTask).where(HumanTask.application_id == app_id, HumanTask.lane == "tax")
        ).scalar()
        att_id = db.session.execute(db.select(Attachment.id)).scalars().first()
    housing = make_client()
    housing.login("clerk_housing_fund")
    resp = housing.get(f"/clerk/tasks/{tax_task.id}")
    assert resp.status_code == 403
    assert "其他部门" in resp.get_data(as_text=True) or "another department" in resp.get_data(
        as_text=True
    )
    assert (
        housing.post(
            f"/clerk/tasks/{tax_task.id}/decide", {"approved": "true", "comment": ""}
        ).status_code
        == 403
    )
    assert housing.get(f"/files/{att_id}").status_code == 404
    tax = make_client()
    tax.login("clerk_tax")
    assert tax.get(f"/files/{att_id}").status_code == 200


def test_two_clerks_claim_one_task_exactly_one_wins(app, client, make_client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs)
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
    first, second = make_client(), make_client()
    first.login("clerk_tax")
    second.login("lead_tax")
    results = {}

    def claim(name, c):
        results[name] = c.post(f"/clerk/tasks/{task_id}/claim")

    threads = [
        threading.Thread(target=claim, args=(n, c)) for n, c in (("a", first), ("b", second))
    ]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.status == TaskStatus.CLAIMED
        winner = task.assignee.username
    loser = second if winner == "clerk_tax" else first
    page = loser.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert task.assignee.real_name in page
    resp = loser.post(f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": "x"})
    body = loser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已由" in body or "already taken" in body
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.CLAIMED


def test_reject_without_reason_is_refused(app, client, make_client, wait_jobs):
    app_id = _submitted_case(client, wait_jobs)
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
    tax = make_client()
    tax.login("clerk_tax")
    resp = tax.post(f"/clerk/tasks/{task_id}/decide", {"approved": "false", "comment": " "})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.OPEN


def test_a_service_that_does_not_exist_is_not_found_in_the_pages_language(client):
    chinese = client.get("/services/no_such_service")
    assert chinese.status_code == 404
    text = chinese.get_data(as_text=True)
    assert "页面不存在" in text and "该事项不存在或已停止办理。" in text
    assert "service not found" not in text and "请求被拒绝" not in text
    english = client.get("/services/no_such_service?lang=en").get_data(as_text=True)
    assert "Not found" in english and "This service does not exist" in english
