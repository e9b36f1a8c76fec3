"""`id_number`: an 18-character resident ID number (GB 11643), upper-cased, check digit checked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services import identity
from app.services.fieldtypes.registry import FieldType, register


def resident_id(field: dict, value):
    """The shape, birth date and check digit of a resident ID number."""
    return identity.resident_id_problem(value)


@register
class IdNumber(FieldType):
    """A resident ID number; a final x is stored as X."""

    name = "id_number"
    label = _l("ID number")
    validators = (resident_id,)

    def parse(self, field: dict, value) -> str:
        """Upper case, so that a typed x matches the X of the card."""
        return value.upper()
