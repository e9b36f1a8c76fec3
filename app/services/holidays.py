"""The holiday calendar administrators keep: public holidays and make-up working days (调休)
that the working-day clocks of app/domain/calendar.py count with.

The State Council's arrangement for a year is imported from the `chinese-calendar` package
(`import_official`), which ships each year's notice once it is published; administrators
correct or add days by hand (a year the package does not know yet, a local arrangement)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import Holiday

NAME_MAX = 64
MAKE_UP_SUFFIX = "调休上班"


def official_years() -> list[int]:
    """The years whose official arrangement the installed chinese-calendar package knows."""
    import chinese_calendar

    return sorted({day.year for day in chinese_calendar.holidays})


def official_days(year: int) -> list[tuple[date, str, bool]]:
    """(day, name, is_workday) for `year` as published: the days off (weekends inside a
    holiday block included) and the make-up working days on weekends."""
    import chinese_calendar

    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = [
        (day, names.get(name, name), False)
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    days += [
        (day, f"{names.get(name, name)}{MAKE_UP_SUFFIX}", True)
        for day, name in chinese_calendar.workdays.items()
        if day.year == year and name and day.weekday() >= 5
    ]
    return sorted(days)


def display_name(name: str, locale: str) -> str:
    """An official holiday's name in `locale` (the calendar stores the Chinese one, as
    published); a make-up working day says so; a name an administrator typed stays as is."""
    if locale == "zh":
        return name
    import chinese_calendar

    english = {h.chinese: h.value for h in chinese_calendar.Holiday}
    if name.endswith(MAKE_UP_SUFFIX) and name[: -len(MAKE_UP_SUFFIX)] in english:
        holiday = english[name[: -len(MAKE_UP_SUFFIX)]]
        return str(_l("Make-up working day for %(holiday)s", holiday=holiday))
    return english.get(name, name)


@uow.use_case
def import_official(year: int) -> int:
    """Add or overwrite `year`'s official days in the calendar; returns how many were
    written. ValidationFailed when the installed package has no arrangement for that year."""
    days = official_days(year)
    if not days:
        known = ", ".join(str(y) for y in official_years()[-3:])
        raise ValidationFailed(
            {
                "year": _l(
                    "The official arrangement for %(year)d is not known yet (known: %(known)s). "
                    "Add its days by hand once the State Council publishes them.",
                    year=year,
                    known=known,
                )
            }
        )
    for day, name, is_workday in days:
        row = db.session.get(Holiday, day) or Holiday(day=day)
        row.name, row.is_workday = name[:NAME_MAX], is_workday
        db.session.add(row)
    return len(days)


def list_days() -> list[Holiday]:
    """Every exceptional day, in date order."""
    return list(db.session.execute(db.select(Holiday).order_by(Holiday.day)).scalars())


def parse_day(raw: str) -> date:
    """A date typed as YYYY-MM-DD; ValidationFailed otherwise."""
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise ValidationFailed({"day": _l("Enter a date as YYYY-MM-DD.")}) from exc


@uow.use_case
def save_day(raw_day: str, name: str, is_workday: bool) -> Holiday:
    """Add or change one day: a holiday, or (with `is_workday`) a make-up working day."""
    day = parse_day(raw_day)
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.name = (name or "").strip()[:NAME_MAX] or day.isoformat()
    row.is_workday = bool(is_workday)
    db.session.add(row)
    events.audited(
        "admin_change",
        object_type="holiday",
        object_id=day.isoformat(),
        details={"change": "save_day", "name": row.name, "is_workday": row.is_workday},
    )
    return row


@uow.use_case
def delete_day(raw_day: str) -> bool:
    """Remove one day from the calendar; False if it was not there (or not a date)."""
    try:
        day = parse_day(raw_day)
    except ValidationFailed:
        return False
    row = db.session.get(Holiday, day)
    if row is None:
        return False
    db.session.delete(row)
    events.audited(
        "admin_change",
        object_type="holiday",
        object_id=day.isoformat(),
        details={"change": "delete_day", "name": row.name},
    )
    return True
