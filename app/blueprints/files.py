"""Serving uploaded files to the people allowed to see them, and nobody else."""
from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Attachment
from app.services import uploads
from app.services.approvals import can_view_case

bp = Blueprint("files", __name__)


@bp.route("/files/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    att = db.session.get(Attachment, attachment_id)
    if att is None or not can_view_case(current_user, att.application):
        abort(404)
    response = send_file(uploads.path_for(att.stored_name), mimetype=att.mime_type,
                         download_name=att.original_name, as_attachment=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
