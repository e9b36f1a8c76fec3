"""Serving uploaded files to the people allowed to see them, and nobody else."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user, login_required

from app.extensions import db, talisman
from app.models import Attachment
from app.services import audit, previews, uploads
from app.services.approvals import can_view_case

bp = Blueprint("files", __name__)


def _viewable(attachment_id: int) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    if (
        att is None
        or att.application.anonymised_at
        or not can_view_case(current_user, att.application)
    ):
        abort(404)
    audit.record_file_view(current_user, att)
    return att


# An uploaded file runs nothing: stricter than the pages' policy (the browser's own image
# and PDF viewers need inline styles). Set through Talisman, which sets every answer's CSP.
FILE_POLICY = {"default-src": "'none'", "img-src": "'self'", "style-src": "'unsafe-inline'"}


def _locked_down(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/files/<int:attachment_id>")
@talisman(content_security_policy=FILE_POLICY)
@login_required
def attachment(attachment_id: int):
    att = _viewable(attachment_id)
    return _locked_down(
        send_file(
            uploads.path_for(att.stored_name),
            mimetype=att.mime_type,
            download_name=uploads.clean_filename(att.original_name),  # also names stored earlier
            as_attachment=False,
            max_age=0,
        )
    )


@bp.route("/files/<int:attachment_id>/preview")
@talisman(content_security_policy=FILE_POLICY)
@login_required
def preview(attachment_id: int):
    """What an <img> can show: the file itself, or a JPEG of its first page (TIFF, HEIC, PDF)."""
    att = _viewable(attachment_id)
    if not previews.needs_preview(att.mime_type):
        return attachment(attachment_id)
    try:
        path = previews.preview_path(att.stored_name, att.mime_type)
    except previews.PreviewUnavailable as exc:
        current_app.logger.info("no preview for attachment %s: %s", att.id, exc)
        abort(404)
    return _locked_down(send_file(path, mimetype="image/jpeg", max_age=0))
