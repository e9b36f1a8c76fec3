"""Document type codes and the field keys extracted for each type.

This module is the shared vocabulary of the ``ml`` package: the classifier predicts
one of :data:`DOC_TYPES`, the field extractors return the keys listed in
:data:`FIELDS`, and the review step reports on them.  Dates are ISO ``YYYY-MM-DD``
and amounts are strings such as ``"3500.00"``.
"""

from __future__ import annotations

ID_CARD_FRONT = "id_card_front"
ID_CARD_BACK = "id_card_back"
BUSINESS_LICENSE = "business_license"
HOUSEHOLD_REGISTER = "household_register"
LEASE_CONTRACT = "lease_contract"
EMPLOYMENT_CERTIFICATE = "employment_certificate"
DEGREE_CERTIFICATE = "degree_certificate"
INVOICE = "invoice"
PASSPORT = "passport"
OTHER = "other"

DOC_TYPES: tuple[str, ...] = (
    ID_CARD_FRONT,
    ID_CARD_BACK,
    BUSINESS_LICENSE,
    HOUSEHOLD_REGISTER,
    LEASE_CONTRACT,
    EMPLOYMENT_CERTIFICATE,
    DEGREE_CERTIFICATE,
    INVOICE,
    PASSPORT,
    OTHER,
)

FIELDS: dict[str, tuple[str, ...]] = {
    ID_CARD_FRONT: ("name", "sex", "birth_date", "id_number"),
    ID_CARD_BACK: ("valid_from", "valid_until"),
    BUSINESS_LICENSE: ("credit_code", "company_name", "legal_rep", "established"),
    HOUSEHOLD_REGISTER: ("name", "id_number"),
    LEASE_CONTRACT: ("lessor", "lessee", "address", "monthly_rent"),
    EMPLOYMENT_CERTIFICATE: ("name", "employer"),
    DEGREE_CERTIFICATE: ("name", "institution"),
    INVOICE: ("invoice_code", "invoice_number", "issue_date", "total"),
    PASSPORT: ("passport_number", "surname", "given_names"),
    OTHER: (),
}

# Human-readable Chinese labels, handy for UIs and reason messages.
LABELS: dict[str, str] = {
    ID_CARD_FRONT: "居民身份证（人像面）",
    ID_CARD_BACK: "居民身份证（国徽面）",
    BUSINESS_LICENSE: "营业执照",
    HOUSEHOLD_REGISTER: "户口簿",
    LEASE_CONTRACT: "房屋租赁合同",
    EMPLOYMENT_CERTIFICATE: "在职证明",
    DEGREE_CERTIFICATE: "学位证书",
    INVOICE: "发票/收据",
    PASSPORT: "护照",
    OTHER: "其他",
}

# OCR language for the first pass of each type (passports are read in English/MRZ).
OCR_LANG: dict[str, str] = dict.fromkeys(DOC_TYPES, "chi_sim")
OCR_LANG[PASSPORT] = "eng"


def is_doc_type(code: object) -> bool:
    """Return True when *code* is one of the known document type codes."""
    return isinstance(code, str) and code in DOC_TYPES
