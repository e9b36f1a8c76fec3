"""Resident ID numbers (GB 11643) for people: the check itself lives in `ml.validators`;
this module turns its verdict into a message a citizen can act on."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from ml.validators import birth_date_from_id, resident_id_check_char

_SHAPE = re.compile(r"^\d{17}[\dX]$")


def resident_id_problem(id_number: str):
    """None if `id_number` is a valid 18-digit resident ID; otherwise a translated message."""
    from ml.validators import validate

    text = (id_number or "").strip().upper()
    if not _SHAPE.match(text):
        return _l("An ID number has 18 characters: 17 digits and a final digit or X.")
    try:
        birth_date_from_id(text)
    except ValueError:
        return _l("The birth date in this ID number (%(d)s) does not exist.", d=text[6:14])
    if resident_id_check_char(text[:17]) != text[17]:
        return _l(
            "The last character of this ID number does not match the others. "
            "Check each digit against your ID card."
        )
    result = validate("resident_id", text)
    if not result.ok:
        return _l("This ID number is not valid (%(detail)s).", detail=result.detail)
    return None
