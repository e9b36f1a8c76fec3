"""Clock alerts pushed by the scheduler (issue 11): the lead hears when an unclaimed case's
promised date comes near; once a clerk holds it, the clerk and the leads hear when the
promised date and then the statutory limit pass; each level once, however often it ticks."""

from __future__ import annotations

import random
from datetime import timedelta

from app.extensions import db
from app.models import Application, HumanTask, Notification, TaskStatus, User, utcnow
from app.services import approvals
from app.services.clock_alerts import push_due_alerts
from tests import journeys


def _alerts(username: str) -> list[str]:
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
    return list(
        db.session.execute(
            db.select(Notification.title)
            .where(Notification.recipient_id == user.id, Notification.kind == "clock_alert")
            .order_by(Notification.id)
        ).scalars()
    )


def _set_clock(app_id: int, *, promised, fatal) -> None:
    case = db.session.get(Application, app_id)
    case.promised_due_at, case.due_at = promised, fatal
    db.session.commit()


def test_alerts_reach_the_holder_and_the_leads_once_per_level(app, client, wait_jobs):
    from ml.synthetic import render

    person = render("id_card_front", random.Random(141), capture="clean")[1]
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911114101")
    now = utcnow()
    with app.app_context():
        number = db.session.get(Application, app_id).case_number
        _set_clock(app_id, promised=now + timedelta(hours=20), fatal=now + timedelta(days=20))
        assert push_due_alerts(now) == 1  # yellow: nobody holds the task, the lead hears
        assert push_due_alerts(now) == 0  # told once
        assert [t for t in _alerts("lead_public_security") if number in t] != []
        assert _alerts("clerk_public_security") == []

        task = db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN
            )
        ).scalar_one()
        clerk = db.session.execute(
            db.select(User).where(User.username == "clerk_public_security")
        ).scalar_one()
        approvals.claim(clerk, task.id)
        _set_clock(app_id, promised=now - timedelta(hours=1), fatal=now + timedelta(days=20))
        assert push_due_alerts(now) == 1  # red: the holder and the leads
        assert len(_alerts("clerk_public_security")) == 1
        assert len(_alerts("lead_public_security")) == 2
        _set_clock(app_id, promised=now - timedelta(days=5), fatal=now - timedelta(hours=1))
        assert push_due_alerts(now) == 1  # overdue
        assert push_due_alerts(now) == 0
        assert len(_alerts("clerk_public_security")) == 2  # red and overdue
        titles = _alerts("lead_public_security")
        assert len(titles) == 3 and len(set(titles)) == 3  # three different levels


def test_a_paused_or_decided_clock_alerts_nobody(app, client, wait_jobs):
    from ml.synthetic import render

    person = render("id_card_front", random.Random(142), capture="clean")[1]
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911114102")
    now = utcnow()
    with app.app_context():
        case = db.session.get(Application, app_id)
        case.clock_paused_at = now  # waiting for the applicant's corrections (补正)
        _set_clock(app_id, promised=now - timedelta(days=1), fatal=now - timedelta(hours=1))
        assert push_due_alerts(now) == 0


def test_a_round_reads_only_the_tasks_it_tells(app, client, wait_jobs):
    """The scheduler runs a round every few seconds: a task already told its level, or whose
    clock is green, is not read at all (each round read every live task due within two
    weeks, with its case: 4.7-7.3 s a round with 100,000 cases running)."""
    from sqlalchemy import event

    from ml.synthetic import render

    person = render("id_card_front", random.Random(143), capture="clean")[1]
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911114103")
    now = utcnow()
    read: list[int] = []

    def loaded(task, context):
        read.append(task.id)

    event.listen(HumanTask, "load", loaded)
    try:
        with app.app_context():
            # green: due in a week, not yet near
            _set_clock(app_id, promised=now + timedelta(days=7), fatal=now + timedelta(days=9))
            assert push_due_alerts(now) == 0
            assert read == []
            _set_clock(app_id, promised=now + timedelta(hours=20), fatal=now + timedelta(days=9))
            db.session.remove()
            assert push_due_alerts(now) == 1  # yellow: the one task is read and told
            assert len(read) == 1
            db.session.remove()
            assert push_due_alerts(now) == 0  # told: not read again
            assert len(read) == 1
    finally:
        event.remove(HumanTask, "load", loaded)
