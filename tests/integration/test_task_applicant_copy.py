"""Each task carries its case's applicant (`human_task.citizen_id`, migration 0032): written
with every new task, and filled in for the tasks already there by the upgrade. The queue's
applicant filter reads this copy alone, so a task without it would drop out of the filtered
queue (tests/integration/test_clerk_workspace.py holds the filter itself)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
from app.models import Application, HumanTask
from tests import queue_data


def _applicants(app_id: int) -> dict[int, int | None]:
    """{task id: its copy of the applicant} for the case's tasks."""
    rows = db.session.execute(
        db.select(HumanTask.id, HumanTask.citizen_id).where(HumanTask.application_id == app_id)
    )
    return dict(rows.all())


def test_a_new_task_carries_its_cases_applicant(app, demo):
    with app.app_context():
        app_id = queue_data.real_case(citizen_name="赵六")
        citizen_id = db.session.get(Application, app_id).citizen_id
        tasks = _applicants(app_id)
    assert len(tasks) == 4  # intake, then the three departments' reviews
    assert set(tasks.values()) == {citizen_id}


def test_the_upgrade_fills_in_the_applicant_of_the_tasks_already_there(app, demo):
    with app.app_context():
        first = queue_data.real_case(citizen_name="赵六")
        second = queue_data.real_case(citizen_name="钱七", case_number="YW20260101000002")
        expected = {
            **dict.fromkeys(_applicants(first), db.session.get(Application, first).citizen_id),
            **dict.fromkeys(_applicants(second), db.session.get(Application, second).citizen_id),
        }
        db.session.remove()
        try:
            downgrade(revision="0031")
            db.engine.dispose()  # no connection keeps a statement prepared on the old table
            columns = {c["name"] for c in inspect(db.engine).get_columns("human_task")}
            assert "citizen_id" not in columns
        finally:
            upgrade()  # the rest of the session runs on the head schema whatever happened
            db.engine.dispose()
        filled = {**_applicants(first), **_applicants(second)}
    assert filled == expected
    assert len(set(filled.values())) == 2
