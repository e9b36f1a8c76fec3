"""Working-day arithmetic for statutory time limits, with an admin-maintained holiday table."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app import uow
from app.extensions import db
from app.models import Holiday


def exceptions_between(start, end) -> dict:
    """The holiday table's entries from `start` to `end`: read for a year beyond the first
    range asked for, once per transaction (a case's several deadlines share one read) and
    kept per process (`uow.per_process`: the calendar changes when an administrator edits it)."""
    loaded = uow.per_transaction(Holiday, "calendar", dict)  # (first, last) -> {day: works}
    for (first, last), rows in loaded.items():
        if first <= start and end <= last:
            return {day: works for day, works in rows.items() if start <= day <= end}
    last = end + timedelta(days=366)
    loaded[(start, last)] = uow.per_process(
        Holiday, ("calendar", start, last), lambda: _exceptions(start, last)
    )
    return exceptions_between(start, end)


def _exceptions(first, last) -> dict:
    rows = db.session.execute(
        db.select(Holiday.day, Holiday.is_workday).where(Holiday.day >= first, Holiday.day <= last)
    )
    return dict(rows.all())


def is_working_day(day, exceptions: dict) -> bool:
    """Weekdays are working days unless a holiday; a make-up day (调休) works on a weekend."""
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (local time) of the working day `days` working days after `start`, in UTC."""
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    local = start.astimezone(tz)
    exceptions = exceptions_between(local.date(), local.date() + timedelta(days=days * 3 + 30))
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, exceptions):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime):
    """The calendar day (local time) of an aware moment."""
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    return moment.astimezone(tz).date()


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after `start`'s day up to and including `end`'s day (local time): how
    far a clock stopped at `start` and resumed at `end` must move. 0 within one day."""
    first, last = local_date(start), local_date(end)
    if last <= first:
        return 0
    exceptions = exceptions_between(first, last)
    return sum(
        is_working_day(first + timedelta(days=n), exceptions)
        for n in range(1, (last - first).days + 1)
    )
