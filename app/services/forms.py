"""Form schemas in `forms/`: validate and normalise submitted values against a schema."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from app.services import identity
from app.services.catalogue import form_fields

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
TRUE_VALUES = {"1", "true", "on", "yes", True}


def validate(form: dict, raw: dict) -> tuple[dict, dict]:
    """Check `raw` (str values from a request) against `form`. Returns (clean, errors)."""
    clean: dict = {}
    errors: dict = {}
    for field in form_fields(form):
        name, ftype = field["name"], field.get("type", "text")
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if ftype == "boolean" and field.get("options"):  # a yes/no choice (radio buttons)
            if value in ("true", "1", "yes", True):
                clean[name] = True
            elif value in ("false", "0", "no", False):
                clean[name] = False
            elif field.get("required"):
                errors[name] = _l("Choose one of the options.")
            continue
        if ftype == "boolean":
            clean[name] = value in TRUE_VALUES
            if field.get("required") and not clean[name]:
                errors[name] = _l("This must be confirmed.")
            continue
        if value in (None, ""):
            if field.get("required"):
                errors[name] = _l("This field is required.")
            continue
        problem, converted = _check(field, ftype, value)
        if problem:
            errors[name] = problem
        else:
            clean[name] = converted
    for field in form_fields(form):
        cond = field.get("required_if")
        if cond and field["name"] not in clean and field["name"] not in errors:
            other, wanted = cond.get("field"), cond.get("equals")
            if clean.get(other) == wanted:
                errors[field["name"]] = _l("This field is required.")
    return clean, errors


def _check(field: dict, ftype: str, value):
    if ftype in ("text", "textarea"):
        if len(value) > int(field.get("max_length", 2000)):
            return _l("At most %(n)d characters.", n=int(field.get("max_length", 2000))), None
        return None, value
    if ftype == "number":
        try:
            num = float(value)
        except (TypeError, ValueError):
            return _l("Enter a number."), None
        if num != num or num in (float("inf"), float("-inf")):
            return _l("Enter a number."), None
        if "min" in field and num < field["min"]:
            return _l("Must be at least %(n)s.", n=field["min"]), None
        if "max" in field and num > field["max"]:
            return _l("Must be at most %(n)s.", n=field["max"]), None
        return None, num
    if ftype == "select":
        allowed = {o["value"] for o in field.get("options", [])}
        return (None, value) if value in allowed else (_l("Choose one of the options."), None)
    if ftype == "id_number":
        value = value.upper()
        problem = identity.resident_id_problem(value)
        return (problem, None) if problem else (None, value)
    if ftype == "mobile":
        return (
            (None, value)
            if MOBILE_RE.match(value)
            else (_l("Enter an 11-digit mainland mobile number."), None)
        )
    if ftype == "date":
        try:
            return None, date.fromisoformat(value).isoformat()
        except ValueError:
            return _l("Enter a date as YYYY-MM-DD."), None
    return None, value
