"""The case clock's rules (app/domain/clock.py) in working days, on an empty holiday table
plus the holidays a test adds: start, suspension, resumption, the one extension, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.domain import calendar, clock
from app.extensions import db
from app.models import Holiday

MONDAY = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        db.session.execute(db.delete(Holiday))
        db.session.commit()
        yield app
        db.session.execute(db.delete(Holiday))
        db.session.commit()
        db.session.remove()


def _case(time_limit=20, promised=15):
    service = SimpleNamespace(time_limit_days=time_limit, promised_days=promised)
    return SimpleNamespace(
        service=service,
        submitted_at=MONDAY,
        accepted_at=None,
        decided_at=None,
        due_at=None,
        promised_due_at=None,
        clock_paused_at=None,
        paused_days=0,
        extension_days=0,
        extension_reason=None,
    )


def _day(moment):
    return calendar.local_date(moment)


def test_working_days_between_counts_the_days_after_the_first(app_ctx):
    friday = MONDAY + timedelta(days=4)
    assert calendar.working_days_between(MONDAY, MONDAY + timedelta(hours=5)) == 0
    assert calendar.working_days_between(MONDAY, friday) == 4
    assert calendar.working_days_between(friday, friday + timedelta(days=3)) == 1  # Mon only
    db.session.add(Holiday(day=date(2030, 3, 5), name="test", is_workday=False))
    db.session.flush()
    assert calendar.working_days_between(MONDAY, friday) == 3


def test_deemed_acceptance_counts_from_receipt_and_intake_has_5_working_days(app_ctx):
    assert _day(clock.intake_due(MONDAY)) == date(2030, 3, 11)  # next Monday
    case = _case()
    clock.accept(case, MONDAY + timedelta(days=7), deemed=True)
    assert case.accepted_at == MONDAY
    assert _day(case.due_at) == date(2030, 4, 1)  # 20 working days
    assert _day(case.promised_due_at) == date(2030, 3, 25)  # 15 working days


def test_a_pause_moves_both_dates_by_the_working_days_it_stood(app_ctx):
    case = _case()
    clock.accept(case, MONDAY, deemed=False)
    due, promised = case.due_at, case.promised_due_at
    assert clock.resume(case, MONDAY) is None  # running: nothing to resume
    assert clock.pause(case, MONDAY + timedelta(days=1))  # Tuesday
    assert not clock.pause(case, MONDAY + timedelta(days=2))  # already stopped
    assert clock.resume(case, MONDAY + timedelta(days=8)) == 5  # next Tuesday
    assert case.paused_days == 5 and case.clock_paused_at is None
    assert case.due_at == calendar.add_working_days(MONDAY, 25) > due
    assert case.promised_due_at == calendar.add_working_days(MONDAY, 20) > promised


def test_a_clock_not_started_is_not_paused(app_ctx):
    case = _case()
    assert not clock.pause(case, MONDAY)
    assert case.clock_paused_at is None


def test_one_extension(app_ctx):
    case = _case()
    assert not clock.can_extend(case)  # not accepted yet
    clock.accept(case, MONDAY, deemed=False)
    assert clock.can_extend(case)
    clock.extend(case, "现场核查")
    assert case.due_at == calendar.add_working_days(MONDAY, 30)
    assert not clock.can_extend(case)


def test_alerts_before_and_after_the_promised_and_statutory_dates(app_ctx):
    case = _case(time_limit=20, promised=10)
    assert clock.alert(case, MONDAY) is None  # no clock yet
    clock.accept(case, MONDAY, deemed=False)
    assert clock.alert(case, MONDAY) == "green"
    assert clock.alert(case, case.promised_due_at - timedelta(days=1)) == "yellow"
    assert clock.alert(case, case.promised_due_at + timedelta(seconds=1)) == "red"
    assert clock.alert(case, case.due_at + timedelta(seconds=1)) == "overdue"
    clock.pause(case, MONDAY)
    assert clock.alert(case, MONDAY + timedelta(days=60)) == "paused"
