"""`text`: one line of free text, trimmed, at most `max_length` characters, matching
the optional `pattern`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import max_length, pattern, pattern_problems
from app.services.fieldtypes.registry import FieldType, register


@register
class Text(FieldType):
    """A single-line text input."""

    name = "text"
    label = _l("Text")
    validators = (max_length, pattern)

    def schema_problems(self, field: dict) -> list[str]:
        """An optional `pattern` must be a valid regular expression."""
        return pattern_problems(field)
