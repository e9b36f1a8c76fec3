"""`number`: a finite decimal number (amounts, capital), within the schema's `min`/`max`.

Shown in the reader's locale: grouped digits ("80,000"), or money when the field names its
`"currency"` ("¥80,000.00")."""

from __future__ import annotations

import math

from flask_babel import format_currency, format_decimal
from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import number_range
from app.services.fieldtypes.registry import FieldProblem, FieldType, register


@register
class Number(FieldType):
    """A number input; stored as a float."""

    name = "number"
    label = _l("Number")
    validators = (number_range,)
    input_attrs = {"type": "number", "step": "any", "inputmode": "decimal"}

    def parse(self, field: dict, value) -> float:
        """The value as a float; NaN and infinities are not numbers a person means."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise FieldProblem(_l("Enter a number.")) from None
        if not math.isfinite(number):
            raise FieldProblem(_l("Enter a number."))
        return number

    def display(self, field: dict, value, translate):
        """Grouped digits, or money in the field's `currency`, in the page's locale."""
        if value is None or value == "":
            return "—"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value
        if field.get("currency"):
            return format_currency(number, field["currency"])
        return format_decimal(number, format="#,##0.##")
