"""The holiday calendar administrators keep: public holidays and make-up working days (调休)
that the working-day clocks of app/domain/calendar.py count with."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import Holiday

NAME_MAX = 64


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
