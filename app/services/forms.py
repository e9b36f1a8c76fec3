"""Form schemas in `forms/`: validate and normalise submitted values against a schema.

Each field is cleaned by its registered field type (`app.services.fieldtypes`); this module
adds what spans fields (`required_if`, and `show_when`: a conditional field is shown only
while another field has a given value; hidden, it is not required and its value is dropped)
and `check_forms()`, the start-up check that every shipped form uses only registered field
types. `form_problems` checks a form edited in the browser.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.services import catalogue, fieldtypes
from app.services.catalogue import form_fields
from app.services.fieldtypes import EMPTY, FormSchemaError


def validate(form: dict, raw: dict) -> tuple[dict, dict]:
    """Check `raw` (str values from a request) against `form`. Returns (clean, errors)."""
    clean: dict = {}
    errors: dict = {}
    fields = form_fields(form)
    for field in fields:
        name = field["name"]
        if not shown(field, clean):
            continue
        value, problem = fieldtypes.type_of(field).clean(field, raw.get(name))
        if value is not EMPTY:
            clean[name] = value
        if problem:
            errors[name] = problem
    for field in fields:
        cond = field.get("required_if")
        if cond and field["name"] not in clean and field["name"] not in errors:
            other, wanted = cond.get("field"), cond.get("equals")
            if clean.get(other) == wanted:
                errors[field["name"]] = _l("This field is required.")
    return clean, errors


def shown(field: dict, values: dict) -> bool:
    """Whether `field` is shown given the (cleaned) `values` of the fields before it: always,
    unless its `show_when: {field, equals}` names another field whose value differs."""
    cond = field.get("show_when")
    if not cond:
        return True
    value = values.get(cond.get("field"))
    wanted = cond.get("equals")
    if isinstance(value, bool) or isinstance(wanted, bool):
        return str(value).lower() == str(wanted).lower()
    return value is not None and str(value) == str(wanted)


def form_problems(form) -> list[str]:
    """Everything wrong with a form schema edited in the browser: its shape (sections of
    fields), the fields' definitions (`fieldtypes.schema_problems`), and each `show_when`
    naming a field that comes before it. A task form may hold its `fields` without sections."""
    try:
        sections = form["sections"] if "sections" in form else [{"fields": form["fields"]}]
        fields = [f for s in sections for f in s["fields"]]
        if not all(isinstance(f, dict) for f in fields):
            raise TypeError
    except (KeyError, TypeError):
        return ["the form needs sections, each with a list of fields"]
    if not fields:
        return ["the form has no fields"]
    problems = fieldtypes.schema_problems(fields)
    before: set = set()
    for field in fields:
        name = field.get("name")
        if not isinstance(field.get("label"), dict) or not field["label"].get("zh"):
            problems.append(f"field {name!r} needs a Chinese label")
        cond = field.get("show_when")
        if cond is not None:
            if not isinstance(cond, dict) or cond.get("field") not in before:
                problems.append(f"field {name!r}: show_when must name a field that comes before it")
            elif cond.get("equals") in (None, ""):
                problems.append(f"field {name!r}: show_when needs the value to equal")
        before.add(name)
    return problems


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
