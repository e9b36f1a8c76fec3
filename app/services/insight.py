"""Chart data for the performance page (Apache ECharts on the page, a table beside each
chart for readers who cannot see it): everything comes from the analytics rollups, in two
SQL statements whatever the size of the history.

Series run per day for up to 31 days, per ISO week up to 120 days, else per month; each
chart has a translated title and the labels of its series (the page draws what it gets).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func

from app.extensions import db
from app.models import CaseRollup, DurationRollup
from app.services.analytics import CASE_SUMS, days_of, ratio, rollup_filter
from app.services.periods import Period
from app.services.rollups import bucket_floor

LEAD_EDGES = (0, 1, 2, 3, 5, 10, 20)  # working days: 0–1, 1–2, 2–3, 3–5, 5–10, 10–20, 20+


def _slot(day: date, step: str) -> date:
    if step == "day":
        return day
    if step == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _slots(first: date, last: date, step: str) -> list[date]:
    out, day = [], first
    while day <= last:
        slot = _slot(day, step)
        if not out or out[-1] != slot:
            out.append(slot)
        day += timedelta(days=1)
    return out


def _pct(part, whole):
    value = ratio(part, whole)
    return None if value is None else round(value * 100, 1)


def chart_data(p: Period, service_id=None, department_id=None) -> dict:
    """{"labels": [...], "charts": {name: {title, series: [{name, type, data}], ...}}}."""
    first, last = days_of(p)
    span = (last - first).days + 1
    step = "day" if span <= 31 else ("week" if span <= 120 else "month")
    slots = _slots(first, last, step)
    index = {slot: i for i, slot in enumerate(slots)}
    sums = {name: [0] * len(slots) for name in CASE_SUMS}
    filters = {"service_id": service_id, "department_id": department_id}
    rows = db.session.execute(
        db.select(CaseRollup.day, *[func.sum(CaseRollup.__table__.c[n]) for n in CASE_SUMS])
        .where(*rollup_filter(CaseRollup, p, **filters))
        .group_by(CaseRollup.day)
    ).all()
    for row in rows:
        i = index[_slot(row[0], step)]
        for name, value in zip(CASE_SUMS, row[1:], strict=True):
            sums[name][i] += value or 0
    lead = [0] * len(LEAD_EDGES)
    for bucket, n in db.session.execute(
        db.select(DurationRollup.bucket, func.sum(DurationRollup.n))
        .where(DurationRollup.kind == "case", *rollup_filter(DurationRollup, p, **filters))
        .group_by(DurationRollup.bucket)
    ):
        floor = bucket_floor(bucket)
        lead[max(i for i, edge in enumerate(LEAD_EDGES) if floor >= edge)] += int(n or 0)
    each = range(len(slots))
    s = sums
    lead_labels = [f"{a}–{b}" for a, b in zip(LEAD_EDGES, LEAD_EDGES[1:], strict=False)] + [
        f"{LEAD_EDGES[-1]}+"
    ]
    return {
        "step": step,
        "labels": [slot.isoformat() for slot in slots],
        "charts": {
            "volume": {
                "title": _("Cases submitted and decided"),
                "unit": _("cases"),
                "series": [
                    {"name": _("Cases submitted"), "type": "bar", "data": s["submitted"]},
                    {"name": _("Cases decided"), "type": "line", "data": s["decided"]},
                ],
            },
            "lead_time": {
                "title": _("Working days from submission to decision"),
                "unit": _("cases"),
                "categories": lead_labels,
                "series": [{"name": _("Cases decided"), "type": "bar", "data": lead}],
            },
            "on_time": {
                "title": _("Decided on time (%)"),
                "unit": "%",
                "series": [
                    {
                        "name": _("Within the promised limit"),
                        "type": "line",
                        "data": [
                            _pct(s["on_time_promised"][i], s["with_promised"][i]) for i in each
                        ],
                    },
                    {
                        "name": _("Within the statutory limit"),
                        "type": "line",
                        "data": [
                            _pct(s["on_time_statutory"][i], s["with_statutory"][i]) for i in each
                        ],
                    },
                ],
            },
            "corrections": {
                "title": _("Decided cases that needed a correction"),
                "unit": _("cases"),
                "series": [
                    {"name": _("Needed a correction"), "type": "bar", "data": s["corrected"]},
                    {
                        "name": _("Share (%)"),
                        "type": "line",
                        "axis": 1,
                        "data": [_pct(s["corrected"][i], s["decided"][i]) for i in each],
                    },
                ],
            },
            "ratings": {
                "title": _("Citizens' ratings"),
                "unit": _("ratings"),
                "series": [
                    {"name": _("Ratings"), "type": "bar", "data": s["ratings"]},
                    {
                        "name": _("Share satisfied (%)"),
                        "type": "line",
                        "axis": 1,
                        "data": [_pct(s["satisfied"][i], s["ratings"][i]) for i in each],
                    },
                ],
            },
            "agreement": {
                "title": _("Auto-review: clerks agreed with the document type (%)"),
                "unit": "%",
                "series": [
                    {
                        "name": _("Agreement (%)"),
                        "type": "line",
                        "data": [
                            _pct(
                                s["files_reviewed"][i] - s["files_type_corrected"][i],
                                s["files_reviewed"][i],
                            )
                            for i in each
                        ],
                    },
                    {
                        "name": _("Passed without remarks (%)"),
                        "type": "line",
                        "data": [_pct(s["files_passed"][i], s["files_reviewed"][i]) for i in each],
                    },
                ],
            },
        },
    }
