"""Fields that several document types share (a person's name, the resident ID number).

Declared once here so that every type listing them gives them the same label and the
same check; a type with a field of its own declares it in its own module.
"""

from __future__ import annotations

from ml.doctypes.registry import N_, Field

NAME = Field("name", N_("Full name"))
ID_NUMBER = Field(
    "id_number", N_("ID number"), validator="resident_id", failure_reason="checksum_invalid"
)
