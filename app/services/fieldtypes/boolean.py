"""`boolean`: a tick box ("I confirm …"), or with `options` a yes/no choice of two radios."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.checks import options_problems
from app.services.fieldtypes.registry import EMPTY, FieldType, Widget, register

TICKED = {"1", "true", "on", "yes", True}
YES = ("true", "1", "yes", True)
NO = ("false", "0", "no", False)


@register
class Boolean(FieldType):
    """True or False. A tick box always has a value; a yes/no choice may be left open."""

    name = "boolean"
    label = _l("Yes or no")

    def clean(self, field: dict, raw):
        """A yes/no choice must be answered if required; a required tick box must be ticked."""
        value = raw.strip() if isinstance(raw, str) else raw
        if field.get("options"):
            if value in YES:
                return True, None
            if value in NO:
                return False, None
            return EMPTY, (_l("Choose one of the options.") if field.get("required") else None)
        ticked = value in TICKED
        if field.get("required") and not ticked:
            return ticked, _l("This must be confirmed.")
        return ticked, None

    def schema_problems(self, field: dict) -> list[str]:
        """A yes/no choice lists its two options (true and false); a tick box lists none."""
        if "options" not in field:
            return []
        problems = options_problems(field)
        if not problems and {o["value"] for o in field["options"]} != {True, False}:
            problems.append("a yes/no choice has exactly the options true and false")
        return problems

    def widget(self, field: dict, radios: bool = False) -> Widget:
        """Two radio buttons for a yes/no choice, a tick box otherwise."""
        return Widget("radio_input" if field.get("options") else "checkbox_input")

    def display(self, field: dict, value, translate):
        """A yes/no choice shows the chosen option's label."""
        for option in field.get("options", []):
            if option["value"] is value:
                return translate(option["label"])
        return super().display(field, value, translate)
