"""Service performance over a custom range of calendar days (?from=…&to=…): parsing and
validation in the periods service, the figures at the edges of the range (both days included,
in local time), and the page, its CSV export and its error messages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Department,
    HumanTask,
    ProcessVersion,
    Rating,
    Service,
    TaskStatus,
    User,
    WorkflowInstance,
    utcnow,
)
from app.services import analytics, periods, rollup_rebuild
from tests import journeys

TZ = ZoneInfo("Asia/Shanghai")
UTC = UTC
NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 on 10 June in Shanghai


def _local(y, m, d, h=0, mi=0, s=0, us=0):
    return datetime(y, m, d, h, mi, s, us, tzinfo=TZ)


def _errors(first, last, now=NOW) -> dict:
    with pytest.raises(ValidationFailed) as info:
        periods.date_range(first, last, now)
    return {k: str(v) for k, v in info.value.errors.items()}


# ---------------------------------------------------------------- the periods service


def test_a_range_covers_whole_local_days_both_included(app):
    with app.app_context():
        p = periods.date_range("2025-03-01", "2025-03-31", NOW)
    assert (p.first, p.last, p.days, p.custom, p.clipped) == (
        date(2025, 3, 1),
        date(2025, 3, 31),
        31,
        True,
        False,
    )
    assert p.start == _local(2025, 3, 1) == datetime(2025, 2, 28, 16, tzinfo=UTC)
    assert p.end == _local(2025, 3, 31, 23, 59, 59, 999999)
    assert p.now == NOW
    assert p.query == {"from": "2025-03-01", "to": "2025-03-31"}
    with app.app_context():
        one = periods.date_range(" 2025-03-31 ", "2025-03-31", NOW)
    assert (one.days, one.start, one.end) == (
        1,
        _local(2025, 3, 31),
        _local(2025, 3, 31, 23, 59, 59, 999999),
    )


def test_today_ends_now_and_later_days_are_moved_to_today(app):
    with app.app_context():
        today = periods.date_range("2025-06-01", "2025-06-10", NOW)
        assert (today.last, today.end, today.clipped) == (date(2025, 6, 10), NOW, False)
        later = periods.date_range("2025-06-01", "2026-01-31", NOW)
        assert (later.last, later.end, later.days, later.clipped) == (
            date(2025, 6, 10),
            NOW,
            10,
            True,
        )
        future = periods.date_range("2030-01-01", "2030-01-05", NOW)
        assert (future.first, future.last, future.days, future.clipped) == (
            date(2025, 6, 10),
            date(2025, 6, 10),
            1,
            True,
        )
        # 04:00 in Shanghai is still the previous day in UTC: "today" is the local one.
        early = datetime(2025, 6, 9, 20, 0, tzinfo=UTC)
        assert periods.local_today(early) == date(2025, 6, 10)
        p = periods.date_range("2025-06-10", "2025-06-11", early)
        assert (p.first, p.last, p.end, p.clipped) == (
            date(2025, 6, 10),
            date(2025, 6, 10),
            early,
            True,
        )
        # The length is measured after clipping: a year back up to a far future date is fine.
        assert periods.date_range("2024-06-11", "2099-12-31", NOW).days == 365


def test_the_local_time_zone_is_the_configured_one(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    with app.app_context():
        p = periods.date_range("2025-03-30", "2025-03-30", NOW)  # summer time starts: 23 h
    assert p.start == datetime(2025, 3, 29, 23, tzinfo=UTC)
    assert p.end == datetime(2025, 3, 30, 21, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "2025-13-01",
        "2025-02-30",
        "20250301",
        "2025-3-1",
        "2025-W13-1",
        "0001-01-01",
        "2025-03-01T10:00",
        "１２３",
    ],
)
def test_a_date_that_is_not_yyyy_mm_dd_is_refused_and_quoted(app, raw):
    with app.app_context(), force_locale("en"):
        errors = _errors(raw, "2025-03-31")
        assert list(errors) == ["from"]
        assert f"The first day “{raw}” is not a date" in errors["from"]
        assert "YYYY-MM-DD" in errors["from"]
        errors = _errors("2025-03-01", raw)
        assert list(errors) == ["to"] and f"The last day “{raw}” is not a date" in errors["to"]


def test_every_problem_is_told_at_once_in_chinese(app):
    with app.app_context(), force_locale("zh"):
        errors = _errors("x" * 100, "2025/03/31")
        assert set(errors) == {"from", "to"}
        assert "开始日期" in errors["from"] and "x" * 40 + "…" in errors["from"]
        assert "x" * 41 not in errors["from"]
        assert "结束日期" in errors["to"] and "2025/03/31" in errors["to"]
        assert "YYYY-MM-DD" in errors["to"]


def test_first_after_last_missing_and_too_long_ranges_are_refused(app):
    with app.app_context(), force_locale("en"):
        swapped = _errors("2025-03-31", "2025-03-01")
        assert "2025-03-31" in swapped["to"] and "2025-03-01" in swapped["to"]
        assert "swap" in swapped["to"]
        assert "both" in _errors("2025-03-01", "")["to"]
        assert "both" in _errors("", "2025-03-01")["from"]
        assert "both" in _errors("", "")["from"]
        # 366 days (a leap year) is the maximum; one more day is refused, saying so.
        assert periods.date_range("2024-01-01", "2024-12-31", NOW).days == 366
        assert periods.date_range("2023-01-01", "2024-01-01", NOW).days == 366
        long = _errors("2023-01-01", "2024-01-02")["to"]
        assert "at most 366 days" in long and "covers 367" in long
    with app.app_context(), force_locale("zh"):
        assert "366" in _errors("2023-01-01", "2024-01-02")["to"]
        assert "对调" in _errors("2025-03-31", "2025-03-01")["to"]


def test_the_query_picks_a_range_or_a_preset(app):
    with app.app_context():
        assert periods.requested({"days": "7"}, NOW).query == {"days": 7}
        assert periods.requested({}, NOW).days == periods.DEFAULT_PERIOD
        assert periods.requested({"from": "", "to": "", "days": "90"}, NOW).days == 90
        custom = periods.requested({"from": "2025-03-01", "to": "2025-03-31", "days": "7"}, NOW)
        assert custom.custom and custom.days == 31
        with pytest.raises(ValidationFailed):
            periods.requested({"from": "2025-03-01"}, NOW)
        preset = periods.period(7, NOW)
        assert not preset.custom and preset.now == preset.end == NOW
        assert analytics.csv_filename(preset) == "service-performance-7d-20250610.csv"
        assert analytics.csv_filename(custom) == "service-performance-20250301-20250331.csv"
        late = periods.period(30, datetime(2025, 6, 9, 20, 0, tzinfo=UTC))  # 10 June locally
        assert analytics.csv_filename(late) == "service-performance-30d-20250610.csv"


# ---------------------------------------------------------------- figures at the edges


def _case(service, citizen, number, submitted, decided=None, status=ApplicationStatus.APPROVED):
    application = Application(
        case_number=number,
        citizen_id=citizen.id,
        service_id=service.id,
        form_data={},
        status=status,
        submitted_at=submitted,
        decided_at=decided,
        decision="approved" if decided else None,
        due_at=submitted + timedelta(days=20),
    )
    db.session.add(application)
    db.session.flush()
    return application


def _seed_march(app) -> dict:
    """Cases, ratings and tasks right at the edges of March 2025 (local time)."""
    with app.app_context():
        service = db.session.execute(
            db.select(Service).where(Service.code == journeys.SERVICE)
        ).scalar_one()
        citizen = db.session.execute(
            db.select(User).where(User.username == "13800138000")
        ).scalar_one()
        tax = db.session.execute(db.select(Department).where(Department.code == "tax")).scalar_one()
        version = db.session.execute(db.select(ProcessVersion)).scalars().first()
        inside = [
            _case(
                service, citizen, "RANGE-FIRST", _local(2025, 3, 1, 0, 0), _local(2025, 3, 3, 10)
            ),
            _case(
                service,
                citizen,
                "RANGE-LAST",
                _local(2025, 3, 31, 23, 30),  # 23:30 on `to`
                _local(2025, 3, 31, 23, 45),
            ),
        ]
        outside = [
            _case(
                service,
                citizen,
                "RANGE-BEFORE",
                _local(2025, 2, 28, 23, 59, 59),
                _local(2025, 2, 28, 23, 59, 59, 500000),
            ),
            _case(service, citizen, "RANGE-AFTER", _local(2025, 4, 1, 0, 0), _local(2025, 4, 1, 9)),
        ]
        db.session.add(
            Rating(
                application_id=inside[1].id,
                citizen_id=citizen.id,
                level=1,
                comment="区间内",
                created_at=_local(2025, 3, 31, 23, 50),
            )
        )
        db.session.add(
            Rating(
                application_id=outside[1].id,
                citizen_id=citizen.id,
                level=5,
                created_at=_local(2025, 4, 1, 0, 10),
            )
        )
        # A task done at 23:30 on the last day, and one still open whose due date passed after
        # the range ended: it is overdue now, whatever range is shown.
        instance = WorkflowInstance(
            application_id=inside[1].id, process_version_id=version.id, state_json="{}"
        )
        db.session.add(instance)
        db.session.flush()
        common = dict(
            instance_id=instance.id,
            application_id=inside[1].id,
            element_id="t",
            name="审核",
            department_id=tax.id,
        )
        db.session.add(
            HumanTask(
                spiff_task_id="done-last-day",
                status=TaskStatus.DONE,
                created_at=_local(2025, 3, 31, 9),
                completed_at=_local(2025, 3, 31, 23, 30),
                due_at=_local(2025, 4, 3),
                **common,
            )
        )
        db.session.add(
            HumanTask(
                spiff_task_id="open-overdue",
                status=TaskStatus.OPEN,
                created_at=_local(2025, 3, 31, 9),
                due_at=_local(2025, 4, 15),
                **common,
            )
        )
        db.session.commit()
        rollup_rebuild.rebuild()  # history written by hand: recompute the rollups
        rating_id = db.session.execute(
            db.select(Rating.id).where(Rating.application_id == inside[1].id)
        ).scalar_one()
        return {"rating_id": rating_id}


def _row(rows, code):
    return next(r for r in rows if r["code"] == code)


def test_edges_of_the_range_count_in_local_time(app, demo):
    _seed_march(app)
    with app.app_context():
        data = analytics.overview(periods.date_range("2025-03-01", "2025-03-31"))
        br = _row(data["services"], journeys.SERVICE)
        assert (br["submitted"], br["decided"], br["approved"]) == (2, 2, 2)
        assert (br["ratings"], br["rating_avg"]) == (1, pytest.approx(1.0))
        tax = _row(data["departments"], "tax")
        assert (tax["done"], tax["open"], tax["overdue"]) == (1, 1, 1)
        # The day before and the day after each hold one case (and April the 5-star rating).
        feb = analytics.overview(periods.date_range("2025-02-28", "2025-02-28"))
        assert _row(feb["services"], journeys.SERVICE)["submitted"] == 1
        april = analytics.overview(periods.date_range("2025-04-01", "2025-04-01"))
        br = _row(april["services"], journeys.SERVICE)
        assert (br["submitted"], br["decided"], br["ratings"], br["rating_avg"]) == (
            1,
            1,
            1,
            pytest.approx(5.0),
        )
        assert _row(april["departments"], "tax")["done"] == 0
        # The last 30 days hold none of it.
        recent = _row(analytics.service_performance(periods.period(30)), journeys.SERVICE)
        assert (recent["submitted"], recent["decided"], recent["ratings"]) == (0, 0, 0)


# ---------------------------------------------------------------- the page and the CSV


@pytest.fixture()
def admin(make_client):
    client = make_client()
    client.login("admin")
    return client


def test_page_shows_the_chosen_range_and_carries_it_on(app, admin):
    seeded = _seed_march(app)
    resp = admin.get("/admin/performance?from=2025-03-01&to=2025-03-31")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="range-errors"' not in page
    row = page.split(f'data-service="{journeys.SERVICE}"')[1]
    assert '<td data-col="submitted">2</td>' in row and '<td data-col="ratings">1</td>' in row
    assert 'value="2025-03-01"' in page and 'value="2025-03-31"' in page
    presets = page.split('id="period"')[1].split("</div>")[0]
    assert 'data-active="true"' in page and "btn btn-primary" not in presets
    assert presets.count("btn btn-outline-primary") == len(periods.PERIODS)
    assert 'class="btn btn-sm btn-primary" id="range-button"' in page
    assert "2025-03-01 00:00" in page and "2025-03-31 23:59" in page and "（31 天）" in page
    assert 'href="/admin/performance.csv?from=2025-03-01&amp;to=2025-03-31"' in page
    action = f"/admin/ratings/{seeded['rating_id']}/follow-up?from=2025-03-01&amp;to=2025-03-31"
    assert action in page
    resp = admin.post(
        f"/admin/ratings/{seeded['rating_id']}/follow-up?from=2025-03-01&to=2025-03-31",
        {"reply": "已电话回访。"},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(
        "/admin/performance?from=2025-03-01&to=2025-03-31#follow-up"
    )
    # A preset is still a preset, and the range form is then empty and not highlighted.
    page = admin.get("/admin/performance?days=90").get_data(as_text=True)
    assert 'class="btn btn-primary" href="/admin/performance?days=90"' in page
    assert 'data-active="false"' in page and 'name="from" max=' in page
    assert 'href="/admin/performance.csv?days=90"' in page


def test_csv_export_honours_the_range_and_names_both_days(app, admin):
    _seed_march(app)
    resp = admin.get("/admin/performance.csv?from=2025-03-01&to=2025-03-31")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert (
        'filename="service-performance-20250301-20250331.csv"'
        in resp.headers["Content-Disposition"]
    )
    table = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    line = next(r for r in table if r[1] == journeys.SERVICE)
    assert line[2] == "2" and line[4] == "2" and line[12] == "1"
    line = next(
        r
        for r in list(
            csv.reader(
                io.StringIO(
                    admin.get("/admin/performance.csv?from=2025-04-01&to=2025-04-01")
                    .get_data()
                    .decode("utf-8-sig")
                )
            )
        )
        if r[1] == journeys.SERVICE
    )
    assert line[2] == "1" and line[12] == "1"
    preset = admin.get("/admin/performance.csv?days=7")
    assert "service-performance-7d-" in preset.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "query, expected, invalid",
    [
        ("from=2025-02-30&to=2025-03-31", "开始日期“2025-02-30”不是有效日期", "from"),
        ("from=2025-03-01&to=31.03.2025", "结束日期“31.03.2025”不是有效日期", "to"),
        ("from=2025-03-31&to=2025-03-01", "开始日期（2025-03-31）晚于结束日期（2025-03-01）", "to"),
        ("from=2023-01-01&to=2025-03-01", "最长 366 天", "to"),
        ("from=&to=2025-03-01", "请同时填写开始日期和结束日期", "from"),
    ],
)
def test_a_refused_range_is_explained_on_the_page(admin, query, expected, invalid):
    resp = admin.get(f"/admin/performance?{query}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    errors = page.split('id="range-errors"')[1].split("</div>\n  </div>")[0]
    assert expected in errors, errors
    assert "以下数据为近 30 天" in errors
    # The figures fall back to the default preset, and the typed dates stay in the form.
    assert 'class="btn btn-primary" href="/admin/performance?days=30"' in page
    other = "to" if invalid == "from" else "from"
    assert f'form-control-sm is-invalid" type="date" id="range-{invalid}"' in page
    assert f'form-control-sm" type="date" id="range-{other}"' in page
    assert 'href="/admin/performance.csv?days=30"' in page
    # The CSV of a refused range goes back to the page that explains it.
    csv_resp = admin.get(f"/admin/performance.csv?{query}")
    assert csv_resp.status_code == 302
    assert csv_resp.headers["Location"].startswith("/admin/performance?")
    assert expected in admin.get(csv_resp.headers["Location"]).get_data(as_text=True)


def test_dates_after_today_are_moved_to_today_on_the_page(admin):
    today = utcnow().astimezone(TZ).date()
    resp = admin.get("/admin/performance?from=2099-01-01&to=2099-12-31")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="range-errors"' not in page
    assert 'id="range-clipped"' in page and "已调整为今天" in page
    assert f'value="{today.isoformat()}"' in page and f'max="{today.isoformat()}"' in page
    assert "（1 天）" in page
