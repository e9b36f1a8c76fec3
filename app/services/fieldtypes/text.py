"""`text`: one line of free text, trimmed, at most `max_length` characters."""

from __future__ import annotations

from app.services.fieldtypes.checks import max_length
from app.services.fieldtypes.registry import FieldType, register


@register
class Text(FieldType):
    """A single-line text input."""

    name = "text"
    validators = (max_length,)
