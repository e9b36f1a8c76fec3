"""Service performance for administrators: how each service and department is doing.

Plain functions over the database, callable without HTTP (the admin page and its CSV export
are thin views over `overview()`). Counts are aggregated in SQL (portable between SQLite and
PostgreSQL); durations are measured in working days, which needs the holiday calendar, so only
the two timestamps of each decided case or finished task in the period are read and measured
here. A working day counts 24 hours; weekends and holidays count nothing, make-up working
days (调休) count fully — so a case submitted on Friday 17:00 and decided on Monday 09:00 took
16 hours = 0.67 working days. The period (a preset or a custom range of local calendar days)
is a `periods.Period`.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_

from app.domain.calendar import is_working_day
from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Department,
    Holiday,
    HumanTask,
    Rating,
    Service,
    TaskStatus,
    utcnow,
)
from app.models.ratings import SATISFIED_LEVEL_MIN
from app.services.periods import Period, local_today

OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.CORRECTION,
)
LIVE_TASKS = (TaskStatus.OPEN, TaskStatus.CLAIMED)
DAY = 86400.0


def ratio(part, whole) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "—", never 0 %)."""
    return part / whole if whole else None


def percentile(values, q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks; None if empty."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


class WorkingClock:
    """Working time between instants, with the holiday table read once for a date range."""

    def __init__(self, first: date, last: date):
        self.tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
        self.first = first
        rows = db.session.execute(
            db.select(Holiday.day, Holiday.is_workday).where(
                Holiday.day >= first, Holiday.day <= last
            )
        ).all()
        exceptions = dict(rows)
        self._working = []
        self._before = [0]  # working days strictly before first + i
        day = first
        while day <= last:
            working = is_working_day(day, exceptions)
            self._working.append(working)
            self._before.append(self._before[-1] + int(working))
            day += timedelta(days=1)

    @classmethod
    def covering(cls, instants) -> WorkingClock:
        """A clock for every date the given (aware) instants fall on, in local time."""
        tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
        instants = [i for i in instants if i is not None] or [utcnow()]
        return cls(min(instants).astimezone(tz).date(), max(instants).astimezone(tz).date())

    def _seconds(self, instant: datetime) -> float:
        local = instant.astimezone(self.tz)
        index = (local.date() - self.first).days
        if index < 0 or index >= len(self._working):
            raise ValueError(f"{instant} is outside the clock's range")
        seconds = self._before[index] * DAY
        if self._working[index]:  # time of day (a DST day would be off by its shift)
            seconds += (
                local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
            )
        return seconds

    def working_days(self, start: datetime, end: datetime) -> float:
        """Working days from `start` to `end` (0 if end is not after start)."""
        return max(0.0, (self._seconds(end) - self._seconds(start)) / DAY)


def _durations(rows) -> dict:
    """{key: [working days]} from (key, start, end) rows."""
    rows = list(rows)
    clock = WorkingClock.covering([r[1] for r in rows] + [r[2] for r in rows])
    out: dict = {}
    for key, start, end in rows:
        out.setdefault(key, []).append(clock.working_days(start, end))
    return out


def _n(value) -> int:
    return int(value or 0)


def _in(column, p: Period):
    return and_(column >= p.start, column <= p.end)


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def service_performance(p: Period) -> list[dict]:
    """One row per service: cases submitted, open now, approved/rejected in the period, the
    approval rate, working days from submission to decision (median, 90th percentile), the
    share decided within the statutory limit, the share that needed a correction (补正), and
    the citizens' ratings given in the period."""
    A = Application
    decided = _in(A.decided_at, p)
    had_correction = exists().where(
        HumanTask.application_id == A.id, HumanTask.outcome == "correction"
    )
    counts = {
        row.service_id: row
        for row in db.session.execute(
            db.select(
                A.service_id,
                _count(_in(A.submitted_at, p)).label("submitted"),
                _count(A.status.in_(OPEN_STATUSES)).label("open"),
                _count(and_(decided, A.decision == "approved")).label("approved"),
                _count(and_(decided, A.decision == "rejected")).label("rejected"),
                _count(and_(decided, A.due_at.is_not(None), A.decided_at <= A.due_at)).label(
                    "on_time"
                ),
                _count(and_(decided, A.due_at.is_not(None))).label("with_limit"),
                _count(and_(decided, had_correction)).label("corrected"),
            )
            .where(
                A.case_number.is_not(None),
                or_(
                    A.submitted_at >= p.start, A.decided_at >= p.start, A.status.in_(OPEN_STATUSES)
                ),
            )
            .group_by(A.service_id)
        )
    }
    durations = _durations(
        db.session.execute(
            db.select(A.service_id, A.submitted_at, A.decided_at).where(
                decided, A.submitted_at.is_not(None)
            )
        ).all()
    )
    ratings = satisfaction_by_service(p)
    out = []
    for service in db.session.execute(db.select(Service).order_by(Service.id)).scalars():
        c = counts.get(service.id)
        approved, rejected = (_n(c.approved), _n(c.rejected)) if c else (0, 0)
        decided_n = approved + rejected
        days = durations.get(service.id, [])
        row = {
            "service": service,
            "code": service.code,
            "time_limit_days": service.time_limit_days,
            "submitted": _n(c.submitted) if c else 0,
            "open": _n(c.open) if c else 0,
            "approved": approved,
            "rejected": rejected,
            "decided": decided_n,
            "approval_rate": ratio(approved, decided_n),
            "median_days": percentile(days, 0.5),
            "p90_days": percentile(days, 0.9),
            "on_time": _n(c.on_time) if c else 0,
            "on_time_rate": ratio(_n(c.on_time), _n(c.with_limit)) if c else None,
            "corrected": _n(c.corrected) if c else 0,
            "correction_rate": ratio(_n(c.corrected), decided_n) if c else None,
            "_days": days,
            "_with_limit": _n(c.with_limit) if c else 0,
        }
        row.update(ratings.get(service.id, empty_satisfaction()))
        out.append(row)
    return out


def empty_satisfaction() -> dict:
    """The satisfaction figures of a service nobody rated."""
    return {"ratings": 0, "rating_avg": None, "satisfied": 0, "satisfied_rate": None}


def satisfaction_by_service(p: Period) -> dict:
    """{service_id: ratings given in the period, their average, share satisfied (4–5)}."""
    rows = db.session.execute(
        db.select(
            Application.service_id,
            func.count(Rating.id),
            func.avg(Rating.level),
            _count(Rating.level >= SATISFIED_LEVEL_MIN),
        )
        .join(Application, Rating.application_id == Application.id)
        .where(_in(Rating.created_at, p))
        .group_by(Application.service_id)
    ).all()
    return {
        sid: {
            "ratings": _n(n),
            "rating_avg": float(avg) if avg is not None else None,
            "satisfied": _n(sat),
            "satisfied_rate": ratio(_n(sat), _n(n)),
        }
        for sid, n, avg, sat in rows
    }


def department_performance(p: Period) -> list[dict]:
    """One row per department: open and overdue open tasks now; tasks done in the period,
    their median handling time (created → completed, working days) and share done by the
    task's due date."""
    T = HumanTask
    live = T.status.in_(LIVE_TASKS)
    done = and_(T.status == TaskStatus.DONE, _in(T.completed_at, p))
    counts = {
        row.department_id: row
        for row in db.session.execute(
            db.select(
                T.department_id,
                _count(live).label("open"),
                _count(and_(live, T.due_at < (p.now or p.end))).label("overdue"),
                _count(done).label("done"),
                _count(and_(done, T.due_at.is_not(None), T.completed_at <= T.due_at)).label(
                    "on_time"
                ),
                _count(and_(done, T.due_at.is_not(None))).label("with_due"),
            )
            .where(T.department_id.is_not(None), or_(live, done))
            .group_by(T.department_id)
        )
    }
    durations = _durations(
        db.session.execute(
            db.select(T.department_id, T.created_at, T.completed_at).where(done)
        ).all()
    )
    out = []
    for dept in db.session.execute(db.select(Department).order_by(Department.id)).scalars():
        c = counts.get(dept.id)
        days = durations.get(dept.id, [])
        out.append(
            {
                "department": dept,
                "code": dept.code,
                "open": _n(c.open) if c else 0,
                "overdue": _n(c.overdue) if c else 0,
                "done": _n(c.done) if c else 0,
                "median_days": percentile(days, 0.5),
                "on_time_rate": ratio(_n(c.on_time), _n(c.with_due)) if c else None,
            }
        )
    return out


def auto_review_summary(p: Period) -> dict:
    """Files uploaded in the period that were reviewed, the share that passed, and how often
    clerks agreed with the detected document type (as `reviews.agreement_rate`, per period)."""
    Att = Attachment
    detected = func.coalesce(Att.review["doc_type"].as_string(), "")
    corrected = and_(Att.corrected_type.is_not(None), Att.corrected_type != detected)
    reviewed, passed, disagreed = db.session.execute(
        db.select(func.count(), _count(Att.review_status == "pass"), _count(corrected)).where(
            Att.review.is_not(None), _in(Att.uploaded_at, p)
        )
    ).one()
    reviewed, passed, disagreed = _n(reviewed), _n(passed), _n(disagreed)
    return {
        "reviewed": reviewed,
        "passed": passed,
        "pass_rate": ratio(passed, reviewed),
        "corrected": disagreed,
        "agreement": ratio(reviewed - disagreed, reviewed),
    }


def totals(services: list[dict]) -> dict:
    """All services together (durations pooled, not averaged per service)."""
    keys = (
        "submitted",
        "open",
        "approved",
        "rejected",
        "decided",
        "on_time",
        "corrected",
        "ratings",
        "satisfied",
    )
    out = {k: sum(r[k] for r in services) for k in keys}
    days = [d for r in services for d in r["_days"]]
    with_limit = sum(r["_with_limit"] for r in services)
    rated = [(r["rating_avg"], r["ratings"]) for r in services if r["ratings"]]
    out.update(
        approval_rate=ratio(out["approved"], out["decided"]),
        median_days=percentile(days, 0.5),
        p90_days=percentile(days, 0.9),
        on_time_rate=ratio(out["on_time"], with_limit),
        correction_rate=ratio(out["corrected"], out["decided"]),
        rating_avg=ratio(sum(a * n for a, n in rated), out["ratings"]),
        satisfied_rate=ratio(out["satisfied"], out["ratings"]),
    )
    return out


def overview(p: Period) -> dict:
    """Everything the performance page shows."""
    services = service_performance(p)
    return {
        "period": p,
        "services": services,
        "totals": totals(services),
        "departments": department_performance(p),
        "auto_review": auto_review_summary(p),
    }


CSV_COLUMNS = (
    ("service", _l("Service")),
    ("code", _l("Code")),
    ("submitted", _l("Cases submitted")),
    ("open", _l("Open now")),
    ("approved", _l("Approved")),
    ("rejected", _l("Rejected")),
    ("approval_rate", _l("Approval rate (%)")),
    ("median_days", _l("Median working days to decision")),
    ("p90_days", _l("90th percentile working days")),
    ("time_limit_days", _l("Statutory limit (working days)")),
    ("on_time_rate", _l("Decided within the limit (%)")),
    ("correction_rate", _l("Needed a correction (%)")),
    ("ratings", _l("Ratings")),
    ("rating_avg", _l("Average rating")),
    ("satisfied_rate", _l("Satisfied (%)")),
)


def _cell(key: str, row: dict, locale: str):
    value = row.get(key)
    if key == "service":
        value = row["service"].display_name(locale)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):  # never a formula in Excel
            value = "'" + value
        return value
    if value is None:
        return ""
    if key.endswith("_rate"):
        return f"{value * 100:.1f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def csv_filename(p: Period) -> str:
    """The export's file name: a custom range names its first and last day, a preset its
    length and the day it ends."""
    if p.custom:
        return f"service-performance-{p.first:%Y%m%d}-{p.last:%Y%m%d}.csv"
    return f"service-performance-{p.days}d-{local_today(p.end):%Y%m%d}.csv"


def services_csv(services: list[dict], locale: str) -> str:
    """The per-service table as CSV text with a BOM, so that Excel reads Chinese as UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([str(label) for _, label in CSV_COLUMNS])
    for row in services:
        writer.writerow([_cell(key, row, locale) for key, _ in CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()
