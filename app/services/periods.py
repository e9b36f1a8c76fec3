"""Reporting periods for service performance: a preset (the last 7/30/90/365 days up to now)
or a custom range of calendar days chosen by an administrator (?from=YYYY-MM-DD&to=YYYY-MM-DD).

Calendar days are those of the configured local time zone (config TIMEZONE, as the holiday
calendar and the working-day clock use), both ends included: a case submitted at 23:30 local
time on the last day belongs to the range. Dates after today are moved to today (there are no
figures for the future); a range longer than MAX_RANGE_DAYS, a first day after the last or a
date that is not YYYY-MM-DD is refused with a translated ValidationFailed that says what to do.
Pure date arithmetic: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.domain.errors import ValidationFailed
from app.models import utcnow

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
MAX_RANGE_DAYS = 366  # a leap year, so any calendar year fits
EARLIEST_YEAR = 1900  # older "dates" are typos (and year 1 would not even convert to UTC)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXAMPLE = "2025-03-31"


@dataclass(frozen=True)
class Period:
    """The reporting window [start, end], both instants included (aware, UTC).

    A preset has `first`/`last` None and ends now. A custom range covers the local calendar
    days `first`..`last`: `start` is local midnight of `first`, `end` the last microsecond of
    `last` (or now, when `last` is today). `days` is the number of days covered. `now` is when
    the period was asked for: "open now" and "overdue now" figures are measured then.
    """

    days: int
    start: datetime
    end: datetime
    first: date | None = None
    last: date | None = None
    clipped: bool = False  # a requested date after today was moved to today
    now: datetime | None = None

    @property
    def custom(self) -> bool:
        """True for a range of chosen calendar days, False for a preset."""
        return self.first is not None

    @property
    def query(self) -> dict:
        """The query arguments that ask for this period again (page, CSV, redirects)."""
        if self.custom:
            return {"from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"days": self.days}


def local_tz() -> ZoneInfo:
    """The configured local time zone (calendar days, working days)."""
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))


def local_today(now: datetime | None = None) -> date:
    """Today's date in the local time zone."""
    return (now or utcnow()).astimezone(local_tz()).date()


def period(days=None, now: datetime | None = None) -> Period:
    """The last `days` days up to `now`; anything but 7/30/90/365 means the default (30)."""
    try:
        days = int(str(days))
    except (TypeError, ValueError):
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    end = now or utcnow()
    return Period(days=days, start=end - timedelta(days=days), end=end, now=end)


def _bad_day(field: str, raw: str):
    shown = raw if len(raw) <= 40 else raw[:40] + "…"
    if field == "from":
        return _l(
            "The first day “%(value)s” is not a date: enter it as YYYY-MM-DD, "
            "for example %(example)s.",
            value=shown,
            example=_EXAMPLE,
        )
    return _l(
        "The last day “%(value)s” is not a date: enter it as YYYY-MM-DD, for example %(example)s.",
        value=shown,
        example=_EXAMPLE,
    )


def parse_day(raw, field: str = "from") -> date:
    """A YYYY-MM-DD calendar date, or ValidationFailed({field: message}).

    Only the plain ISO form is accepted (not 20250331, 2025-W13-1, 2025-3-31), as the date
    picker sends it and as the page shows it back.
    """
    text = str(raw or "").strip()
    try:
        if not _ISO_DAY.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
        if day.year < EARLIEST_YEAR:
            raise ValueError(text)
    except ValueError:
        raise ValidationFailed({field: _bad_day(field, text)}) from None
    return day


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def date_range(first_raw, last_raw, now: datetime | None = None) -> Period:
    """The local calendar days `first_raw`..`last_raw` (YYYY-MM-DD strings), both included.

    Every problem with the two dates is reported at once (ValidationFailed, keyed "from" and
    "to"); dates after today become today (`clipped`); then the range may cover at most
    MAX_RANGE_DAYS days.
    """
    now = now or utcnow()
    first_text, last_text = str(first_raw or "").strip(), str(last_raw or "").strip()
    if not first_text or not last_text:
        raise ValidationFailed(
            {
                "to" if first_text else "from": _l(
                    "Enter both the first and the last day of the range."
                )
            }
        )
    errors, days = {}, {}
    for field, text in (("from", first_text), ("to", last_text)):
        try:
            days[field] = parse_day(text, field)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    first, last = days["from"], days["to"]
    if first > last:
        raise ValidationFailed(
            {
                "to": _l(
                    "The first day (%(first)s) is after the last day (%(last)s): "
                    "swap them or choose other dates.",
                    first=first.isoformat(),
                    last=last.isoformat(),
                )
            }
        )
    tz = local_tz()
    today = now.astimezone(tz).date()
    clipped = last > today
    first, last = min(first, today), min(last, today)
    count = (last - first).days + 1
    if count > MAX_RANGE_DAYS:
        raise ValidationFailed(
            {
                "to": _l(
                    "A range can cover at most %(max)d days, but %(first)s to %(last)s "
                    "covers %(n)d. Choose a shorter range (export one year at a time).",
                    max=MAX_RANGE_DAYS,
                    first=first.isoformat(),
                    last=last.isoformat(),
                    n=count,
                )
            }
        )
    end = _local_midnight(last + timedelta(days=1), tz) - timedelta(microseconds=1)
    return Period(
        days=count,
        start=_local_midnight(first, tz),
        end=min(end, now),
        first=first,
        last=last,
        clipped=clipped,
        now=now,
    )


def requested(args, now: datetime | None = None) -> Period:
    """The period a query string asks for: a custom range when `from` or `to` is given
    (ValidationFailed if it is not a valid one), else the `days` preset (never fails)."""
    first, last = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if first or last:
        return date_range(first, last, now)
    return period(args.get("days"), now)
