"""`textarea`: several lines of free text, trimmed, at most `max_length` characters."""

from __future__ import annotations

from app.services.fieldtypes.checks import max_length
from app.services.fieldtypes.registry import FieldType, register


@register
class Textarea(FieldType):
    """A multi-line text box."""

    name = "textarea"
    validators = (max_length,)
    widget_macro = "textarea_input"
    input_attrs = {}
