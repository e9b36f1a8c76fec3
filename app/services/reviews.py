"""Auto-review of materials inside the product: runs `ml.review` on uploads and sums up a case.

The citizen sees every problem at once before submitting (一次告知); the clerk sees the
verdict with its reasons and evidence; clerks' corrections are kept as feedback for training.

Each file is read in a bounded worker process (`file_workers.read_document`), which also
makes its preview: a file that goes over the CPU, time or memory limit, or has too many
pages, ends as `attention` with the reason `too_complex` or `too_many_pages`, never as a
hung job or a stalled server.
"""

from __future__ import annotations

import logging

from flask import current_app

from app import uow
from app.extensions import db
from app.models import Application, Attachment, utcnow
from app.services import catalogue, file_workers, previews, rollups, uploads

log = logging.getLogger(__name__)


def applicant_facts(application: Application) -> dict:
    """What the applicant typed, keyed the way `ml.review` compares it (name, id_number…)."""
    form = catalogue.case_form(application)
    facts = {}
    for field in catalogue.form_fields(form):
        key = field.get("applicant_key")
        value = (application.form_data or {}).get(field["name"])
        if key and value not in (None, ""):
            facts[key] = str(value)
    facts.setdefault("name", application.citizen.real_name)
    facts.setdefault("id_number", application.citizen.id_number)
    return facts


def expected_type(application: Application, slot: str) -> str | None:
    """The document type the service asks for in `slot`."""
    for m in application.service.definition.get("materials", []):
        if m["slot"] == slot:
            return m.get("doc_type")
    return None


def review_attachment(att: Attachment) -> dict:
    """Review one file, making its preview first, and store the result on it (inside the
    caller's job). The file is read only in a bounded worker process."""
    from ml.bounded import BoundedTaskFailed, ResourceLimitExceeded
    from ml.review import refusal, review_upload

    application = att.application
    cfg = current_app.config
    path = uploads.path_for(att.stored_name)
    wanted = expected_type(application, att.slot)
    preview_to = None
    if previews.needs_preview(att.mime_type) and previews.ready_path(att) is None:
        preview_to = str(uploads.preview_path_for(att.stored_name))
    try:
        result = file_workers.read_document(
            review_upload,
            str(path),
            lane=att.lane,
            preview_to=preview_to,
            later_previews_to=uploads.later_preview_paths(att.stored_name) if preview_to else None,
            max_pdf_pages=cfg["MAX_PDF_PAGES"],
            expected_type=wanted,
            applicant=applicant_facts(application),
            engine=cfg["ML_ENGINE"],
        )
    except BoundedTaskFailed as exc:  # over a limit (too complex), or the worker died
        log.warning("review of attachment %s stopped: %s", att.id, exc)
        code = "too_complex" if isinstance(exc, ResourceLimitExceeded) else "unreadable"
        result = refusal(code, str(exc), expected_type=wanted)
        if preview_to and previews.ready_path(att) is None:
            result["preview"] = "unavailable"
    result["file"] = att.original_name
    result["reviewed_at"] = utcnow().isoformat()
    att.review = result
    att.review_status = result.get("verdict", "attention")
    return {"verdict": att.review_status}


def review_case(application: Application) -> dict:
    """Make sure every file is reviewed, then sum up the case (pass only if all pass)."""
    current = [a for a in application.attachments if not a.superseded]
    for att in current:
        if att.review_status in ("pending", "failed") or not att.review:
            review_attachment(att)
    files = []
    for att in current:
        review = att.review or {}
        files.append(
            {
                "attachment_id": att.id,
                "slot": att.slot,
                "doc_type": review.get("doc_type"),
                "verdict": att.review_status,
                "reasons": sorted({r.get("code") for r in review.get("reasons", [])}),
            }
        )
    verdict = "pass" if files and all(f["verdict"] == "pass" for f in files) else "attention"
    return {"verdict": verdict, "files": files, "problems": sum(len(f["reasons"]) for f in files)}


def problems_for_citizen(application: Application) -> list[dict]:
    """Every problem found in the uploaded files, in one list (一次告知)."""
    out = []
    for att in application.attachments:
        if att.superseded:
            continue
        for reason in (att.review or {}).get("reasons", []):
            out.append(
                {
                    "attachment": att,
                    "slot": att.slot,
                    "code": reason.get("code"),
                    "field": reason.get("field"),
                    "message": reason.get("message"),
                }
            )
    return out


@uow.use_case
def record_correction(att: Attachment, clerk, doc_type: str, fields: dict | None = None) -> None:
    """A clerk says the file is really of `doc_type` (and what its fields really say): kept
    as training feedback. Only fields whose value differs from the extraction are kept."""
    detected = (att.review or {}).get("doc_type") or ""
    was_corrected = bool(att.corrected_type) and att.corrected_type != detected
    att.corrected_type = doc_type
    att.corrected_by_id = clerk.id
    rollups.file_type_corrected(att, was_corrected)
    extracted = (att.review or {}).get("fields") or {}
    changes = {}
    for key, value in (fields or {}).items():
        value = (value or "").strip()[:200]
        old = extracted.get(key)
        old_value = old.get("value") if isinstance(old, dict) else old
        if value and value != (old_value or ""):
            changes[key] = value
    att.corrected_fields = changes or None


def agreement_rate() -> dict:
    """How often clerks agreed with the auto-review's document type (admins' dashboard)."""
    rows = db.session.execute(
        db.select(Attachment.review, Attachment.corrected_type).where(
            Attachment.review.is_not(None)
        )
    ).all()
    reviewed = len(rows)
    corrected = sum(
        1 for review, corrected in rows if corrected and corrected != (review or {}).get("doc_type")
    )
    return {
        "reviewed": reviewed,
        "corrected": corrected,
        "agreement": (reviewed - corrected) / reviewed if reviewed else None,
    }


def feedback_records() -> list[dict]:
    """Clerks' type corrections as training records ({text, doc_type}) for `ml train --feedback`."""
    rows = db.session.execute(
        db.select(Attachment).where(
            Attachment.corrected_type.is_not(None), Attachment.review.is_not(None)
        )
    ).scalars()
    return [
        {
            "text": (a.review or {}).get("text", ""),
            "doc_type": a.corrected_type,
            "predicted": (a.review or {}).get("doc_type"),
            "fields": a.corrected_fields or {},
            "sha256": a.sha256,
        }
        for a in rows
        if (a.review or {}).get("text")
    ]
