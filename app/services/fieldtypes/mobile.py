"""`mobile`: an 11-digit mainland China mobile number."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.services.fieldtypes.registry import FieldType, register

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def mainland_mobile(field: dict, value):
    """1, then 3–9, then nine more digits."""
    if not MOBILE_RE.match(value):
        return _l("Enter an 11-digit mainland mobile number.")
    return None


@register
class Mobile(FieldType):
    """A mobile phone number."""

    name = "mobile"
    label = _l("Mobile number")
    validators = (mainland_mobile,)
