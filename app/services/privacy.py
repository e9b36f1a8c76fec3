"""Personal data on clerks' screens: masked by default, revealed for a reason, and audited.

Which values are personal is declared once: a form field's `"sensitive"` kind in its schema
(`forms/*.json`), the auto-review's field names and the applicant's account in
`app.domain.masking`. A `CaseView` holds what one page of a case may show — each value
masked, unless the user revealed it a moment ago — and the auto-review's findings of a file
with the same values masked in its fields, messages and evidence; its whole recognised text
is shown only once the file is revealed.

A reveal names what is revealed (`form.<field>`, `applicant.<attribute>` or `file.<id>`: all
findings of one file), a reason from `REASONS` and, for "other", an explanation. Only a user
who may see the case reveals (`approvals.can_view_case`); each reveal writes a `reveal`
record to the audit trail (who, which case, which value, why). The value then shows for
`REVEAL_SECONDS` to that user's session only, which keeps the grant — never the value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import has_request_context, session
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events, masking
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.models import Application, Attachment, User
from app.services import approvals, catalogue, fieldtypes

REVEAL_SECONDS = 300
NOTE_MAX_LENGTH = 200
REASONS = {
    "check_document": _l("Compare with the original document"),
    "contact_applicant": _l("Contact the applicant"),
    "decide": _l("Needed to decide the case"),
    "applicant_request": _l("At the applicant's request"),
    "other": _l("Other (explain)"),
}
_SESSION_KEY = "ow_reveals"  # {"<case id>:<value key>": expiry (epoch seconds)}
_MAX_GRANTS = 100


def form_kinds(form: dict | None) -> dict[str, str]:
    """Field name -> kind of personal data, for the fields of `form` that declare one."""
    return {
        field["name"]: kind
        for field in catalogue.form_fields(form or {})
        if (kind := fieldtypes.sensitivity(field))
    }


def _review_field_value(record):
    return record.get("value") if isinstance(record, dict) else record


def known_values(application: Application, form: dict | None = None) -> list[tuple[str, str]]:
    """Every personal value the case holds, with its kind: the form's, the applicant's
    account's and the ones the auto-review read from its files (to mask them in free text)."""
    form = form if form is not None else catalogue.case_form(application)
    data = application.form_data or {}
    known = [(data.get(name), kind) for name, kind in form_kinds(form).items()]
    citizen = application.citizen
    known += [(getattr(citizen, attr, None), kind) for attr, kind in masking.PROFILE_KINDS.items()]
    for att in application.attachments:
        for key, record in ((att.review or {}).get("fields") or {}).items():
            kind = masking.OCR_FIELD_KINDS.get(key)
            if kind:
                known.append((_review_field_value(record), kind))
                if isinstance(record, dict) and record.get("second_reading"):
                    # a second OCR engine's reading of the same line, shown in findings
                    known.append((record["second_reading"].get("text"), kind))
                if isinstance(record, dict) and record.get("first_reading"):
                    # Tesseract's reading when the second engine's was reported instead
                    known.append((record["first_reading"], kind))
    return [(str(value), kind) for value, kind in known if value not in (None, "")]


# --- what a page of a case shows --------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One value as a page shows it: `text` (masked or not), and the `key` to reveal it by
    when it is `masked`."""

    text: str
    masked: bool = False
    key: str | None = None
    revealed: bool = False


class CaseView:
    """What one page of `application` shows `user` of its personal data."""

    def __init__(self, user: User, application: Application, form: dict | None = None):
        self.user = user
        self.application = application
        self.form = form if form is not None else catalogue.case_form(application)
        self.kinds = form_kinds(self.form)
        self._known: list | None = None

    @property
    def known(self) -> list[tuple[str, str]]:
        if self._known is None:
            self._known = known_values(self.application, self.form)
        return self._known

    def _shown(self, key: str, value, kind: str | None, plain: str | None = None) -> Shown:
        text = plain if plain is not None else ("" if value is None else str(value))
        if kind is None or value in (None, ""):
            return Shown(text)
        if is_revealed(self.application.id, key):
            return Shown(text, key=key, revealed=True)
        return Shown(masking.mask(value, kind), True, key)

    def form_value(self, field: dict, value, plain: str | None = None) -> Shown:
        """A form field's value (`plain`: as its field type displays it)."""
        return self._shown(f"form.{field['name']}", value, self.kinds.get(field["name"]), plain)

    def applicant(self, attribute: str = "real_name") -> Shown:
        """An attribute of the applicant's account (real name, ID number, mobile)."""
        value = getattr(self.application.citizen, attribute, None)
        return self._shown(f"applicant.{attribute}", value, masking.PROFILE_KINDS.get(attribute))

    def file_key(self, att: Attachment) -> str:
        return f"file.{att.id}"

    def file_revealed(self, att: Attachment) -> bool:
        return is_revealed(self.application.id, self.file_key(att))

    def findings(self, att: Attachment) -> dict:
        """The auto-review of `att` as the page shows it: verdict, type, checks, reasons,
        text and fields, with personal data masked unless the file was revealed (the
        recognised text is not given at all until then: `text_hidden`). `fields`
        maps each field to {"value", "masked", "page", "box"} (the clerk's correction where there
        is one);
        `pages` keeps the page sizes the evidence boxes are drawn on, not the OCR'd words."""
        review = att.review or {}
        corrected = att.corrected_fields or {}
        revealed = self.file_revealed(att)

        def text(value):
            return value if revealed or not value else masking.mask_text(value, self.known)

        fields = {}
        for key, record in (review.get("fields") or {}).items():
            value = corrected.get(key) or _review_field_value(record) or ""
            kind = masking.OCR_FIELD_KINDS.get(key)
            shown = value if revealed else (masking.mask(value, kind) if kind else text(value))
            where = record if isinstance(record, dict) else {}
            fields[key] = {  # where it was read is no personal data: the evidence boxes
                "value": shown,
                "masked": shown != value,
                "page": where.get("page"),
                "box": where.get("box"),
            }
        return {
            "verdict": review.get("verdict"),
            "doc_type": review.get("doc_type"),
            "confidence": review.get("confidence"),
            # The whole recognised text only once the file is revealed: OCR spaces and
            # breaks its lines as the paper does, so a known value read there need not match
            # it (an address read as "261 号 … 27 栋"), and it names people no field holds.
            "text": review.get("text") if revealed else None,
            "text_hidden": bool(review.get("text")) and not revealed,
            "fields": fields,
            "checks": [{**c, "detail": text(c.get("detail"))} for c in review.get("checks") or []],
            "reasons": [_masked_reason(r, text) for r in review.get("reasons") or []],
            "pages": [
                {k: p.get(k) for k in ("width", "height", "rotation")}
                for p in review.get("pages") or []
            ],
            "masked": not revealed and _holds_personal_data(review, fields),
        }


