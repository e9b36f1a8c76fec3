"""The write path's shortcuts (issue 18) keep what a use case sees and what a job promises:
timeline rows sent at commit are still read back inside their transaction, a look-up read
once per transaction sees the transaction's own writes, and a job queued by a long
transaction is stamped with its commit time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app import uow
from app.domain import calendar, events
from app.extensions import db
from app.jobs import queue
from app.models import Application, CaseEvent, Holiday, Job, User, utcnow
from app.services import timeline


def _application() -> Application:
    citizen = db.session.execute(db.select(User).where(User.username == "13800138000")).scalar_one()
    service_id = db.session.execute(db.text("SELECT id FROM service LIMIT 1")).scalar()
    application = Application(citizen_id=citizen.id, service_id=service_id, form_data={})
    db.session.add(application)
    db.session.flush()
    return application


def test_a_transaction_reads_its_own_timeline_rows_before_they_are_sent(ctx):
    application = _application()
    with uow.joined():
        events.case_step(application.id, "task_opened", message="first")
        events.case_step(application.id, "task_opened", message="second")
        uow.publish()
        # Not sent yet: the rows wait for the commit, or for a read such as this one.
        messages = [e.message for e in timeline.events(application)]
    assert messages == ["first", "second"]
    assert db.session.info.get("onewindow_pending_case_events") is None
    db.session.rollback()


def test_rolled_back_timeline_rows_are_never_sent(ctx):
    application = _application()
    application_id = application.id
    db.session.commit()  # test set-up, outside the product's use cases
    with uow.joined():
        events.case_step(application_id, "task_opened", message="undone")
        uow.publish()
    uow.rollback()
    uow.commit()
    count = db.session.execute(
        db.select(db.func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.application_id == application_id)
    ).scalar_one()
    assert count == 0


def test_a_holiday_added_in_the_transaction_moves_the_deadline_read_in_it(ctx):
    start = datetime(2031, 3, 3, 2, 0, tzinfo=datetime.now().astimezone().tzinfo)  # a Monday
    with uow.joined():
        before = calendar.add_working_days(start, 1)  # the calendar is now read and kept
        db.session.add(Holiday(day=date(2031, 3, 4), name="test", is_workday=False))
        after = calendar.add_working_days(start, 1)  # must see the new holiday
    assert after - before == timedelta(days=1)
    db.session.rollback()


def test_a_job_queued_by_a_long_transaction_is_stamped_at_commit(ctx, monkeypatch):
    monkeypatch.setattr(queue, "_RESTAMP_AFTER", timedelta(0))  # every transaction is "long"
    with uow.unit_of_work():
        job = queue.enqueue("ping")
        job_id, queued_at = job.id, job.dispatched_at
    assert db.session.get(Job, job_id).dispatched_at > queued_at
    assert db.session.get(Job, job_id).dispatched_at <= utcnow()


def test_a_job_queued_by_a_short_transaction_keeps_the_stamp_of_its_insert(ctx):
    with uow.unit_of_work():
        job = queue.enqueue("ping")
        job_id, queued_at = job.id, job.dispatched_at
    assert queued_at is not None
    assert db.session.get(Job, job_id).dispatched_at == queued_at
