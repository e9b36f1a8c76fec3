"""`date`: a calendar day, stored as YYYY-MM-DD."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.registry import FieldProblem, FieldType, register


@register
class Date(FieldType):
    """A date input (the browser's date picker)."""

    name = "date"
    input_attrs = {"type": "date"}

    def parse(self, field: dict, value) -> str:
        """The ISO form of the date; anything else is refused."""
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise FieldProblem(_l("Enter a date as YYYY-MM-DD.")) from None
