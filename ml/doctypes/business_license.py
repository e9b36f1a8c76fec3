"""Business licence (营业执照): credit code, company name, legal representative, date."""

from __future__ import annotations

from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

DOC_TYPE = DocType(
    code="business_license",
    label=N_("Business licence"),
    name_zh="营业执照",
    short="business_lic",
    fields=(
        Field(
            "credit_code",
            N_("Unified social credit code"),
            validator="credit_code",
            failure_reason="checksum_invalid",
        ),
        Field("company_name", N_("Company name")),
        Field("legal_rep", N_("Legal representative")),
        Field("established", N_("Date established"), validator="date"),
    ),
    extractor="ml.fields.business:extract_business_license",
    synthetic=SyntheticLayout("ml.synthetic.paper:render_business_license", variants=3),
    applicant_matches={"company_name": "name", "credit_code": "number", "legal_rep": "name"},
    anchors=Anchors(
        required=r"营业执照|执照|信用代码|法定代表人|经营范围|注册资本|成立日期|[0-9A-HJ-NP-RTUW-Y]{18}"
    ),
)
