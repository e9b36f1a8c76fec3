"""Validators shared by several field types: length, range and choice limits from the schema."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

DEFAULT_MAX_LENGTH = 2000


def max_length(field: dict, value):
    """At most `max_length` characters (2000 when the schema gives none)."""
    limit = int(field.get("max_length", DEFAULT_MAX_LENGTH))
    if len(value) > limit:
        return _l("At most %(n)d characters.", n=limit)
    return None


def pattern(field: dict, value):
    """The whole value matches the schema's `pattern` (a regular expression), where given."""
    regex = field.get("pattern")
    if regex and re.fullmatch(regex, value) is None:
        return _l("This is not in the expected format.")
    return None


def pattern_problems(field: dict) -> list[str]:
    """Schema check: a `pattern` must be a valid regular expression."""
    regex = field.get("pattern")
    if regex is None:
        return []
    try:
        re.compile(regex)
    except (re.error, TypeError) as exc:
        return [f"pattern {regex!r} is not a regular expression: {exc}"]
    return []


def number_range(field: dict, value):
    """Not below the schema's `min` nor above its `max`, where given."""
    if "min" in field and value < field["min"]:
        return _l("Must be at least %(n)s.", n=field["min"])
    if "max" in field and value > field["max"]:
        return _l("Must be at most %(n)s.", n=field["max"])
    return None


def one_of_options(field: dict, value):
    """One of the `value`s listed in the schema's `options`."""
    if value not in {o["value"] for o in field.get("options", [])}:
        return _l("Choose one of the options.")
    return None


def options_problems(field: dict) -> list[str]:
    """Schema check for choice fields: a non-empty `options` list, each with value and label."""
    options = field.get("options")
    if not isinstance(options, list) or not options:
        return ["needs a non-empty list of options"]
    return [
        f"option #{i} needs a value and a label"
        for i, o in enumerate(options, 1)
        if not isinstance(o, dict) or "value" not in o or "label" not in o
    ]
