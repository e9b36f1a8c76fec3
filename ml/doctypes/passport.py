"""Passport (护照): number, surname and given names, read in English from the MRZ.

The review also reads the expiry date and fails the document when it has expired or
cannot be read.
"""

from __future__ import annotations

from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout, TypeCheck

DOC_TYPE = DocType(
    code="passport",
    label=N_("Passport"),
    name_zh="护照",
    short="passport",
    fields=(
        Field(
            "passport_number",
            N_("Passport number"),
            validator="passport_number",
            failure_reason="checksum_invalid",
        ),
        Field("surname", N_("Surname")),
        Field("given_names", N_("Given names")),
    ),
    extractor="ml.fields.identity:extract_passport",
    synthetic=SyntheticLayout("ml.synthetic.cards:render_passport", variants=3),
    ocr_lang="eng",
    applicant_matches={"passport_number": "number"},
    checks=(TypeCheck("ml.review:check_passport_expiry", labels={}),),
    checked_fields=(Field("passport_expiry", N_("Passport expiry")),),
    anchors=Anchors(required=r"[A-Z0-9<]{2}<<|<<[A-Z0-9]|PASSPORT|PASSEPORT|护照"),
)
