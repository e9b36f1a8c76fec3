"""House lease contract (房屋租赁合同): the two parties, the address and the monthly rent."""

from __future__ import annotations

from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

DOC_TYPE = DocType(
    code="lease_contract",
    label=N_("Lease contract"),
    name_zh="房屋租赁合同",
    short="lease_contra",
    fields=(
        Field("lessor", N_("Lessor")),
        Field("lessee", N_("Lessee")),
        Field("address", N_("Address")),
        Field("monthly_rent", N_("Monthly rent"), validator="amount"),
    ),
    extractor="ml.fields.business:extract_lease_contract",
    synthetic=SyntheticLayout("ml.synthetic.paper:render_lease_contract", variants=3),
    applicant_matches={"lessee": "name"},
    anchors=Anchors(required=r"租|甲方|乙方|合同"),
)
