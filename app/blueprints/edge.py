"""Checks at the edge, before any view: what a request may carry into the services.

- `int` in URL rules matches only ids a database integer column holds (1 … 2^31 - 1):
  `/cases/99999999999` is a 404, not a database error (PostgreSQL's integer is 32-bit).
- Control characters (NUL and the other C0 codes except tab and line breaks, and DEL) in
  form fields or query parameters are refused with a message: PostgreSQL cannot store NUL
  and nobody types them.
- Uploaded file names are cleaned (`uploads.clean_filename`) before a view sees them.
"""

from __future__ import annotations

import re

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

MAX_DB_INT = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class DatabaseIntConverter(IntegerConverter):
    """The `int` URL converter, bounded to what an INTEGER column holds."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_arg(name: str, default: int | None = None) -> int | None:
    """The query parameter `name` as a positive integer a database column holds, `default`
    when it is absent or empty; anything else (words, 0, 2^31 and beyond) is a 404."""
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DB_INT:
        abort(404)
    return int(raw)


def register(app) -> None:
    """Install the converter (before any blueprint adds its rules) and the request checks."""
    app.url_map.converters["int"] = DatabaseIntConverter

    @app.before_request
    def refuse_control_characters():
        from app.blueprints.errors import error_page
        from app.services.uploads import clean_filename

        for _key, upload in request.files.items(multi=True):
            if upload.filename:
                upload.filename = clean_filename(upload.filename)
        values = [*request.args.values(), *request.form.values()]
        values += [*request.args.keys(), *request.form.keys()]
        if any(_CONTROL.search(value) for value in values):
            return error_page(
                400,
                _("Invisible characters in the form"),
                _(
                    "What you sent contains control characters (often copied along from "
                    "another program). Type the text again without them; nothing was saved."
                ),
            )
        return None
