"""Template helpers (current language, localized labels, status names, date formatting) and
the one check for redirect targets that came with a request (`safe_next`).

Labels of document types, extracted fields and auto-review checks are declared with the
document types (:mod:`ml.doctypes`, English msgids) and translated here when shown.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import request
from flask_babel import format_datetime, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.domain.names import localized_name
from app.services import clock, fieldtypes
from ml.doctypes import registry

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted, awaiting acceptance"),
    "accepted": _l("Accepted"),
    "in_review": _l("Under review"),
    "correction": _l("Correction needed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "refused": _l("Not accepted"),
    "completed": _l("Completed (no decision recorded)"),
    "withdrawn": _l("Withdrawn"),
    "terminated": _l("Terminated"),
    "suspended": _l("Suspended"),
    "open": _l("Open"),
    "claimed": _l("Taken"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
    "pending": _l("Checking…"),
    "pass": _l("Passed"),
    "attention": _l("Needs attention"),
    "failed": _l("Check failed"),
}
# What the applicant is told of a case's status, where it differs from the clerks' word.
# Since the intake step (受理) exists, `submitted` means awaiting acceptance and `in_review`
# comes only after acceptance, so every status reads the same for both.
CITIZEN_STATUS: dict[str, str] = {}
EVENT_LABELS = {
    "submitted": _l("Application submitted"),
    "task_opened": _l("Task entered the department's queue"),
    "task_done": _l("Review completed"),
    "decided": _l("Decision made"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "notified": _l("Notice"),
    "incident": _l("Processing delayed"),
    "correction_submitted": _l("Corrections submitted"),
    "escalated": _l("Escalated to the department lead"),
    "migrated": _l("Moved to a new process version"),
    "auto_review": _l("Auto-review of materials"),
    "rated": _l("Service rated"),
    "rating_followed_up": _l("Reply to your rating"),
    "withdrawn": _l("Withdrawn by the applicant"),
    "task_claimed": _l("Task taken"),
    "task_released": _l("Task given back to the queue"),
    "task_reassigned": _l("Task reassigned"),
    "accepted": _l("Application accepted"),
    "deemed_accepted": _l("Deemed accepted (no intake decision within 5 working days)"),
    "intake_refused": _l("Application not accepted"),
    "clock_paused": _l("Time limit suspended during corrections"),
    "clock_resumed": _l("Time limit resumed"),
    "extended": _l("Time limit extended"),
    "material_supplied": _l("Deferred material supplied"),
    "material_reminder": _l("Reminder: materials still to supply"),
    "material_overdue": _l("Deferred material overdue"),
    "suspended": _l("Processing suspended"),
    "resumed": _l("Processing resumed"),
    "terminated": _l("Terminated by the agency"),
}
# The case clock's alert beside the promised and statutory dates (app/domain/clock.py).
CLOCK_LABELS = {
    "green": _l("On time"),
    "yellow": _l("Promised date near"),
    "red": _l("Promised date passed"),
    "overdue": _l("Statutory time limit passed"),
    "paused": _l("Time limit suspended for corrections"),
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
# A finding whose code covers several fields, worded for the field it is about.
FIELD_REASON_LABELS = {
    ("id_mismatch", "sex"): _l(
        "The sex printed on the ID card differs from the sex its ID number encodes."
    ),
    ("id_mismatch", "birth_date"): _l(
        "The date of birth printed on the ID card differs from the one its ID number encodes."
    ),
}
# Below this confidence (or with one of these findings) a document was not recognised: its
# best guess is not shown as what it is.
RECOGNISED_CONFIDENCE = 0.3
NOT_RECOGNISED = ("unreadable", "low_confidence", "too_complex", "too_many_pages")


def reason_label(code: str, field: str | None = None) -> str:
    """The translated finding: its code's words, or those for its field when they differ."""
    label = FIELD_REASON_LABELS.get((code, field)) or REASON_LABELS.get(code)
    return str(label) if label else code


def recognised_type(review: dict | None) -> str | None:
    """The document type the review recognised, or None for "not recognised" (a photo of
    anything else, an unreadable scan, a guess at 0 %)."""
    review = review or {}
    codes = {r.get("code") for r in review.get("reasons") or []}
    if (
        not review.get("doc_type")
        or review.get("doc_type") == "other"
        or codes & set(NOT_RECOGNISED)
    ):
        return None
    # A type its own evidence decided (an invoice's code and totals, a licence's credit code)
    # is recognised whatever the model's probability: on paper unlike any training layout
    # that probability is low (a shop receipt's for `invoice`: about 0.06).
    if review.get("type_basis") == "anchors":
        return review["doc_type"]
    if (review.get("confidence") or 0) < RECOGNISED_CONFIDENCE:
        return None
    return review["doc_type"]


