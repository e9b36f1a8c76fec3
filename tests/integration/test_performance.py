"""Service performance: figures computed from cases made through the journey, on a history
moved back to known working days (with a holiday), checked through the service and the page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Attachment, Holiday, HumanTask, User, utcnow
from app.services import analytics, periods, reviews
from tests import decisions, journeys

TZ = ZoneInfo("Asia/Shanghai")


def _at(day, hour, minute=0):
    return day.replace(hour=hour, minute=minute)


def _row(rows, key, code):
    return next(r for r in rows if r[key] == code)


@pytest.mark.slow
def test_service_department_and_review_figures(app, client, make_client, wait_jobs):
    # Three citizens: one approved case, one rejected, one still with the departments.
    approved = decisions.decided_case(
        app, client, make_client, wait_jobs, seed=31, mobile="13911110001"
    )
    second = make_client()
    rejected = decisions.decided_case(
        app, second, make_client, wait_jobs, seed=32, mobile="13911110002", rejecting=("tax",)
    )
    third = make_client()
    open_id = journeys.submitted_case(
        third, wait_jobs, seed=33, mobile="13911110003", rendered=False
    )

    # History: the approved case ran Mon 10:00 → Wed 16:00 (2.25 working days, due Thu:
    # on time); the rejected one Fri 17:00 → Tue 11:00 over a Monday holiday (7 h + 11 h =
    # 0.75 working days, due that Monday: late).
    mon = decisions.monday_weeks_ago(3, TZ)
    fri, tue = mon + timedelta(days=4), mon + timedelta(days=8)
    holiday = (mon + timedelta(days=7)).date()
    with app.app_context():
        db.session.add(Holiday(day=holiday, name="测试假日"))
        db.session.commit()
    end_of = lambda d: d.replace(hour=23, minute=59, second=59)  # noqa: E731
    decisions.move_case(
        app,
        approved,
        submitted=_at(mon, 10),
        decided=_at(mon + timedelta(days=2), 16),
        due=end_of(mon + timedelta(days=3)),
        task_times=(
            _at(mon, 11),
            _at(mon + timedelta(days=1), 11),
            end_of(mon + timedelta(days=1)),
        ),
    )  # 1.0 day, on time
    decisions.move_case(
        app,
        rejected,
        submitted=_at(fri, 17),
        decided=_at(tue, 11),
        due=end_of(mon + timedelta(days=7)),
        task_times=(_at(fri, 18), _at(tue, 10), end_of(mon + timedelta(days=7))),
    )  # 6 h + 10 h, late
    with app.app_context():  # one of the open case's tasks is overdue
        task = db.session.execute(
            db.select(HumanTask).where(
                HumanTask.application_id == open_id, HumanTask.department.has(code="tax")
            )
        ).scalar_one()
        task.due_at = utcnow() - timedelta(hours=1)
        # A clerk says one reviewed file is really another type (auto-review disagreement).
        att = (
            db.session.execute(
                db.select(Attachment)
                .where(Attachment.application_id == approved)
                .order_by(Attachment.id)
            )
            .scalars()
            .first()
        )
        db.session.commit()
        clerk = db.session.execute(db.select(User).where(User.username == "clerk_tax")).scalar_one()
        reviews.record_correction(att, clerk, "passport")

    client.post(f"/cases/{approved}/rating", {"level": "5", "comment": "很快"})
    second.post(f"/cases/{rejected}/rating", {"level": "1", "comment": "没说清楚缺什么"})

    with app.app_context():
        p = periods.period(30)
        data = analytics.overview(p)
        br = _row(data["services"], "code", journeys.SERVICE)
        assert (br["submitted"], br["open"], br["approved"], br["rejected"]) == (3, 1, 1, 1)
        assert br["approval_rate"] == pytest.approx(0.5)
        assert br["median_days"] == pytest.approx((2.25 + 0.75) / 2)
        assert br["p90_days"] == pytest.approx(0.75 + 0.9 * (2.25 - 0.75))
        assert br["on_time_rate"] == pytest.approx(0.5)
        assert br["correction_rate"] == pytest.approx(0.0)
        assert (br["ratings"], br["rating_avg"], br["satisfied_rate"]) == (
            2,
            pytest.approx(3.0),
            pytest.approx(0.5),
        )
        other = _row(data["services"], "code", "residence_permit")
        assert (other["submitted"], other["decided"], other["approval_rate"]) == (0, 0, None)
        assert data["totals"]["decided"] == 2

        tax = _row(data["departments"], "code", "tax")
        assert (tax["open"], tax["overdue"], tax["done"]) == (1, 1, 2)
        assert tax["median_days"] == pytest.approx((1.0 + 16 / 24) / 2)
        assert tax["on_time_rate"] == pytest.approx(0.5)
        market = _row(data["departments"], "code", "market_regulation")
        # market regulation leads: it took in (受理) all three cases and reviewed two
        assert (market["open"], market["overdue"], market["done"]) == (1, 0, 5)
        housing = _row(data["departments"], "code", "housing_fund")
        assert (housing["open"], housing["done"], housing["median_days"]) == (0, 0, None)

        # Auto-review: the files of the cases decided in the period (the open case's three
        # are counted once it is decided); one of the six was corrected after the decision.
        files = (
            db.session.execute(
                db.select(Attachment).where(Attachment.application_id.in_((approved, rejected)))
            )
            .scalars()
            .all()
        )
        ar = data["auto_review"]
        assert ar["reviewed"] == len(files) == 6
        assert ar["passed"] == sum(1 for f in files if f.review_status == "pass")
        assert ar["agreement"] == pytest.approx(5 / 6)

        # The last 7 days hold only the open case: nothing was decided then.
        week = analytics.overview(periods.period(7))
        br7 = _row(week["services"], "code", journeys.SERVICE)
        assert (br7["submitted"], br7["open"], br7["decided"], br7["median_days"]) == (
            1,
            1,
            0,
            None,
        )
        assert _row(week["departments"], "code", "tax")["done"] == 0

    admin = make_client()
    admin.login("admin")
    page = admin.get("/admin/performance?days=30").get_data(as_text=True)
    assert f'data-service="{journeys.SERVICE}"' in page and "企业开办" in page
    assert 'data-col="approval_rate">50.0%' in page and 'data-col="median_days">1.5<' in page
    assert 'data-department="tax"' in page
    resp = admin.get("/admin/performance.csv?days=30")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][0] == "办理事项" and len(table) == 1 + len(data["services"])
    line = next(r for r in table if r[1] == journeys.SERVICE)
    assert line[0] == "企业开办" and line[2:7] == ["3", "1", "1", "1", "50.0"]
    assert line[7] == "1.50" and line[9] == "3" and line[10] == "50.0" and line[12] == "2"


@pytest.mark.slow
def test_corrections_share(app, client, make_client, wait_jobs):
    corrected = decisions.corrected_case(
        app, client, make_client, wait_jobs, seed=41, mobile="13911110011"
    )
    with app.app_context():
        assert any(
            t.outcome == "correction"
            for t in db.session.execute(
                db.select(HumanTask).where(HumanTask.application_id == corrected)
            ).scalars()
        )
        rp = _row(analytics.service_performance(periods.period(30)), "code", "residence_permit")
        assert (rp["decided"], rp["approved"], rp["corrected"]) == (1, 1, 1)
        assert rp["correction_rate"] == pytest.approx(1.0)
        assert rp["on_time_rate"] == pytest.approx(1.0)  # decided today, due in 15 working days
        ps = _row(analytics.department_performance(periods.period(30)), "code", "public_security")
        assert ps["done"] == 3 and ps["open"] == 0  # the intake and two reviews


def test_only_administrators_see_performance(client, make_client):
    assert client.get("/admin/performance").status_code == 302  # to the log-in page
    citizen = make_client()
    citizen.login("13800138000")
    assert citizen.get("/admin/performance").status_code == 403
    assert citizen.get("/admin/performance.csv").status_code == 403
    clerk = make_client()
    clerk.login("clerk_tax")
    assert clerk.get("/admin/performance").status_code == 403
    assert clerk.post("/admin/ratings/1/follow-up", {"reply": "x"}).status_code == 403


def test_bad_period_falls_back_to_30_days(make_client):
    admin = make_client()
    admin.login("admin")
    for days in ("abc", "0", "-7", "31", ""):
        page = admin.get(f"/admin/performance?days={days}").get_data(as_text=True)
        assert 'class="btn btn-primary" href="/admin/performance?days=30"' in page, days
    page = admin.get("/admin/performance?days=365").get_data(as_text=True)
    assert 'class="btn btn-primary" href="/admin/performance?days=365"' in page
    assert admin.get("/admin/").status_code == 200
    assert 'id="performance-link"' in admin.get("/admin/").get_data(as_text=True)


def test_empty_database_shows_dashes_not_zero_percent(ctx):
    data = analytics.overview(periods.period(30))
    assert all(r["approval_rate"] is None and r["median_days"] is None for r in data["services"])
    assert data["totals"]["on_time_rate"] is None and data["auto_review"]["agreement"] is None
    from flask_babel import force_locale

    with force_locale("en"):
        text = analytics.services_csv(data["services"], "en")
    assert text.startswith("\ufeffService,Code,Cases submitted,")
    assert "\r\nBusiness registration,business_registration,0,0,0,0,,,,3,,,0,,\r\n" in text


def test_working_clock_counts_only_working_days(ctx):
    from datetime import datetime

    db.session.execute(db.delete(Holiday))  # only this test's exceptions, not the demo's
    db.session.add(Holiday(day=datetime(2026, 10, 1).date(), name="国庆节"))
    db.session.add(Holiday(day=datetime(2026, 10, 10).date(), name="调休", is_workday=True))
    db.session.commit()
    clock = analytics.WorkingClock(datetime(2026, 9, 28).date(), datetime(2026, 10, 12).date())
    at = lambda m, d, h=0: datetime(2026, m, d, h, tzinfo=TZ)  # noqa: E731
    assert clock.working_days(at(9, 30, 12), at(10, 2, 12)) == pytest.approx(
        1.0
    )  # Wed→Fri, Thu off
    assert clock.working_days(at(10, 9, 18), at(10, 12, 6)) == pytest.approx(
        (6 + 24 + 6) / 24
    )  # Fri 18:00 → Mon 06:00 over a working Saturday, Sunday off
    assert clock.working_days(at(10, 3, 0), at(10, 4, 23)) == 0  # a weekend
    assert clock.working_days(at(10, 2), at(9, 30)) == 0  # never negative
    with pytest.raises(ValueError):
        clock.working_days(at(9, 1), at(9, 30))


def test_percentile_interpolates():
    assert analytics.percentile([], 0.5) is None
    assert analytics.percentile([4], 0.9) == 4
    assert analytics.percentile([3, 1, 2], 0.5) == 2
    assert analytics.percentile([1, 2, 3, 4], 0.5) == pytest.approx(2.5)
    assert analytics.percentile(list(range(11)), 0.9) == pytest.approx(9.0)
    assert analytics.ratio(1, 0) is None and analytics.ratio(0, 4) == 0
