"""Numbers, money and case numbers as the reader and the service's time zone expect them:
80000.0 is ¥80,000.00, and a case submitted at 00:30 Beijing time carries that day's date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app.services import fieldtypes


@pytest.mark.parametrize(
    ("locale", "field", "value", "shown"),
    [
        ("zh", {"type": "number", "currency": "CNY"}, 80000.0, "¥80,000.00"),
        ("en", {"type": "number", "currency": "CNY"}, 80000.0, "CN¥80,000.00"),
        ("zh", {"type": "number"}, 100.0, "100"),
        ("en", {"type": "number"}, 1234567.5, "1,234,567.5"),
        ("zh", {"type": "number"}, None, "—"),
    ],
)
def test_numbers_and_money_in_the_readers_locale(app, locale, field, value, shown):
    with app.test_request_context(), force_locale(locale):
        assert fieldtypes.display(field, value, lambda v: v) == shown


def test_dates_and_times_in_beijing_time_in_both_languages(app):
    moment = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)  # 00:30 on 1 March in Beijing
    with app.test_request_context():
        render = app.jinja_env.filters["dt"]
        for locale in ("zh", "en"):
            with force_locale(locale):
                assert render(moment) == "2026-03-01 00:30"


def test_the_case_number_carries_the_local_date(ctx, monkeypatch, wait_jobs):
    """Submitted at 16:30 UTC on 28 February, which is 00:30 on 1 March in Beijing."""
    from app.extensions import db
    from app.models import Service, User
    from app.services import applications
    from app.services.demo import CITIZEN, SAMPLE_FORM
    from tests.journeys import blank_png

    citizen = db.session.execute(
        db.select(User).where(User.username == CITIZEN["username"])
    ).scalar_one()
    service = db.session.execute(
        db.select(Service).where(Service.code == "business_registration")
    ).scalar_one()
    draft = applications.start_draft(citizen, service)
    form = dict(
        SAMPLE_FORM, legal_rep_name=citizen.real_name, legal_rep_id_number=citizen.id_number
    )
    assert applications.save_form(draft, form) == {}
    for slot in applications.material_slots(draft):
        if slot.get("required") or slot.get("required_group"):
            applications.add_attachment(draft, slot["slot"], "blank.png", blank_png())
    moment = datetime(2026, 2, 28, 16, 30, tzinfo=UTC)
    monkeypatch.setattr(applications, "utcnow", lambda: moment)
    applications.submit(draft)
    assert draft.case_number == f"YW20260301{draft.id:06d}"
    wait_jobs()
