"""The field-type registry: one `FieldType` per `"type"` a form schema in `forms/` may name.

A field type says how a submitted value is normalised (`parse`), which checks it must pass
(`validators`), which template macro draws its input (`widget`) and how a stored value is
shown read-only (`display`). `app.services.forms.validate` only loops over this registry;
`schema_problems` refuses a form naming a type nobody registered.

A field holding personal data says so in its schema with `"sensitive": KIND`, one of the
kinds of `app.domain.masking` (id_number, phone, address, birth_date, name, account):
clerks and exports then see it masked (`sensitivity`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from app.domain import masking


class _Empty:
    """Marks "nothing to store" in a cleaned result (distinct from None, False and 0)."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()

# A validator takes the field's schema and the parsed value; it returns a translated message
# (the problem) or None.
Validator = Callable[[dict, Any], Any]


class FieldProblem(Exception):
    """Raised by `FieldType.parse` when a value cannot be read; `message` is translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class FormSchemaError(ValueError):
    """A form file names an unknown field type or is otherwise unusable (a deployment error)."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Widget:
    """Which macro of which template draws a field's input, with the HTML attributes it adds."""

    macro: str
    attrs: dict = field(default_factory=dict)
    template: str = "field_inputs.html"


class FieldType:
    """A kind of form field. Subclass, set `name`, and decorate the class with `@register`."""

    name: ClassVar[str] = ""
    label: ClassVar[Any] = ""  # what the service editor calls it (translated); `name` if empty
    validators: ClassVar[tuple[Validator, ...]] = ()
    widget_macro: ClassVar[str] = "text_input"
    input_attrs: ClassVar[dict] = {"type": "text"}

    def clean(self, field: dict, raw) -> tuple[Any, Any]:
        """(value, problem) for a submitted `raw` value; value is EMPTY when nothing is kept."""
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            return EMPTY, (_l("This field is required.") if field.get("required") else None)
        try:
            value = self.parse(field, value)
        except FieldProblem as exc:
            return EMPTY, exc.message
        for check in self.validators:
            problem = check(field, value)
            if problem:
                return EMPTY, problem
        return value, None

    def parse(self, field: dict, value):
        """The normalised value of a non-empty submission; raise FieldProblem if unreadable."""
        return value

    def schema_problems(self, field: dict) -> list[str]:
        """What is wrong with this field's definition in a form file (for developers)."""
        return []

    def widget(self, field: dict, radios: bool = False) -> Widget:
        """The input that draws this field; `radios` asks for radio buttons where it fits."""
        return Widget(self.widget_macro, dict(self.input_attrs))

    def display(self, field: dict, value, translate: Callable[[Any], str]):
        """The stored `value` as shown read-only; `translate` picks a {zh, en} text's language."""
        return value if value is not None else "—"


_TYPES: dict[str, FieldType] = {}


def register(cls: type[FieldType], *, replace: bool = False) -> type[FieldType]:
    """Register a field type class under its `name` (usable as a class decorator)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no field type name")
    if cls.name in _TYPES and not replace:
        raise ValueError(f"field type {cls.name!r} is already registered")
    _TYPES[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Remove a registered field type (for tests and plug-ins that are switched off)."""
    _TYPES.pop(name, None)


def get(name: str) -> FieldType:
    """The registered field type `name`; KeyError naming the registered ones otherwise."""
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"unknown field type {name!r} (registered: {registered_names()})") from None


def type_of(field: dict) -> FieldType:
    """The field type of a field of a form schema (`"type"` defaults to text)."""
    return get(field.get("type", "text"))


def labels() -> dict[str, str]:
    """{type name: what the service editor calls it}, in the current language."""
    return {name: str(t.label or name) for name, t in sorted(_TYPES.items())}


def registered_names() -> str:
    """The registered type names, comma-separated, for messages."""
    return ", ".join(sorted(_TYPES))


def schema_problems(fields: Iterable[dict]) -> list[str]:
    """Everything wrong with these fields' definitions: unknown types first of all."""
    fields = list(fields)
    problems = []
    seen = set()
    for position, fdef in enumerate(fields, 1):
        name = fdef.get("name")
        if not name:
            problems.append(f"field #{position} has no name")
            continue
        if name in seen:
            problems.append(f"field {name!r} appears twice")
        seen.add(name)
        tname = fdef.get("type", "text")
        ftype = _TYPES.get(tname)
        if ftype is None:
            problems.append(
                f"field {name!r} has unknown type {tname!r} (registered: {registered_names()})"
            )
            continue
        problems.extend(f"field {name!r}: {p}" for p in ftype.schema_problems(fdef))
        kind = fdef.get("sensitive")
        if kind is not None and kind not in masking.KINDS:
            problems.append(
                f"field {name!r} has unknown sensitivity {kind!r} "
                f"(known: {', '.join(sorted(masking.KINDS))})"
            )
    names = {f.get("name") for f in fields if isinstance(f, dict)}
    for fdef in fields:
        cond = fdef.get("show_when")
        if cond is not None and (not isinstance(cond, dict) or cond.get("field") not in names):
            problems.append(
                f"field {fdef.get('name')!r}: show_when must name another field of the form"
            )
    return problems


def sensitivity(field: dict) -> str | None:
    """The kind of personal data a form field holds (its `"sensitive"`), None if none."""
    return field.get("sensitive")


def widget_for(field: dict, radios: bool = False) -> Widget:
    """The widget of a field (template global `field_widget`)."""
    return type_of(field).widget(field, radios)


def display(field: dict, value, translate: Callable[[Any], str]):
    """A stored value shown read-only, as its field type shows it (template `field_value`)."""
    return type_of(field).display(field, value, translate)
