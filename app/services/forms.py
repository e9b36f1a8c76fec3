"""Form schemas in `forms/`: validate and normalise submitted values against a schema.

Each field is cleaned by its registered field type (`app.services.fieldtypes`); this module
adds what spans fields (`required_if`; `show_when`: a field or a material slot shown only
when another field has one of some values, e.g. the lease only when the reason is rent — a
hidden field is neither required nor kept), `check_forms()`, the start-up check that every
shipped form uses only registered field types, and `form_problems`, which checks a form
edited in the browser.
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
    """Whether `item` (a field or a material slot) is shown given the form's (clean)
    `values`: always, unless its `show_when` names a field whose value is not one of those
    wanted (booleans compare with their text, "true"/"false", as a browser sends them)."""
    wanted = shown_for(item)
    if wanted is None:
        return True
    value = values.get(item["show_when"].get("field"))
    return value is not None and _text(value) in {_text(w) for w in wanted}


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def validate(form: dict, raw: dict) -> tuple[dict, dict]:
    """Check `raw` (str values from a request) against `form`. Returns (clean, errors)."""
    clean: dict = {}
    errors: dict = {}
    fields = form_fields(form)
    for field in fields:
        name = field["name"]
        if not is_shown(field, clean):
            continue
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
            elif cond.get("equals") in (None, "") and not cond.get("in"):
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
