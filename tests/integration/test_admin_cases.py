"""Running cases for administrators (issue 13): the list per process and version, and
suspend / resume / terminate with a reason: the applicant is told, it is audited, a
suspended case's tasks cannot be decided and its timers do not fire, a terminated case
ends as `terminated`, never as a rejection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import Conflict
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    AuditRecord,
    CaseEvent,
    HumanTask,
    Notification,
    TaskStatus,
    User,
    WorkflowInstance,
    utcnow,
)
from app.services import approvals, running_cases, scheduler
from tests import journeys
from tests.statements import counted_statements


@pytest.fixture()
def case_id(client, wait_jobs):
    """A submitted business registration still awaiting its intake decision (its intake
    timer set), the citizen logged in on `client`."""
    return journeys.submitted_case(
        client, wait_jobs, seed=31, mobile="13911118101", rendered=False, accept=False
    )


def _admin(app):
    return db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()


def _intake_task(app_id):
    return db.session.execute(
        db.select(HumanTask).where(
            HumanTask.application_id == app_id,
            HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
        )
    ).scalar_one()


def _clerk(code="market_regulation"):
    return db.session.execute(db.select(User).where(User.username == f"clerk_{code}")).scalar_one()


def _told(app_id) -> list[str]:
    return list(
        db.session.execute(
            db.select(Notification.kind)
            .where(Notification.application_id == app_id)
            .order_by(Notification.id)
        ).scalars()
    )


def _audited(app_id) -> list[tuple[str, str]]:
    rows = db.session.execute(
        db.select(AuditRecord).where(
            AuditRecord.object_type == "case",
            AuditRecord.object_id == str(app_id),
            AuditRecord.action == "admin_change",
        )
    ).scalars()
    return [(r.details["change"], r.details.get("reason")) for r in rows]


def test_suspend_holds_tasks_and_timers_and_resume_restores_them(app, case_id):
    with app.app_context():
        admin = _admin(app)
        with pytest.raises(Exception) as refused:
            running_cases.suspend(admin, case_id, "   ")
        assert "reason" in getattr(refused.value, "errors", {})
        running_cases.suspend(admin, case_id, "材料真实性待核查")
        db.session.remove()

        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == case_id)
        ).scalar_one()
        assert inst.status == "suspended" and inst.suspend_reason == "材料真实性待核查"
        task = _intake_task(case_id)
        with pytest.raises(Conflict) as held:
            approvals.decide(_clerk(), task.id, {"intake": "accept"})
        assert held.value.code == "case_suspended"
        db.session.remove()
        # the intake timer (5 working days) is long due a month later: it does not fire
        later = utcnow() + timedelta(days=30)
        assert scheduler.fire_due_timers(now=later) == 0
        assert db.session.get(Application, case_id).accepted_at is None

        running_cases.resume(_admin(app), case_id)
        db.session.remove()
        assert scheduler.fire_due_timers(now=later) == 1  # deemed accepted now
        db.session.remove()
        application = db.session.get(Application, case_id)
        assert application.accepted_at is not None
        assert _told(case_id)[-2:] == ["case_suspended", "case_resumed"] or {
            "case_suspended",
            "case_resumed",
        } <= set(_told(case_id))
        assert _audited(case_id) == [("suspend", "材料真实性待核查"), ("resume", None)]
        kinds = set(
            db.session.execute(
                db.select(CaseEvent.kind).where(CaseEvent.application_id == case_id)
            ).scalars()
        )
        assert {"suspended", "resumed", "deemed_accepted"} <= kinds


def test_resumed_case_can_be_decided(app, case_id):
    with app.app_context():
        running_cases.suspend(_admin(app), case_id, "核查")
        running_cases.resume(_admin(app), case_id, "核查完毕")
        db.session.remove()
        approvals.decide(_clerk(), _intake_task(case_id).id, {"intake": "accept"})
        db.session.remove()
        assert db.session.get(Application, case_id).accepted_at is not None


def test_terminate_ends_the_case_with_its_reason_never_as_a_rejection(app, case_id):
    with app.app_context():
        running_cases.suspend(_admin(app), case_id, "核查")
        running_cases.terminate(_admin(app), case_id, "申请人已死亡，依法终止办理")
        db.session.remove()
        application = db.session.get(Application, case_id)
        assert application.status == ApplicationStatus.TERMINATED
        assert application.outcome_detail == "terminated"
        assert application.decision is None  # not "rejected"
        assert application.decision_comment == "申请人已死亡，依法终止办理"
        assert application.instance.status == "terminated"
        assert not db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == case_id,
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).first()
        assert "case_terminated" in _told(case_id)
        assert _audited(case_id)[-1] == ("terminate", "申请人已死亡，依法终止办理")
        with pytest.raises(Conflict):
            running_cases.terminate(_admin(app), case_id, "again")
        with pytest.raises(Conflict):
            running_cases.suspend(_admin(app), case_id, "again")


def test_the_citizen_sees_the_suspension_on_the_case_page(app, client, case_id):
    with app.app_context():
        running_cases.suspend(_admin(app), case_id, "材料真实性待核查")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "材料真实性待核查" in page


def test_the_list_pages_by_keyset_in_constant_statements(app, client, case_id, make_client):
    admin = make_client()
    admin.login("admin")
    with app.app_context():
        number = db.session.get(Application, case_id).case_number
    body = admin.get("/admin/cases").get_data(as_text=True)
    assert f'data-case="{number}"' in body
    body = admin.get("/admin/cases?process=business_registration&state=running").get_data(
        as_text=True
    )
    assert f'data-case="{number}"' in body
    assert f'data-case="{number}"' not in admin.get(
        "/admin/cases?process=residence_permit"
    ).get_data(as_text=True)
    assert f'data-case="{number}"' not in admin.get("/admin/cases?state=suspended").get_data(
        as_text=True
    )
    # a bad value is dropped, not an error page
    assert admin.get("/admin/cases?version=abc&state=nonsense&before=x").status_code == 200

    # suspend through the page: the reason is required
    resp = admin.post(f"/admin/cases/{case_id}/suspend", {"reason": ""})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Application, case_id).instance.status != "suspended"
    admin.post(f"/admin/cases/{case_id}/suspend", {"reason": "核查"})
    body = admin.get("/admin/cases?state=suspended").get_data(as_text=True)
    assert f'data-case="{number}"' in body and 'data-instance-status="suspended"' in body

    with app.app_context():  # five more running cases, copied in the database
        original = db.session.get(Application, case_id)
        inst = original.instance
        task = _intake_task(case_id)
        for n in range(5):
            copy = Application(
                citizen_id=original.citizen_id,
                service_id=original.service_id,
                status=ApplicationStatus.IN_REVIEW,
                case_number=f"{number}C{n}",
                form_data={},
                submitted_at=original.submitted_at,
                due_at=original.due_at,
            )
            db.session.add(copy)
            db.session.flush()
            twin = WorkflowInstance(
                application_id=copy.id,
                process_version_id=inst.process_version_id,
                state_json=inst.state_json,
                status="waiting",
            )
            db.session.add(twin)
            db.session.flush()
            db.session.add(
                HumanTask(
                    instance_id=twin.id,
                    application_id=copy.id,
                    spiff_task_id=task.spiff_task_id,
                    element_id=task.element_id,
                    name=task.name,
                    department_id=task.department_id,
                )
            )
        db.session.commit()
        db.session.remove()

    def statements(url: str) -> tuple[int, str]:
        with app.app_context(), counted_statements(db.engine) as seen:
            body = admin.get(url).get_data(as_text=True)
        return len(seen), body

    one, body_one = statements(f"/admin/cases?state=all&q={number}C0")
    six, body_six = statements("/admin/cases?state=all")
    assert body_one.count("data-case=") == 1 and body_six.count("data-case=") == 6
    assert one == six, (one, six)