def doc_type_labels() -> dict[str, str]:
    """Code -> translated screen label of every registered document type (ml.doctypes)."""
    return {code: gettext(label) for code, label in registry.doc_type_labels().items()}


def field_label(key: str) -> str:
    """Translated label of an extracted field (ml.doctypes); unknown keys as written."""
    label = registry.field_labels().get(key)
    return gettext(label) if label else key


def check_label(name: str) -> str:
    """Translated label of an auto-review check (ml.doctypes); unknown names as written."""
    label = registry.check_labels().get(name)
    return gettext(label) if label else name


def doc_type_label(code: str | None) -> str:
    """Translated label of document type *code*; unknown codes as written, none as "—"."""
    doc_type = registry.find(code)
    return gettext(doc_type.label) if doc_type else (code or "—")


class _Colon:
    """`{{ colon }}` between a label and its value: the full-width "：" on a Chinese page, ": "
    on an English one (usable in macros imported without context)."""

    def __str__(self) -> str:
        return "：" if str(get_locale() or "zh") == "zh" else ": "

    def __html__(self) -> str:
        return str(self)


def register(app) -> None:
    """Install the template globals and filters."""
    app.jinja_env.globals["colon"] = _Colon()

    @app.context_processor
    def inject():
        return {
            "current_locale": str(get_locale() or "zh"),
            "tr": tr,
            "status_label": lambda s: STATUS_LABELS.get(getattr(s, "value", s), s),
            "citizen_status": citizen_status,
            "event_label": lambda k: EVENT_LABELS.get(k, k),
            "notice_label": lambda m: NOTICE_LABELS.get(m, m),
            "field_label": field_label,
            "field_widget": fieldtypes.widget_for,
            "field_value": lambda field, value: fieldtypes.display(field, value, tr),
            "check_label": check_label,
            "reason_label": reason_label,
            "recognised_type": recognised_type,
            "doc_type_label": doc_type_label,
            "doc_type_labels": doc_type_labels,
            "lname": localized_name,
            "clock_view": clock.view,
            "clock_label": lambda a: CLOCK_LABELS.get(a, a),
            "clock_may_extend": lambda application: (
                current_user.is_authenticated and clock.may_extend(current_user, application)
            ),
        }

    @app.template_filter("data")
    def data(value):
        """People's own words (a name, a company, a file name, a login): shown as written in
        either language, marked `translate="no"` for translators and the page checks."""
        if value is None or value == "":
            return ""
        return Markup('<span translate="no">%s</span>') % value

    @app.template_filter("dt")
    def dt(value, fmt="yyyy-MM-dd HH:mm"):
        if value is None:
            return "—"
        return format_datetime(value, fmt)


def citizen_status(status) -> str:
    """The status a case shows its applicant (`CITIZEN_STATUS`), as a plain value."""
    value = getattr(status, "value", status)
    return CITIZEN_STATUS.get(value, value)


def tr(value) -> str:
    """Pick the current language from a {zh, en} dict (falls back to Chinese)."""
    if isinstance(value, dict):
        loc = str(get_locale() or "zh")
        return value.get(loc) or value.get("zh") or value.get("en") or ""
    return value or ""


# C0 controls and DEL: browsers drop tabs and newlines inside URLs ("/\t/evil.example" is
# followed as "//evil.example"), and a newline in a Location header is refused by Werkzeug.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site ("/cases?page=2"), else `default`.

    The one check for every redirect to an address that came with a request (no open
    redirects): parsed with urllib, it must have no scheme and no host, start with a single
    "/", and hold no backslash (browsers read it as "/") and no control character."""
    if not target or _CONTROL_CHARS.search(target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    if parts.path.startswith("//"):
        return default
    return target


def referrer_path(default: str) -> str:
    """The local path of the referring page, for 'back' redirects; `default` if the page
    came from another site or sent no Referer."""
    raw = request.referrer or ""
    if _CONTROL_CHARS.search(raw):
        return default
    ref = urlsplit(raw)
    if ref.scheme not in ("http", "https") or ref.netloc != request.host:
        return default
    local = ref.path or "/"
    if ref.query:
        local += "?" + ref.query
    return safe_next(local, default)
