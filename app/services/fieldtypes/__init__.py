"""Form field types, one registered `FieldType` per `"type"` that a form in `forms/` may use.

Adding a type: write one module here with a `@register`-ed `FieldType` subclass and add it
to the imports of the shipped types below (plug-ins and tests may call `register`
themselves). See `registry` for the API.
"""

from __future__ import annotations

# The shipped field types; importing a module registers its type.
from app.services.fieldtypes import (  # noqa: F401
    boolean,
    date,
    id_number,
    mobile,
    number,
    select,
    text,
    textarea,
)
from app.services.fieldtypes.registry import (
    EMPTY,
    FieldProblem,
    FieldType,
    FormSchemaError,
    Widget,
    display,
    get,
    labels,
    register,
    registered_names,
    schema_problems,
    sensitivity,
    type_of,
    unregister,
    widget_for,
)

__all__ = [
    "EMPTY",
    "FieldProblem",
    "FieldType",
    "FormSchemaError",
    "Widget",
    "display",
    "get",
    "labels",
    "register",
    "registered_names",
    "schema_problems",
    "sensitivity",
    "type_of",
    "unregister",
    "widget_for",
]
