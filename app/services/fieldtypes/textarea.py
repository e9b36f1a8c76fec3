"""`textarea`: several lines of free text, trimmed, at most `max_length` characters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import max_length
from app.services.fieldtypes.registry import FieldType, register


@register
class Textarea(FieldType):
    """A multi-line text box."""

    name = "textarea"
    label = _l("Longer text")
    validators = (max_length,)
    widget_macro = "textarea_input"
    input_attrs = {}
