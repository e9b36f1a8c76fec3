"""Service performance for administrators: how each service and department is doing.

Plain functions over the analytics rollups (`app.models.rollups`, kept by
`app.services.rollups`): the page sums rows per day × service × department and never scans
the history of cases, tasks or files; only "open now" and "overdue now" are counted live, over
the indexes of the open cases and tasks. Durations are in working days (measured once, when a
case is decided or a task done; see `app.services.working_time`); their percentiles come from
the rollups' histograms. The period (a preset or a custom range of local calendar days) is a
`periods.Period`: the rollups count whole local days, from the day the period starts.
A department filter keeps the cases whose service that department leads, and that
department's tasks.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.extensions import db
from app.models import (
    RUNNING_STATUSES,
    Application,
    CaseRollup,
    Department,
    DurationRollup,
    HumanTask,
    Service,
    TaskRollup,
    TaskStatus,
)
from app.services.periods import Period, local_today
from app.services.rollups import histogram_percentile
from app.services.working_time import WorkingClock, percentile  # noqa: F401 (re-exported)

OPEN_STATUSES = RUNNING_STATUSES
LIVE_TASKS = (TaskStatus.OPEN, TaskStatus.CLAIMED)
CASE_SUMS = tuple(
    c.name
    for c in CaseRollup.__table__.columns
    if c.name not in ("day", "service_id", "department_id")
)


def ratio(part, whole) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "—", never 0 %)."""
    return part / whole if whole else None


def _n(value) -> int:
    return int(value or 0)


def days_of(p: Period) -> tuple[date, date]:
    """The local calendar days the period covers (first and last, both included)."""
    return local_today(p.start), local_today(p.end)


def rollup_filter(model, p: Period, service_id=None, department_id=None) -> list:
    first, last = days_of(p)
    conditions = [model.day >= first, model.day <= last]
    if service_id:
        conditions.append(model.service_id == service_id)
    if department_id:
        conditions.append(model.department_id == department_id)
    return conditions


def case_sums(p: Period, by=CaseRollup.service_id, **filters) -> dict:
    """{key: {counter: sum}} of the case rollups in the period, grouped by `by` (None: one
    group, key None)."""
    keys = [by] if by is not None else []
    rows = db.session.execute(
        db.select(*keys, *[func.sum(CaseRollup.__table__.c[name]) for name in CASE_SUMS])
        .where(*rollup_filter(CaseRollup, p, **filters))
        .group_by(*keys)
    ).all()
    out = {}
    for row in rows:
        key = row[0] if keys else None
        out[key] = {name: (v or 0) for name, v in zip(CASE_SUMS, row[len(keys) :], strict=True)}
    return out


def histograms(kind: str, p: Period, by, **filters) -> dict:
    """{key: [(n, days_sum)] ordered by bucket} of the duration rollups of `kind`."""
    keys = [by] if by is not None else []
    rows = db.session.execute(
        db.select(
            *keys,
            DurationRollup.bucket,
            func.sum(DurationRollup.n),
            func.sum(DurationRollup.days_sum),
        )
        .where(DurationRollup.kind == kind, *rollup_filter(DurationRollup, p, **filters))
        .group_by(*keys, DurationRollup.bucket)
        .order_by(DurationRollup.bucket)
    ).all()
    out: dict = {}
    for row in rows:
        key = row[0] if keys else None
        out.setdefault(key, []).append((_n(row[-2]), float(row[-1] or 0)))
    return out


def _merge(histos) -> list:
    """Pool several histograms given as lists of (n, days_sum) per bucket (already in bucket
    order within each): percentiles of the pooled durations."""
    pooled = [point for h in histos for point in h if point[0]]
    return sorted(pooled, key=lambda point: point[1] / point[0])


def open_cases(service_id=None, service_ids=None) -> dict:
    """{service_id: cases open now} (live: the index of case statuses)."""
    query = db.select(Application.service_id, func.count()).where(
        Application.status.in_(OPEN_STATUSES)
    )
    if service_id:
        query = query.where(Application.service_id == service_id)
    if service_ids is not None:
        query = query.where(Application.service_id.in_(service_ids))
    return dict(db.session.execute(query.group_by(Application.service_id)).all())


def case_figures(c: dict | None, histo: list) -> dict:
    """The figures of one service (or all together) from its summed counters."""
    c = c or dict.fromkeys(CASE_SUMS, 0)
    decided = _n(c["decided"])
    ratings = _n(c["ratings"])
    return {
        "submitted": _n(c["submitted"]),
        "approved": _n(c["approved"]),
        "rejected": _n(c["rejected"]),
        "decided": decided,
        "approval_rate": ratio(_n(c["approved"]), decided),
        "median_days": histogram_percentile(histo, 0.5),
        "p90_days": histogram_percentile(histo, 0.9),
        "mean_days": ratio(float(c["lead_days_sum"]), decided),
        "on_time": _n(c["on_time_statutory"]),
        "on_time_rate": ratio(_n(c["on_time_statutory"]), _n(c["with_statutory"])),
        "on_time_promised_rate": ratio(_n(c["on_time_promised"]), _n(c["with_promised"])),
        "corrected": _n(c["corrected"]),
        "correction_rate": ratio(_n(c["corrected"]), decided),
        "ratings": ratings,
        "rating_avg": ratio(_n(c["rating_sum"]), ratings),
        "satisfied": _n(c["satisfied"]),
        "satisfied_rate": ratio(_n(c["satisfied"]), ratings),
    }


