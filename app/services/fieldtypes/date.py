"""`date`: a calendar day, stored as YYYY-MM-DD, within the schema's `min`/`max` where given.

A bound is a date (`"2020-01-01"`), `"today"` (the local day the form is sent), or today
moved by whole days (`"today-180"`: at least 180 days ago; `"today+30"`). The date picker
offers only days within the bounds; a day outside them is refused with the bound as a date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.registry import FieldProblem, FieldType, Widget, register
from app.services.periods import local_today

_RELATIVE = re.compile(r"^today(?:([+-])(\d{1,5}))?$")


def _read_bound(text) -> date | int | None:
    """A bound as written: a fixed date, or a number of days from today; None if not one."""
    if not isinstance(text, str):
        return None
    relative = _RELATIVE.match(text.strip())
    if relative:
        sign, days = relative.groups()
        return -int(days or 0) if sign == "-" else int(days or 0)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def bound(text) -> date | None:
    """The day a `min`/`max` bound stands for today; None when it is not one."""
    written = _read_bound(text)
    if isinstance(written, int):
        return local_today() + timedelta(days=written)
    return written


def is_bound(text) -> bool:
    """`text` is a bound: a date, "today" or today moved by whole days (read without the
    app: the form files are checked at load)."""
    return _read_bound(text) is not None


def date_range(field: dict, value: str):
    """Not before the schema's `min` nor after its `max`, where given."""
    day = date.fromisoformat(value)
    earliest, latest = bound(field.get("min")), bound(field.get("max"))
    if earliest is not None and day < earliest:
        return _l("Enter %(date)s or a later date.", date=earliest.isoformat())
    if latest is not None and day > latest:
        return _l("Enter %(date)s or an earlier date.", date=latest.isoformat())
    return None


@register
class Date(FieldType):
    """A date input (the browser's date picker)."""

    name = "date"
    label = _l("Date")
    validators = (date_range,)
    input_attrs = {"type": "date"}

    def parse(self, field: dict, value) -> str:
        """The ISO form of the date; anything else is refused."""
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise FieldProblem(_l("Enter a date as YYYY-MM-DD.")) from None

    def widget(self, field: dict, radios: bool = False) -> Widget:
        """The date picker, limited to the days within the bounds."""
        attrs = dict(self.input_attrs)
        for key in ("min", "max"):
            day = bound(field.get(key))
            if day is not None:
                attrs[key] = day.isoformat()
        return Widget(self.widget_macro, attrs)

    def schema_problems(self, field: dict) -> list[str]:
        return [
            f'"{key}" is not a date, "today" or "today-<days>": {field[key]!r}'
            for key in ("min", "max")
            if key in field and not is_bound(field[key])
        ]
