"""Working time between two instants, in working days, from the holiday calendar.

A working day counts 24 hours; weekends and holidays count nothing, make-up working days
(调休) count fully — so a case submitted on Friday 17:00 and decided on Monday 09:00 took
16 hours = 0.67 working days. Measured once when a case or a task closes
(`app.services.rollups`) and stored on it.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.domain.calendar import exceptions_between, is_working_day
from app.models import utcnow

DAY = 86400.0


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
        exceptions = exceptions_between(first, last)  # the calendar's read of this transaction
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

    def local_day(self, instant: datetime) -> date:
        """The local calendar day `instant` falls on."""
        return instant.astimezone(self.tz).date()

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


def working_days(start: datetime | None, end: datetime | None) -> float | None:
    """Working days from `start` to `end`, or None when either is missing."""
    if start is None or end is None:
        return None
    return WorkingClock.covering([start, end]).working_days(start, end)
