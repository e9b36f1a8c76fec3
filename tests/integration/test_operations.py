"""The operations endpoints: /healthz (the process answers), /readyz (the database, its schema
and the job broker; 503 naming what failed) and /metrics (request timings and the live state,
for a scraper holding METRICS_TOKEN only); the scheduler's rounds, recorded so that a stopped
scheduler shows on the administrators' landing page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import (
    Department,
    HumanTask,
    Job,
    JobStatus,
    SchedulerRound,
    TaskStatus,
    utcnow,
)
from app.services import clock_alerts, operations, scheduler
from tests import queue_data
from tests.metrics_text import sample as _sample
from tests.statements import counted_statements

TOKEN = "scrape-secret"


@pytest.fixture()
def scraper(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)

    def scrape() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.data[:500]
        assert response.content_type.startswith("text/plain; version=")
        return response.get_data(as_text=True)

    return scrape


@pytest.fixture()
def add_jobs(app, demo):
    """Add job rows no runner is told of; they are deleted after the test (a runner waiting
    for the queue to empty would wait for them)."""
    added: list[int] = []

    def add(*jobs: Job) -> None:
        with app.app_context():
            db.session.add_all(jobs)
            db.session.commit()
            added.extend(job.id for job in jobs)

    yield add
    with app.app_context():
        db.session.execute(db.delete(Job).where(Job.id.in_(added)))
        db.session.commit()


def test_healthz_answers_without_the_database_or_a_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    checks = response.json["checks"]
    assert set(checks) == {"database", "schema", "jobs"}
    assert all(c["ok"] for c in checks.values())
    assert checks["schema"]["detail"] == ", ".join(sorted(operations.migration_heads()))
    assert "Set-Cookie" not in response.headers


def test_readyz_refuses_a_database_behind_the_code(app, client):
    with app.app_context():
        (applied,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
        db.session.execute(text("UPDATE alembic_version SET version_num = '0034'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": applied})
            db.session.commit()
    assert response.status_code == 503
    schema = response.json["checks"]["schema"]
    assert (
        not schema["ok"] and "0034" in schema["detail"] and "flask db upgrade" in schema["detail"]
    )
    assert response.json["checks"]["database"]["ok"]
    assert client.get("/readyz").status_code == 200


def test_readyz_says_the_database_is_down_without_naming_it(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SIGNING_DIR=str(tmp_path / "signing"),
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    database = response.json["checks"]["database"]
    assert database == {**database, "ok": False, "detail": "OperationalError"}
    assert str(missing.parent) not in response.get_data(as_text=True)
    assert response.json["checks"]["jobs"]["ok"]


def test_readyz_says_the_job_broker_is_down(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "READY_CHECK_TIMEOUT_SECONDS", 0.5)
    response = client.get("/readyz")
    assert response.status_code == 503
    jobs = response.json["checks"]["jobs"]
    assert not jobs["ok"] and jobs["detail"] == "ConnectionError"
    assert response.json["checks"]["database"]["ok"]


def test_metrics_do_not_exist_without_a_token_and_refuse_a_wrong_one(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert client.get("/metrics").status_code == 404
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer scrape-secreT"})
    assert wrong.status_code == 401 and "onewindow" not in wrong.get_data(as_text=True)


def test_metrics_count_each_request_by_endpoint_method_and_status(client, scraper):
    labels = {"endpoint": "portal.home", "method": "GET", "status": "200"}
    before = _sample(scraper(), "onewindow_http_request_duration_seconds_count", **labels) or 0
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    body = scraper()
    name = "onewindow_http_request_duration_seconds"
    assert _sample(body, f"{name}_count", **labels) == before + 3
    assert _sample(body, f"{name}_bucket", **labels, le="+Inf") == before + 3
    missing = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert _sample(body, f"{name}_count", **missing) >= 1
    # the scrapes themselves and the probes are not timed
    assert "ops.metrics" not in body and "ops.readyz" not in body


def test_metrics_give_the_live_state_from_the_database(app, demo, scraper, add_jobs):
    now = utcnow()
    with app.app_context():
        app_id = queue_data.real_case()  # waits at three departments' reviews
        late_task = db.session.execute(
            db.select(HumanTask)
            .where(HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN)
            .limit(1)
        ).scalar_one()
        late_task.due_at = now - timedelta(days=1)
        db.session.commit()
        expected = {}
        for code, due in db.session.execute(
            db.select(Department.code, HumanTask.due_at)
            .join(Department, Department.id == HumanTask.department_id)
            .where(HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]))
        ):
            live, late = expected.get(code, (0, 0))
            expected[code] = (live + 1, late + (due is not None and due < now))
    assert sum(live for live, _ in expected.values()) >= 3
    assert sum(late for _, late in expected.values()) >= 1
    add_jobs(
        Job(kind="ping", payload={}, status=JobStatus.QUEUED, lane="heavy",
            created_at=now - timedelta(seconds=600), dispatched_at=now),
        Job(kind="ping", payload={}, status=JobStatus.QUEUED, lane="heavy",
            created_at=now - timedelta(seconds=60), dispatched_at=now),
        Job(kind="ping", payload={}, status=JobStatus.FAILED, lane="default",
            created_at=now, finished_at=now - timedelta(hours=2)),
        Job(kind="ping", payload={}, status=JobStatus.FAILED, lane="default",
            created_at=now, finished_at=now - timedelta(days=3)),
    )  # fmt: skip
    body = scraper()
    for code, (live, late) in expected.items():
        assert _sample(body, "onewindow_tasks_live", department=code) == live
        assert _sample(body, "onewindow_tasks_overdue", department=code) == late
    assert _sample(body, "onewindow_jobs", status="queued", lane="heavy") == 2
    assert 600 <= _sample(body, "onewindow_job_oldest_queued_seconds", lane="heavy") < 700
    assert _sample(body, "onewindow_jobs_failed_24h") == 1
    assert _sample(body, "onewindow_incidents_open") == 0


def test_the_live_state_costs_the_same_statements_whatever_the_rows(app, demo, add_jobs):
    with app.app_context():
        with counted_statements(db.engine) as few:
            operations.gauges()
    now = utcnow()
    add_jobs(
        *(Job(kind="ping", payload={}, status=JobStatus.QUEUED, created_at=now) for _ in range(50))
    )
    with app.app_context():
        with counted_statements(db.engine) as many:
            state = operations.gauges()
    assert state.jobs[("queued", "default")] >= 50
    assert len(many) == len(few) == 6


def test_each_scheduler_round_is_recorded_and_given_to_the_scraper(app, demo, scraper):
    assert _sample(scraper(), "onewindow_scheduler_last_round_age_seconds") is None
    with app.app_context():
        summary = scheduler.tick(app)
        last = scheduler.last_round()
        assert last.summary == summary and "clock_alerts" in summary
        assert last.error is None and last.seconds > 0
        seconds = last.seconds
        scheduler.tick(app)  # the one row is brought up to date, not added to
        assert db.session.execute(db.select(db.func.count(SchedulerRound.id))).scalar() == 1
    body = scraper()
    assert 0 <= _sample(body, "onewindow_scheduler_last_round_age_seconds") < 60
    assert _sample(body, "onewindow_scheduler_last_round_failed") == 0
    assert _sample(body, "onewindow_scheduler_last_round_seconds") != seconds


def test_a_failed_round_is_recorded_with_the_kind_of_error(app, demo, monkeypatch):
    def fail():
        raise RuntimeError("clock alerts broke")

    monkeypatch.setattr(clock_alerts, "push_due_alerts", fail)
    with app.app_context():
        with pytest.raises(RuntimeError):
            scheduler.tick(app)
        db.session.remove()
        last = scheduler.last_round()
        assert last.error == "RuntimeError" and last.summary == {}
        assert operations.scheduler_health().failed


def test_the_landing_page_says_when_the_scheduler_stopped(app, demo, client):
    client.login("admin")

    def alert() -> str | None:
        page = client.get("/admin/").get_data(as_text=True)
        found = re.search(r'id="scheduler-alert"[^>]*>(.*?)</div>', page, re.S)
        return " ".join(found.group(1).split()) if found else None

    assert "定时调度尚未运行" in alert()
    with app.app_context():
        scheduler.tick(app)
    assert alert() is None
    with app.app_context():
        row = scheduler.last_round()
        row.started_at = utcnow() - timedelta(seconds=operations.scheduler_late_after() + 30)
        db.session.commit()
    assert "定时调度自" in alert() and "celery beat" in alert()
    with app.app_context():
        row = scheduler.last_round()
        row.started_at, row.error = utcnow(), "OperationalError"
        db.session.commit()
    assert "运行失败（OperationalError）" in alert()
