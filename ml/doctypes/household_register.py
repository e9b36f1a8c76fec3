"""Household register (户口簿): a person's name and ID number.

A register lists the whole household, so the applicant's name matches when it appears
anywhere on the page, not only in the extracted name.
"""

from __future__ import annotations

from ml.doctypes.common import ID_NUMBER, NAME
from ml.doctypes.registry import N_, Anchors, DocType, SyntheticLayout

DOC_TYPE = DocType(
    code="household_register",
    label=N_("Household register"),
    name_zh="户口簿",
    short="household",
    fields=(NAME, ID_NUMBER),
    extractor="ml.fields.identity:extract_household_register",
    synthetic=SyntheticLayout("ml.synthetic.cards:render_household_register", variants=3),
    applicant_matches={"name": "name", "id_number": "number"},
    applicant_may_be_any_person=True,
    anchors=Anchors(required=r"户口|户主|常住人口|户籍|登记|身份证|\d{17}[\dX]"),
)
