"""Degree certificate (学位证书): the graduate's name and the awarding institution."""

from __future__ import annotations

from ml.doctypes.common import NAME
from ml.doctypes.registry import N_, Anchors, DocType, Field, SyntheticLayout

DOC_TYPE = DocType(
    code="degree_certificate",
    label=N_("Degree certificate"),
    name_zh="学位证书",
    short="degree_cert",
    fields=(NAME, Field("institution", N_("Institution"))),
    extractor="ml.fields.business:extract_degree_certificate",
    synthetic=SyntheticLayout("ml.synthetic.paper:render_degree_certificate", variants=3),
    applicant_matches={"name": "name"},
    anchors=Anchors(required=r"学位|学士|硕士|博士|毕业|学院|大学|学校|证书"),
)
