"""Withdrawal (撤回): the applicant takes back an undecided case; its workflow and tasks end,
clerks see why, the applicant is told; a decided case stays decided; when a withdrawal and
the final decision meet, exactly one of them wins."""

from __future__ import annotations

import re
import threading

import pytest

from app import uow
from app.domain.errors import Conflict
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    CaseEvent,
    HumanTask,
    Notification,
    TaskStatus,
    User,
    WorkflowInstance,
    utcnow,
)
from app.services import approvals, processes, withdrawal
from app.workflow import runtime
from app.workflow.engine import MigrationRefused
from tests import decisions, journeys


def _kinds(app_id: int) -> list[str]:
    return list(
        db.session.execute(
            db.select(CaseEvent.kind)
            .where(CaseEvent.application_id == app_id)
            .order_by(CaseEvent.id)
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


def _flashes(page: str) -> str:
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', page, re.S))


def test_the_applicant_withdraws_an_undecided_case(app, client, make_client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=21, mobile="13911117001", rendered=False
    )
    number = decisions.case_number(app, app_id)
    tax = make_client()
    tax.login("clerk_tax")
    assert journeys.decide_task(tax, number, approved=True, comment="同意").status_code == 302
    market = make_client()
    market.login("clerk_market_regulation")
    market_task = journeys.open_task_id(market, number)
    assert market.post(f"/clerk/tasks/{market_task}/claim").status_code == 302

    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="withdraw-form"' in page and "撤回申请" in page
    resp = client.post(f"/cases/{app_id}/withdraw", {"reason": "  已在线下窗口办理\n"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cases/{app_id}")
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert "您的申请已撤回" in page
    assert 'data-status="withdrawn">已撤回<' in page
    assert 'data-kind="withdrawn"' in page and "已在线下窗口办理" in page
    assert 'id="withdraw-form"' not in page  # nothing left to withdraw

    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.WITHDRAWN
        assert application.decision is None and application.decided_at is None
        assert _live_tasks(app_id) == []  # the open and the claimed task left the queues
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar_one()
        assert inst.status == runtime.TERMINATED and inst.next_timer_at is None
        assert runtime.load(inst).ready_user_tasks() == []  # the engine's tasks ended too
        step = db.session.execute(
            db.select(CaseEvent).where(
                CaseEvent.application_id == app_id, CaseEvent.kind == "withdrawn"
            )
        ).scalar_one()
        assert step.message == "已在线下窗口办理" and step.actor_id == application.citizen_id
        assert "decided" not in _kinds(app_id)
        note = db.session.execute(
            db.select(Notification).where(
                Notification.recipient_id == application.citizen_id,
                Notification.kind == "case_withdrawn",
            )
        ).scalar_one()
        assert note.title == f"已撤回：{number}" and note.link == f"/cases/{app_id}"
        assert [d.channel for d in note.deliveries] == ["sms"]

    # The clerks: the queue is empty of it, the task page's timeline says why.
    assert f'data-case="{number}"' not in market.get("/clerk/").get_data(as_text=True)
    task_page = market.get(f"/clerk/tasks/{market_task}").get_data(as_text=True)
    assert "申请人已撤回" in task_page
    resp = market.post(f"/clerk/tasks/{market_task}/decide", {"approved": "true", "comment": "x"})
    assert "申请人已撤回该办件" in _flashes(
        market.get(resp.headers["Location"]).get_data(as_text=True)
    )

    # A second withdrawal is refused, and nothing changes.
    resp = client.post(f"/cases/{app_id}/withdraw", {"reason": ""})
    assert "该办件已撤回" in client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert _kinds(app_id).count("withdrawn") == 1


def test_a_decided_case_cannot_be_withdrawn(app, client, make_client, wait_jobs):
    app_id = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=22, mobile="13911117002"
    )
    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="withdraw-form"' not in page
    resp = client.post(f"/cases/{app_id}/withdraw", {"reason": "改主意了"})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "该办件已作出决定，不能再撤回" in page
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.APPROVED
        assert "withdrawn" not in _kinds(app_id)


def test_someone_elses_case_and_a_draft_cannot_be_withdrawn(app, client, make_client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=23, mobile="13911117003", rendered=False
    )
    other = make_client()
    other.login("13800138000")
    assert other.post(f"/cases/{app_id}/withdraw", {"reason": ""}).status_code == 404
    draft_id = journeys.start_application(client)
    with app.app_context():
        citizen = db.session.get(Application, app_id).citizen
        with pytest.raises(Conflict) as refused:
            withdrawal.withdraw(citizen, db.session.get(Application, draft_id))
        assert refused.value.code == "not_submitted"
        assert db.session.get(Application, app_id).status == ApplicationStatus.IN_REVIEW


def test_a_decision_that_came_first_wins_over_a_withdrawal_from_a_stale_page(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=24, mobile="13911117004", rendered=False
    )
    with app.app_context():
        application = db.session.get(Application, app_id)  # read before the decision…
        citizen = application.citizen
        assert application.status == ApplicationStatus.IN_REVIEW
        with app.app_context():  # …which the clerks then make, in their own sessions
            for task in _live_tasks(app_id):
                clerk = db.session.execute(
                    db.select(User).where(User.department_id == task.department_id)
                ).scalar()
                approvals.decide(clerk, task.id, {"approved": "true", "comment": "同意"})
        with pytest.raises(Conflict) as refused:
            withdrawal.withdraw(citizen, application, "太慢了")
        assert refused.value.code == "already_decided"
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.APPROVED
        assert "withdrawn" not in _kinds(app_id)


def test_a_withdrawal_that_came_first_wins_over_a_clerk_on_a_stale_page(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=25, mobile="13911117005", rendered=False
    )
    number = decisions.case_number(app, app_id)
    clerk = make_client()
    clerk.login("clerk_tax")
    task_id = journeys.open_task_id(clerk, number)
    clerk.get(f"/clerk/tasks/{task_id}")
    clerk.post(f"/clerk/tasks/{task_id}/claim", {"reason": ""})  # the form shows once held
    assert "approved" in clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert client.post(f"/cases/{app_id}/withdraw", {"reason": ""}).status_code == 302
    with app.app_context():
        tax = db.session.execute(db.select(User).where(User.username == "clerk_tax")).scalar()
        with pytest.raises(Conflict) as refused:
            approvals.decide(tax, task_id, {"approved": "true", "comment": "同意"})
        assert refused.value.code == "task_cancelled"
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.WITHDRAWN
        assert db.session.get(HumanTask, task_id).status == TaskStatus.CANCELLED
        kinds = _kinds(app_id)
        assert "decided" not in kinds and kinds.count("task_done") == 1  # the intake only


def _in_thread(app, barrier, results, name, action):
    with app.app_context():
        barrier.wait()
        try:
            action()
            results[name] = "ok"
        except Conflict as exc:
            results[name] = exc.code
        finally:
            db.session.remove()


def test_withdrawal_and_the_last_decision_at_the_same_moment_exactly_one_wins(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=26, mobile="13911117006", rendered=False
    )
    number = decisions.case_number(app, app_id)
    for code in ("market_regulation", "tax"):
        clerk = make_client()
        clerk.login(f"clerk_{code}")
        assert journeys.decide_task(clerk, number, approved=True, comment="同意").status_code == 302
    with app.app_context():
        last = _live_tasks(app_id)[0].id

    def decide():
        clerk = db.session.execute(
            db.select(User).where(User.username == "clerk_social_security")
        ).scalar()
        approvals.decide(clerk, last, {"approved": "true", "comment": "同意"})

    def withdraw():
        application = db.session.get(Application, app_id)
        withdrawal.withdraw(application.citizen, application, "同时撤回")

    barrier = threading.Barrier(2)
    results: dict = {}
    threads = [
        threading.Thread(target=_in_thread, args=(app, barrier, results, name, action))
        for name, action in (("decide", decide), ("withdraw", withdraw))
    ]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(results) == ["decide", "withdraw"]
    assert list(results.values()).count("ok") == 1, results
    with app.app_context():
        application = db.session.get(Application, app_id)
        kinds = _kinds(app_id)
        if results["withdraw"] == "ok":
            assert results["decide"] == "task_cancelled"
            assert application.status == ApplicationStatus.WITHDRAWN
            assert application.decision is None and "decided" not in kinds
            assert _live_tasks(app_id) == []
        else:
            assert results["withdraw"] == "already_decided"
            assert application.status == ApplicationStatus.APPROVED
            assert "withdrawn" not in kinds


def test_a_withdrawn_case_stays_ended_whatever_arrives_late(app, client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=27, mobile="13911117007", rendered=False
    )
    assert client.post(f"/cases/{app_id}/withdraw", {"reason": ""}).status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        inst = application.instance
        revision, state, kinds = inst.revision, inst.state_json, _kinds(app_id)
        with uow.unit_of_work():  # an administrator's retry, a timer, an operator's result
            runtime.retry(inst.id)
            runtime.fire_timers(inst.id, utcnow())
            runtime.complete_service_call(inst.id, "late-task", {"auto_review": {}})
        assert processes.migration_targets(application) == []
        with pytest.raises(MigrationRefused):
            runtime.migrate(inst.id, inst.process_version)
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.WITHDRAWN and application.decision is None
        assert (application.instance.revision, application.instance.state_json) == (revision, state)
        assert _kinds(app_id) == kinds and _live_tasks(app_id) == []
        overview = {row["process_id"]: row["running"] for row in processes.list_processes()}
        assert overview[application.service.process_id] == 0
