"""Resident identity card, emblem side (居民身份证国徽面): its period of validity."""

from __future__ import annotations

from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

DOC_TYPE = DocType(
    code="id_card_back",
    label=N_("ID card (emblem side)"),
    name_zh="居民身份证（国徽面）",
    short="id_card_back",
    fields=(
        Field("valid_from", N_("Valid from"), validator="date"),
        Field("valid_until", N_("Valid until"), validator="not_expired", failure_reason="expired"),
    ),
    extractor="ml.fields.identity:extract_id_card_back",
    synthetic=SyntheticLayout("ml.synthetic.cards:render_id_card_back", variants=3),
    anchors=Anchors(required=r"居民身份证|身份证|签发|机关|有效期|公安|中华人民共和国"),
)
