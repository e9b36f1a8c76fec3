"""Working-day arithmetic with holidays, and form validation against schemas."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain import calendar
from app.extensions import db
from app.models import Holiday
from app.services import catalogue, forms


@pytest.fixture()
def app_ctx(app):
    with app.app_context():
        db.session.execute(db.delete(Holiday))
        db.session.commit()
        yield app
        db.session.execute(db.delete(Holiday))
        db.session.commit()
        db.session.remove()


def _local_day(dt):
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Asia/Shanghai")).date()


def test_working_days_skip_weekends(app_ctx):
    friday = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
    assert _local_day(calendar.add_working_days(friday, 1)) == date(2026, 11, 23)  # Monday
    assert _local_day(calendar.add_working_days(friday, 5)) == date(2026, 11, 27)


def test_holidays_and_make_up_days(app_ctx):
    db.session.add(Holiday(day=date(2026, 11, 23), name="test holiday"))
    db.session.add(Holiday(day=date(2026, 11, 22), name="make-up day", is_workday=True))
    db.session.commit()
    friday = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert _local_day(calendar.add_working_days(friday, 1)) == date(2026, 11, 22)  # Sunday works
    assert _local_day(calendar.add_working_days(friday, 2)) == date(2026, 11, 24)  # Monday off


def test_form_validation_reports_every_problem(app_ctx):
    form = catalogue.load_form("business_registration")
    clean, errors = forms.validate(
        form,
        {
            "company_name": "x" * 61,
            "company_type": "bogus",
            "registered_capital": "abc",
            "legal_rep_id_number": "110105199003077650",
            "contact_phone": "123",
        },
    )
    assert {
        "company_name",
        "company_type",
        "registered_capital",
        "address",
        "business_scope",
        "legal_rep_name",
        "legal_rep_id_number",
        "contact_phone",
    } <= set(errors)
    assert clean == {}


def test_form_validation_normalises_good_values(app_ctx):
    form = catalogue.load_form("business_registration")
    clean, errors = forms.validate(
        form,
        {
            "company_name": " 上海示例科技有限公司 ",
            "company_type": "llc",
            "registered_capital": "100",
            "address": "上海市浦东新区",
            "business_scope": "软件开发",
            "legal_rep_name": "张三",
            "legal_rep_id_number": "110105199003077657".lower().replace("7657", "7657"),
            "contact_phone": "13800138000",
        },
    )
    assert errors == {}
    assert clean["company_name"] == "上海示例科技有限公司" and clean["registered_capital"] == 100.0


def test_nan_and_infinity_are_not_numbers(app_ctx):
    form = catalogue.load_form("business_registration")
    for bad in ("nan", "inf", "-inf"):
        _, errors = forms.validate(form, {"registered_capital": bad})
        assert "registered_capital" in errors
