"""Employment certificate (在职证明): the employee's name and the employer."""

from __future__ import annotations

from ml.doctypes.common import NAME
from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

DOC_TYPE = DocType(
    code="employment_certificate",
    label=N_("Employment certificate"),
    name_zh="在职证明",
    short="employment_c",
    fields=(NAME, Field("employer", N_("Employer"))),
    extractor="ml.fields.business:extract_employment_certificate",
    synthetic=SyntheticLayout("ml.synthetic.paper:render_employment_certificate", variants=3),
    applicant_matches={"name": "name", "employer": "name"},
    anchors=Anchors(required=r"证明|在职|工作|任职|入职|单位|公司"),
)
