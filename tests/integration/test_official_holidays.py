"""The State Council's holiday arrangement, imported from the chinese-calendar package, moves
the working-day clocks: a 5-working-day limit started before the 2026 Spring Festival ends
after it, counting the make-up Saturday; a year not yet published is refused with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain import calendar
from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import Holiday
from app.services import holidays


def test_the_2026_arrangement_is_imported_with_its_make_up_days(empty_db):
    assert holidays.import_official(2026) == 39
    make_up = sorted(
        h.day for h in db.session.execute(db.select(Holiday).where(Holiday.is_workday)).scalars()
    )
    assert make_up == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert db.session.get(Holiday, date(2026, 2, 17)).name == "春节"
    assert db.session.get(Holiday, date(2026, 2, 14)).name == "春节调休上班"


def test_imported_holidays_move_a_statutory_limit(empty_db):
    start = datetime(2026, 2, 12, 2, 0, tzinfo=UTC)  # Thursday 12 February, Beijing morning
    before = calendar.add_working_days(start, 5).date()
    holidays.import_official(2026)
    after = calendar.add_working_days(start, 5).date()
    # Without the arrangement: 13, 16, 17, 18, 19 February. With it: Fri 13, the make-up
    # Saturday 14, then the festival (15-23) is off: 24, 25, 26 February.
    assert before == date(2026, 2, 19)
    assert after == date(2026, 2, 26)


def test_importing_twice_writes_the_same_days(empty_db):
    holidays.import_official(2026)
    holidays.import_official(2026)
    assert db.session.execute(db.select(db.func.count()).select_from(Holiday)).scalar() == 39


def test_a_year_not_yet_published_is_refused_with_what_to_do(empty_db):
    with pytest.raises(ValidationFailed) as refused:
        holidays.import_official(2099)
    assert "2099" in str(refused.value.errors["year"])
    assert db.session.execute(db.select(db.func.count()).select_from(Holiday)).scalar() == 0


def test_the_admin_imports_a_year_from_the_holiday_page(app, client):
    client.login("admin")
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert 'name="year"' in page and "2026" in page
    answer = client.post("/admin/holidays/import", {"year": "2026"})
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Holiday, date(2026, 10, 10)).is_workday