def _masked_reason(reason: dict, text) -> dict:
    evidence = dict(reason.get("evidence") or {})
    if evidence.get("text"):
        evidence["text"] = text(evidence["text"])
    return {**reason, "message": text(reason.get("message")), "evidence": evidence}


def _holds_personal_data(review: dict, fields: dict) -> bool:
    return bool(review.get("text")) or any(f["masked"] for f in fields.values())


# --- revealing ------------------------------------------------------------------------------


def _check_key(application: Application, key: str) -> None:
    """NotFound unless `key` names a personal value of this case."""
    kind, _, name = (key or "").partition(".")
    if kind == "form" and name in form_kinds(catalogue.case_form(application)):
        return
    if kind == "applicant" and name in masking.PROFILE_KINDS:
        return
    if kind == "file" and name.isdigit():
        if any(att.id == int(name) for att in application.attachments):
            return
    raise NotFound("no_such_value", _l("This case holds no such value."))


def _check_reason(reason: str | None, note: str | None) -> tuple[str, str]:
    reason = (reason or "").strip()
    note = " ".join((note or "").split())
    errors = {}
    if reason not in REASONS:
        errors["reason"] = _l("Choose why you need to see this value.")
    elif reason == "other" and not note:
        errors["note"] = _l("Say why you need to see this value.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _l("At most %(n)d characters.", n=NOTE_MAX_LENGTH)
    if errors:
        raise ValidationFailed(errors, _l("A value is revealed only with a reason."))
    return reason, note


@uow.use_case
def reveal(
    user: User, application: Application, key: str, reason: str | None, note: str | None = None
) -> float:
    """Let `user` see the personal value `key` of `application` for REVEAL_SECONDS, for
    `reason` (one of REASONS; "other" needs a `note`). Writes a `reveal` audit record and
    returns when the reveal ends (epoch seconds). Forbidden for a user who may not see the
    case; NotFound for a value the case does not hold; ValidationFailed without a reason."""
    if not approvals.can_view_case(user, application):
        raise Forbidden("not_your_case", _l("You may not see this case."))
    _check_key(application, key)
    reason, note = _check_reason(reason, note)
    details = {"case": application.case_number, "field": key, "reason": reason}
    if note:
        details["note"] = note
    events.audited(
        "reveal", actor=user, object_type="case", object_id=application.id, details=details
    )
    until = time.time() + REVEAL_SECONDS
    uow.on_commit(lambda: _grant(application.id, key, until))
    return until


def _grant(application_id: int, key: str, until: float) -> None:
    if not has_request_context():  # a script or a job: there is no page to show it on
        return
    now = time.time()
    grants = {k: v for k, v in (session.get(_SESSION_KEY) or {}).items() if v > now}
    grants[f"{application_id}:{key}"] = until
    if len(grants) > _MAX_GRANTS:  # the oldest go first
        grants = dict(sorted(grants.items(), key=lambda item: item[1])[-_MAX_GRANTS:])
    session[_SESSION_KEY] = grants


def is_revealed(application_id: int, key: str) -> bool:
    """Whether this session revealed `key` of the case within the last REVEAL_SECONDS."""
    try:
        grants = session.get(_SESSION_KEY) or {}
    except RuntimeError:  # no request: nothing was revealed
        return False
    return grants.get(f"{application_id}:{key}", 0) > time.time()