def _led_by(department_id) -> list | None:
    """Ids of the services the department leads (None: no department filter)."""
    if not department_id:
        return None
    rows = db.session.execute(
        db.select(CaseRollup.service_id).where(CaseRollup.department_id == department_id).distinct()
    ).scalars()
    return list(rows)


def service_performance(p: Period, service_id=None, department_id=None) -> list[dict]:
    """One row per service: cases submitted, open now, approved/rejected in the period, the
    approval rate, working days from submission to decision (median, 90th percentile), the
    shares decided within the statutory and the promised limit, the share that needed a
    correction (补正), and the citizens' ratings given in the period."""
    filters = {"service_id": service_id, "department_id": department_id}
    sums = case_sums(p, **filters)
    histos = histograms("case", p, DurationRollup.service_id, **filters)
    open_now = open_cases(service_id, _led_by(department_id))
    services = db.select(Service).order_by(Service.id)
    if service_id:
        services = services.where(Service.id == service_id)
    out = []
    for service in db.session.execute(services).scalars():
        if department_id and service.id not in sums and service.id not in open_now:
            continue
        row = {
            "service": service,
            "code": service.code,
            "time_limit_days": service.time_limit_days,
            "open": _n(open_now.get(service.id)),
            **case_figures(sums.get(service.id), histos.get(service.id, [])),
            "_counters": sums.get(service.id) or dict.fromkeys(CASE_SUMS, 0),
            "_histogram": histos.get(service.id, []),
        }
        out.append(row)
    return out


def filter_choices() -> dict:
    """The services and departments the page can be narrowed to."""
    return {
        "services": list(db.session.execute(db.select(Service).order_by(Service.id)).scalars()),
        "departments": list(
            db.session.execute(db.select(Department).order_by(Department.id)).scalars()
        ),
    }


def empty_satisfaction() -> dict:
    """The satisfaction figures of a service nobody rated."""
    return {"ratings": 0, "rating_avg": None, "satisfied": 0, "satisfied_rate": None}


def department_performance(p: Period, service_id=None, department_id=None) -> list[dict]:
    """One row per department: open and overdue open tasks now (live: the open-task index);
    tasks done in the period, their median handling time (created → completed, working
    days) and share done by the task's due date."""
    T = HumanTask
    live = db.select(
        T.department_id, func.count(), func.sum(db.case((T.due_at < (p.now or p.end), 1), else_=0))
    ).where(T.status.in_(LIVE_TASKS), T.department_id.is_not(None))
    if service_id:
        live = live.where(T.service_id == service_id)
    open_now = {d: (n, late) for d, n, late in db.session.execute(live.group_by(T.department_id))}
    done = {
        row[0]: row[1:]
        for row in db.session.execute(
            db.select(
                TaskRollup.department_id,
                func.sum(TaskRollup.done),
                func.sum(TaskRollup.on_time),
                func.sum(TaskRollup.with_due),
            )
            .where(*rollup_filter(TaskRollup, p, service_id=service_id))
            .group_by(TaskRollup.department_id)
        )
    }
    histos = histograms("task", p, DurationRollup.department_id, service_id=service_id)
    departments = db.select(Department).order_by(Department.id)
    if department_id:
        departments = departments.where(Department.id == department_id)
    out = []
    for dept in db.session.execute(departments).scalars():
        n_open, n_late = open_now.get(dept.id, (0, 0))
        n_done, on_time, with_due = done.get(dept.id, (0, 0, 0))
        out.append(
            {
                "department": dept,
                "code": dept.code,
                "open": _n(n_open),
                "overdue": _n(n_late),
                "done": _n(n_done),
                "median_days": histogram_percentile(histos.get(dept.id, []), 0.5),
                "on_time_rate": ratio(_n(on_time), _n(with_due)),
            }
        )
    return out


def auto_review_summary(p: Period, service_id=None, department_id=None) -> dict:
    """The files of the cases decided in the period: how many were reviewed, the share that
    passed, and how often clerks agreed with the detected document type."""
    sums = case_sums(p, by=None, service_id=service_id, department_id=department_id)
    return review_figures(sums.get(None) or {})


def review_figures(counters: dict) -> dict:
    """The auto-review figures from summed case counters."""
    reviewed = _n(counters.get("files_reviewed"))
    passed = _n(counters.get("files_passed"))
    disagreed = _n(counters.get("files_type_corrected"))
    return {
        "reviewed": reviewed,
        "passed": passed,
        "pass_rate": ratio(passed, reviewed),
        "corrected": disagreed,
        "agreement": ratio(reviewed - disagreed, reviewed),
    }


def totals(services: list[dict]) -> dict:
    """All services together (durations pooled, not averaged per service)."""
    counters = dict.fromkeys(CASE_SUMS, 0)
    for row in services:
        for name in CASE_SUMS:
            counters[name] += row["_counters"][name]
    out = case_figures(counters, _merge(r["_histogram"] for r in services))
    out["open"] = sum(r["open"] for r in services)
    out["_counters"] = counters
    return out


def overview(p: Period, service_id=None, department_id=None) -> dict:
    """Everything the performance page shows."""
    services = service_performance(p, service_id, department_id)
    total = totals(services)
    return {
        "period": p,
        "services": services,
        "totals": total,
        "departments": department_performance(p, service_id, department_id),
        "auto_review": review_figures(total["_counters"]),
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
