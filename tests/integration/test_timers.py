"""Timers fire from the scheduler: an overdue residence-permit review escalates to the lead."""

from __future__ import annotations

import random
from datetime import timedelta

from app.extensions import db
from app.models import Application, CaseEvent, WorkflowInstance, utcnow
from app.services import scheduler
from ml.synthetic import render
from tests import journeys


def test_overdue_review_escalates_once_when_the_timer_is_due(app, client, wait_jobs):
    image, person = render("id_card_front", random.Random(1), capture="clean")
    page = journeys.png_bytes(image)
    app_id = journeys.submitted_residence_permit(
        client,
        wait_jobs,
        person,
        "13911119999",
        dict.fromkeys(journeys.RESIDENCE_PERMIT_SLOTS, page),
    )
    with app.app_context():
        inst = db.session.execute(
            db.select(WorkflowInstance).where(WorkflowInstance.application_id == app_id)
        ).scalar()
        due = inst.next_timer_at
        assert due is not None and timedelta(days=9) < due - utcnow() <= timedelta(
            days=10, minutes=1
        )
        assert scheduler.fire_due_timers(utcnow()) == 0  # not yet
        assert scheduler.fire_due_timers(due + timedelta(seconds=1)) == 1
        events = (
            db.session.execute(
                db.select(CaseEvent).where(
                    CaseEvent.application_id == app_id, CaseEvent.kind == "escalated"
                )
            )
            .scalars()
            .all()
        )
        assert len(events) == 1 and events[0].department.code == "public_security"
        assert scheduler.fire_due_timers(due + timedelta(seconds=2)) == 0  # fires once
        # the review itself is still waiting (non-interrupting timer)
        assert db.session.get(Application, app_id).status.value == "in_review"
