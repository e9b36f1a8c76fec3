"""What the applicant is told, and what the clerks' queue says: the defects of issue 11.

No status or message claims an acceptance (受理) that did not happen; the applicant's
timeline shows only public steps, and the decision only once the case is decided; a
rejection's reason is given once, wherever it is told; the queue's button to open a task
does not read like the task's status."""

from __future__ import annotations

import re

from app.domain.events import PUBLIC_STEP_KINDS
from app.extensions import db
from app.models import Application, HumanTask, Notification
from tests import decisions, journeys


def _timeline_kinds(page: str) -> list[str]:
    timeline = page[page.index('id="timeline"') :]
    return re.findall(r'<li data-kind="([a-z_]+)"', timeline)


def _citizen_notes(app_id: int) -> list[Notification]:
    citizen_id = db.session.get(Application, app_id).citizen_id
    return list(
        db.session.execute(
            db.select(Notification)
            .where(Notification.recipient_id == citizen_id)
            .order_by(Notification.id)
        ).scalars()
    )


def test_a_submitted_case_is_not_called_accepted(app, client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=41, mobile="13911119101", rendered=False, accept=False
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert "已提交，待受理" in page  # the intake task is open: nobody accepted it yet
    assert "已受理" not in page
    assert "已提交，待受理" in client.get("/cases").get_data(as_text=True)
    with app.app_context():
        notes = _citizen_notes(app_id)
        assert notes[0].kind == "case_submitted"
        assert notes[0].title.startswith("申请已提交") and "待受理" not in notes[0].title
        assert "等待部门受理" in notes[0].body
        texts = [n.title + n.body for n in notes] + [d.content for n in notes for d in n.deliveries]
        assert not any("已受理" in text for text in texts)


def test_the_applicant_sees_public_steps_only_and_no_intermediate_verdict(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_housing_fund(client, wait_jobs, amount=60000)
    number = decisions.case_number(app, app_id)
    clerk = make_client()
    clerk.login("clerk_housing_fund")
    assert (
        journeys.decide_task(clerk, number, approved=True, comment="经办人同意").status_code == 302
    )

    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    kinds = _timeline_kinds(page)
    assert kinds == ["submitted", "accepted"]  # no task_opened, auto_review, task_done
    assert "准予许可" not in page and "经办人同意" not in page  # the clerk's verdict is internal
    assert 'id="decision"' not in page

    lead = make_client()
    lead.login("lead_housing_fund")
    assert (
        journeys.decide_task(lead, number, approved=False, comment="提取理由不充分").status_code
        == 302
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    kinds = _timeline_kinds(page)
    assert set(kinds) <= PUBLIC_STEP_KINDS and kinds[0] == "submitted" and kinds[-1] == "decided"
    assert "准予许可" not in page  # only the final 不予许可
    assert page.count("提取理由不充分") == 1  # the reason, once, with the decision

    # The clerks still see every step, the intermediate approval included.
    with app.app_context():
        first_task = db.session.execute(
            db.select(HumanTask.id).where(HumanTask.application_id == app_id).order_by(HumanTask.id)
        ).scalar()
    clerk_page = clerk.get(f"/clerk/tasks/{first_task}").get_data(as_text=True)
    assert "准予许可" in clerk_page and "经办人同意" in clerk_page


def test_a_rejection_reason_is_told_once(app, client, make_client, wait_jobs):
    app_id = journeys.submitted_housing_fund(client, wait_jobs, amount=60000)
    number = decisions.case_number(app, app_id)
    clerk = make_client()
    clerk.login("clerk_housing_fund")
    assert journeys.decide_task(clerk, number, approved=True, comment="同意").status_code == 302
    lead = make_client()
    lead.login("lead_housing_fund")
    resp = journeys.decide_task(lead, number, approved=False, comment="提取理由不充分")
    assert resp.status_code == 302
    wait_jobs()
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.decision == "rejected"
        assert application.decision_comment == "提取理由不充分"
        rejected = [n for n in _citizen_notes(app_id) if n.kind == "case_rejected"]
        assert len(rejected) == 1
        assert rejected[0].body.count("提取理由不充分") == 1
        sms = [d.content for d in rejected[0].deliveries]
        assert len(sms) == 1 and sms[0].count("提取理由不充分") == 1
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert page.count("提取理由不充分") == 1


def test_the_queue_button_does_not_read_like_the_status(app, client, wait_jobs, make_client):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=42, mobile="13911119102", rendered=False
    )
    number = decisions.case_number(app, app_id)
    clerk = make_client()
    clerk.login("clerk_tax")
    page = clerk.get("/clerk/").get_data(as_text=True)
    row = re.search(rf'<tr data-task="\d+" data-case="{number}".*?</tr>', page, re.S).group(0)
    assert 'data-status="open">待办理<' in row  # the status badge
    button = re.search(r'<a class="btn[^"]*" href="/clerk/tasks/\d+">([^<]*)</a>', row).group(1)
    assert button == "办理"
