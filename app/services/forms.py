"""Form schemas in `forms/`: validate and normalise submitted values against a schema.

Each field is cleaned by its registered field type (`app.services.fieldtypes`); this module
adds what spans fields (`required_if`; `show_when`: a field or a material slot shown only
when another field has one of some values, e.g. the lease only when the reason is rent — a
hidden field is neither required nor kept), and `check_forms()`, the start-up check that
every shipped form uses only registered field types.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.services import catalogue, fieldtypes
from app.services.catalogue import form_fields
from app.services.fieldtypes import EMPTY, FormSchemaError


def shown_for(item: dict) -> list | None:
    """The values of the controlling field for which `item` (a field or a material slot) is
    shown, or None when it is always shown. `show_when`: {field, equals} or {field, in}."""
    cond = item.get("show_when")
    if not cond:
        return None
    return list(cond["in"]) if "in" in cond else [cond.get("equals")]


def is_shown(item: dict, values: dict) -> bool:
    """Whether `item` is shown given the form's (clean) `values`."""
    wanted = shown_for(item)
    if wanted is None:
        return True
    return values.get(item["show_when"].get("field")) in wanted


def validate(form: dict, raw: dict) -> tuple[dict, dict]:
    """Check `raw` (str values from a request) against `form`. Returns (clean, errors)."""
    clean: dict = {}
    errors: dict = {}
    fields = form_fields(form)
    for field in fields:
        name = field["name"]
        value, problem = fieldtypes.type_of(field).clean(field, raw.get(name))
        if value is not EMPTY:
            clean[name] = value
        if problem:
            errors[name] = problem
    for field in fields:
        if not is_shown(field, clean):  # hidden: neither required nor kept
            clean.pop(field["name"], None)
            errors.pop(field["name"], None)
    for field in fields:
        cond = field.get("required_if")
        if not is_shown(field, clean):
            continue
        if cond and field["name"] not in clean and field["name"] not in errors:
            other, wanted = cond.get("field"), cond.get("equals")
            if clean.get(other) == wanted:
                errors[field["name"]] = _l("This field is required.")
    return clean, errors


def check_forms(forms_dir: str | Path | None = None) -> list[str]:
    """Read every form under `forms_dir` (default: the app's FORMS_DIR) and refuse the lot
    with one FormSchemaError listing every problem (unknown field types, fields without a
    name, selects without options, unreadable JSON). Returns the names of the forms checked.
    """
    problems: list[str] = []
    names = []
    for path in catalogue.form_files(forms_dir):
        names.append(path.stem)
        try:
            catalogue.read_form_file(path)
        except FormSchemaError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FormSchemaError(problems)
    return names
