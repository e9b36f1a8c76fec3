"""Resident identity card, photo side (居民身份证人像面): name, sex, birth date, ID number.

Besides the per-field checks, the printed birth date and sex are compared with those
encoded in the ID number.
"""

from __future__ import annotations

from ml.doctypes.common import ID_NUMBER, NAME
from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout, TypeCheck

DOC_TYPE = DocType(
    code="id_card_front",
    label=N_("ID card (photo side)"),
    name_zh="居民身份证（人像面）",
    short="id_card_fron",
    fields=(
        NAME,
        Field("sex", N_("Sex")),
        Field("birth_date", N_("Date of birth"), validator="date"),
        ID_NUMBER,
    ),
    extractor="ml.fields.identity:extract_id_card_front",
    synthetic=SyntheticLayout("ml.synthetic.cards:render_id_card_front", variants=3),
    applicant_matches={"name": "name", "id_number": "number"},
    checks=(
        TypeCheck(
            "ml.review:check_id_card_consistency",
            labels={
                "id_birth_date": N_("matches the ID number"),
                "id_sex": N_("matches the ID number"),
            },
        ),
    ),
    anchors=Anchors(required=r"公民|身份|号码|姓名|性别|民族|出生|住址|\d{17}[\dX]"),
)
