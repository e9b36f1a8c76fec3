"""Template helpers: current language, localized labels, status names, date formatting."""

from __future__ import annotations

from flask import request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from app.domain.names import localized_name
from app.services import fieldtypes

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted, auto-review running"),
    "in_review": _l("Under review"),
    "correction": _l("Correction needed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "open": _l("Open"),
    "claimed": _l("Taken"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
    "pending": _l("Checking…"),
    "pass": _l("Passed"),
    "attention": _l("Needs attention"),
    "failed": _l("Check failed"),
}
EVENT_LABELS = {
    "submitted": _l("Application submitted"),
    "task_opened": _l("Received for review"),
    "task_done": _l("Review completed"),
    "decided": _l("Decision made"),
    "certificate_issued": _l("Certificate issued"),
    "notified": _l("Notice"),
    "incident": _l("Processing delayed"),
    "correction_submitted": _l("Corrections submitted"),
    "escalated": _l("Escalated to the department lead"),
    "migrated": _l("Moved to a new process version"),
    "auto_review": _l("Auto-review of materials"),
    "rated": _l("Service rated"),
    "rating_followed_up": _l("Reply to your rating"),
}
# Extracted fields (ml.fields keys) and auto-review checks (ml.review), as clerks read them.
FIELD_LABELS = {
    "name": _l("Full name"),
    "sex": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "id_number": _l("ID number"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "credit_code": _l("Unified social credit code"),
    "company_name": _l("Company name"),
    "legal_rep": _l("Legal representative"),
    "established": _l("Date established"),
    "lessor": _l("Lessor"),
    "lessee": _l("Lessee"),
    "address": _l("Address"),
    "monthly_rent": _l("Monthly rent"),
    "employer": _l("Employer"),
    "institution": _l("Institution"),
    "invoice_code": _l("Invoice code"),
    "invoice_number": _l("Invoice number"),
    "issue_date": _l("Date of issue"),
    "total": _l("Total amount"),
    "passport_number": _l("Passport number"),
    "surname": _l("Surname"),
    "given_names": _l("Given names"),
    "passport_expiry": _l("Passport expiry"),
}
CHECK_LABELS = {
    "present": _l("found"),
    "resident_id": _l("ID check digit"),
    "credit_code": _l("credit code check character"),
    "date": _l("valid date"),
    "not_expired": _l("not expired"),
    "amount": _l("plausible amount"),
    "passport_number": _l("passport number format"),
    "invoice_code": _l("invoice code format"),
    "invoice_number": _l("invoice number format"),
    "id_birth_date": _l("matches the ID number"),
    "id_sex": _l("matches the ID number"),
    "applicant_name": _l("matches the applicant"),
    "applicant_id_number": _l("matches the applicant"),
}
# Texts for the `template` a diagram's notify task names (unknown templates show as written).
NOTICE_LABELS = {
    "application_rejected": _l(
        "Your application was not approved. The reasons are given with the decision below."
    ),
    "correction_requested": _l(
        "Some materials need to be corrected or added. See the correction request on this page."
    ),
    "review_overdue": _l(
        "The review passed its time limit and has been referred to the department lead."
    ),
}
REASON_LABELS = {
    "wrong_type": _l("This does not look like the requested document."),
    "unreadable": _l("The file could not be read. Upload a sharper, complete scan or photo."),
    "low_confidence": _l("The document could not be recognised with confidence."),
    "checksum_invalid": _l("A number on the document fails its check digit."),
    "name_mismatch": _l("The name on the document differs from the name you entered."),
    "id_mismatch": _l("The ID number on the document differs from the one you entered."),
    "expired": _l("The document has expired."),
    "field_missing": _l("A required item could not be found on the document."),
    "too_complex": _l(
        "The file is too complex to be checked. Export the PDF again, or scan the pages "
        "as pictures, and upload it again."
    ),
    "too_many_pages": _l(
        "The PDF has too many pages to be checked. Scan only the pages asked for."
    ),
}
DOC_TYPE_LABELS = {
    "id_card_front": _l("ID card (photo side)"),
    "id_card_back": _l("ID card (emblem side)"),
    "business_license": _l("Business licence"),
    "household_register": _l("Household register"),
    "lease_contract": _l("Lease contract"),
    "employment_certificate": _l("Employment certificate"),
    "degree_certificate": _l("Degree certificate"),
    "invoice": _l("Invoice or receipt"),
    "passport": _l("Passport"),
    "other": _l("Other document"),
}


def register(app) -> None:
    """Install the template globals and filters."""

    @app.context_processor
    def inject():
        return {
            "current_locale": str(get_locale() or "zh"),
            "tr": tr,
            "status_label": lambda s: STATUS_LABELS.get(getattr(s, "value", s), s),
            "event_label": lambda k: EVENT_LABELS.get(k, k),
            "notice_label": lambda m: NOTICE_LABELS.get(m, m),
            "field_label": lambda k: FIELD_LABELS.get(k, k),
            "field_widget": fieldtypes.widget_for,
            "field_value": lambda field, value: fieldtypes.display(field, value, tr),
            "check_label": lambda c: CHECK_LABELS.get(c, c),
            "reason_label": lambda c: REASON_LABELS.get(c, c),
            "doc_type_label": lambda c: DOC_TYPE_LABELS.get(c, c or "—"),
            "DOC_TYPE_LABELS": DOC_TYPE_LABELS,
            "lname": localized_name,
        }

    @app.template_filter("dt")
    def dt(value, fmt="yyyy-MM-dd HH:mm"):
        if value is None:
            return "—"
        return format_datetime(value, fmt)


def tr(value) -> str:
    """Pick the current language from a {zh, en} dict (falls back to Chinese)."""
    if isinstance(value, dict):
        loc = str(get_locale() or "zh")
        return value.get(loc) or value.get("zh") or value.get("en") or ""
    return value or ""


def safe_next(target: str | None, default: str) -> str:
    """A local redirect target only (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def referrer_path(default: str) -> str:
    """The local path of the referring page, for 'back' redirects."""
    ref = request.referrer or ""
    host = request.host_url
    if ref.startswith(host):
        return safe_next("/" + ref[len(host) :], default)
    return default
