"""`number`: a finite decimal number (amounts, capital), within the schema's `min`/`max`."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import number_range
from app.services.fieldtypes.registry import FieldProblem, FieldType, register


@register
class Number(FieldType):
    """A number input; stored as a float."""

    name = "number"
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
