"""`select`: one of the schema's `options` (a drop-down, or radio buttons on task forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import one_of_options, options_problems
from app.services.fieldtypes.registry import FieldType, Widget, register


@register
class Select(FieldType):
    """A choice among listed options; the stored value is the option's `value`."""

    name = "select"
    label = _l("Choice from a list")
    validators = (one_of_options,)

    def schema_problems(self, field: dict) -> list[str]:
        """A select needs its options."""
        return options_problems(field)

    def widget(self, field: dict, radios: bool = False) -> Widget:
        """Radio buttons when asked (short task forms), a drop-down otherwise."""
        return Widget("radio_input" if radios else "select_input")

    def display(self, field: dict, value, translate):
        """The chosen option's label in the page's language."""
        for option in field.get("options", []):
            if option["value"] == value:
                return translate(option["label"])
        return super().display(field, value, translate)
