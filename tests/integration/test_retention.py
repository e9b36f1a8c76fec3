"""Retention: the scheduler anonymises a closed case past its service's retention — personal
data replaced, files removed, a purge record written — and the statistics stay the same."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Application, AuditRecord, CaseEvent, HumanTask, utcnow
from app.services import analytics, audit, periods, retention, scheduler, uploads
from tests import decisions, journeys


def _figures(period) -> dict:
    services = analytics.service_performance(period)
    return {
        "csv": analytics.services_csv(services, "en"),
        "totals": analytics.totals(services),
        "auto_review": analytics.auto_review_summary(period),
        "departments": [
            {k: v for k, v in row.items() if k != "department"}
            for row in analytics.department_performance(period)
        ],
    }


def test_a_case_past_its_retention_is_anonymised_by_the_scheduler_and_counts_remain(
    app, client, make_client, wait_jobs
):
    closed = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=51, mobile="13911115101"
    )
    citizen_b = make_client()
    still_open = journeys.submitted_case(
        citizen_b, wait_jobs, seed=52, mobile="13911115102", rendered=False
    )
    now = utcnow()
    for app_id in (closed, still_open):  # both older than the (shortened) retention
        decisions.move_case(
            app,
            app_id,
            submitted=now - timedelta(days=4),
            decided=now - timedelta(days=3) if app_id == closed else None,
            due=now + timedelta(days=5),
        )
    with app.app_context():
        case = db.session.get(Application, closed)
        case.service.definition = {**case.service.definition, "retention_days": 2}
        db.session.commit()
        id_number = case.form_data["legal_rep_id_number"]
        assert id_number in case.instance.state_json
        stored = [uploads.path_for(a.stored_name) for a in case.attachments]
        assert stored and all(p.exists() for p in stored)
        period = periods.period(30)
        before = _figures(period)
        open_form = dict(db.session.get(Application, still_open).form_data)
        assert open_form
        db.session.remove()

    with app.app_context():  # one round, as the scheduler thread or Celery beat runs it
        assert scheduler.tick(app)["cases_anonymised"] == 1
        db.session.remove()

    with app.app_context():
        case = db.session.get(Application, closed)
        assert case.anonymised_at is not None and case.form_data == {}
        assert case.status.value == "approved" and case.decision == "approved"
        assert case.case_number and case.decided_at is not None
        assert {a.original_name for a in case.attachments} == {retention.REMOVED_NAME}
        assert all(set(a.review or {}) <= set(retention.REVIEW_KEPT) for a in case.attachments)
        assert not any(p.exists() for p in stored)
        tasks = db.session.execute(
            db.select(HumanTask).where(HumanTask.application_id == closed)
        ).scalars()
        assert {(t.outcome, t.comment) for t in tasks} == {("accepted", None), ("approved", None)}
        steps = db.session.execute(
            db.select(CaseEvent).where(CaseEvent.application_id == closed)
        ).scalars()
        assert all(s.message is None for s in steps)
        assert id_number not in case.instance.state_json  # the form's values left the process
        assert _figures(period) == before
        purge = db.session.execute(
            db.select(AuditRecord).where(AuditRecord.action == "purge")
        ).scalar_one()
        assert purge.object_id == str(closed) and purge.details["files"] == len(stored)
        assert audit.verify().ok
        assert db.session.get(Application, still_open).form_data == open_form
        db.session.remove()

    with app.app_context():
        assert scheduler.tick(app)["cases_anonymised"] == 0  # done once
    page = client.get(f"/cases/{closed}")
    assert page.status_code == 200
    admin = make_client()
    admin.login("admin")
    assert admin.get(f"/admin/processes/cases/{closed}/diagram").status_code == 200


def test_each_service_keeps_its_own_retention_and_the_oldest_expire_first(app, demo, wait_jobs):
    """The job reads each service's expired cases apart (one statement), oldest first, at most
    a batch: a case of a service that keeps its cases longer waits, however old."""
    from app.models import Department, Service
    from tests import queue_data

    now = utcnow()
    with app.app_context():
        source = queue_data.real_case()
        wait_jobs()
        services = {s.code: s for s in db.session.execute(db.select(Service)).scalars() if s.code}
        short, long_ = services["business_registration"], services["residence_permit"]
        short.definition = {**short.definition, "retention_days": 25}
        long_.definition = {**long_.definition, "retention_days": 45}
        tax = db.session.execute(db.select(Department.id).where(Department.code == "tax")).scalar()
        db.session.commit()
        tasks = queue_data.clone_tasks(
            source, tax, 6, first_number=1, services=[short.id, long_.id], closed=True
        )
        closed_at = {}
        for k, task_id in enumerate(tasks, start=1):  # closed 10, 20 … 60 days ago
            case = db.session.get(HumanTask, task_id).application
            case.decided_at = now - timedelta(days=10 * k)
            closed_at[case.id] = (case.decided_at, case.service_id)
        db.session.commit()
        keeps = {short.id: 25, long_.id: 45}
        expected = sorted(
            (at, app_id)
            for app_id, (at, service_id) in closed_at.items()
            if at < now - timedelta(days=keeps[service_id])
        )
        # the short-kept cases closed 40 and 60 days ago, and the long-kept one closed 50 days
        # ago (the long-kept one closed 30 days ago waits)
        assert len(expected) == 3
        assert retention.expired_case_ids(now) == [app_id for _, app_id in expected]
        assert retention.expired_case_ids(now, limit=2) == [app_id for _, app_id in expected[:2]]
