"""Journey steps past submission, for the analytics and rating tests: clerks decide through
HTTP, a residence-permit case goes through a correction (补正), history is moved back in time."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from app.extensions import db
from app.models import Application, HumanTask
from app.services import rollup_rebuild
from tests import journeys


def case_number(app, app_id: int) -> str:
    """The case number of application `app_id`."""
    with app.app_context():
        return db.session.get(Application, app_id).case_number


def decide_all(
    app, make_client, app_id: int, *, rejecting: tuple = (), reason: str = "材料不全，不予许可"
) -> None:
    """Each business-registration department decides through its queue; `rejecting` say no,
    giving `reason`."""
    number = case_number(app, app_id)
    for code in journeys.DEPARTMENTS:
        clerk = make_client()
        clerk.login(f"clerk_{code}")
        task_id = journeys.open_task_id(clerk, number)
        approved = code not in rejecting
        resp = clerk.post(
            f"/clerk/tasks/{task_id}/decide",
            {
                "approved": "true" if approved else "false",
                "comment": "同意" if approved else reason,
            },
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]


def decided_case(
    app, client, make_client, wait_jobs, *, seed: int, mobile: str, rejecting: tuple = ()
) -> int:
    """A citizen (logged in on `client`) with a decided business-registration case."""
    app_id = journeys.submitted_case(client, wait_jobs, seed=seed, mobile=mobile, rendered=False)
    decide_all(app, make_client, app_id, rejecting=rejecting)
    return app_id


def corrected_case(app, client, make_client, wait_jobs, *, seed: int, mobile: str) -> int:
    """A residence-permit case: the police ask for a correction, the citizen answers, the
    police approve. Blank images stand in for the documents (the review is not looked at)."""
    import random

    from ml.synthetic import render

    _, person = render("id_card_front", random.Random(seed), capture="clean")
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, mobile)
    number = case_number(app, app_id)
    police = make_client()
    police.login("clerk_public_security")
    resp = police.post(
        f"/clerk/tasks/{journeys.open_task_id(police, number)}/decide",
        {"decision": "correct", "correction_items": "请重新上传在职证明"},
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/cases/{app_id}/correction",
        {"note": "已重新上传", "file:employment": (io.BytesIO(journeys.blank_png()), "e2.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    wait_jobs()
    resp = police.post(
        f"/clerk/tasks/{journeys.open_task_id(police, number)}/decide", {"decision": "approve"}
    )
    assert resp.status_code == 302
    return app_id


def move_case(
    app,
    app_id: int,
    *,
    submitted: datetime,
    decided: datetime | None,
    due: datetime,
    task_times: tuple | None = None,
) -> None:
    """Move a case's history back in time (as if it had happened then): its submission,
    decision and due date, and optionally every human task's (created, completed, due);
    then rebuild the analytics rollups, as `flask analytics rebuild` would."""
    with app.app_context():
        application = db.session.get(Application, app_id)
        application.submitted_at, application.decided_at = submitted, decided
        application.due_at = due
        if task_times is not None:
            created, completed, task_due = task_times
            for task in db.session.execute(
                db.select(HumanTask).where(HumanTask.application_id == app_id)
            ).scalars():
                task.created_at, task.due_at = created, task_due
                if task.completed_at is not None:
                    task.completed_at = completed
                    task.working_days = None  # measured again by the rebuild
        application.lead_working_days = None
        db.session.commit()
        rollup_rebuild.rebuild()  # history changed by hand: recompute the rollups


def monday_weeks_ago(weeks: int, tz) -> datetime:
    """Local midnight of the Monday `weeks` weeks before this week's Monday."""
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday() + 7 * weeks)
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)
