"""Serving uploaded files to the people allowed to see them, and nobody else.

Nothing here decodes or renders a file: previews are made by background jobs in bounded
worker processes (`services.previews`); until one is ready the preview view answers with a
small "preview being prepared" picture.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
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


def private_pdf(path, download_name: str, *, as_attachment: bool = True):
    """A PDF only its reader may see (certificates, notices): 404 when the file is missing,
    never cached by the browser or a proxy."""
    if not path.is_file():
        abort(404)
    return _locked_down(
        send_file(
            path,
            mimetype="application/pdf",
            as_attachment=as_attachment,
            download_name=download_name,
            max_age=0,
        )
    )


@bp.route("/files/<int:attachment_id>")
@talisman(content_security_policy=FILE_POLICY)
@login_required
def attachment(attachment_id: int):
    return _original(_viewable(attachment_id))


def _original(att: Attachment):
    """The uploaded file as it was stored, shown inline."""
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
    """What an <img> can show: the file itself, the JPEG of its first page (TIFF, HEIC, PDF),
    or, while that JPEG is being made, a placeholder saying so. Never renders here."""
    att = _viewable(attachment_id)
    if not previews.needs_preview(att.mime_type):
        return _original(att)  # (the look is recorded once, above)
    page = request.args.get("page", "0")
    if page != "0":  # a PDF's later page: made with the first, or not at all
        path = (
            previews.ready_path(att, int(page))
            if page.isdigit() and int(page) < uploads.PREVIEW_PAGES
            else None
        )
        if path is None:
            abort(404)
        return _locked_down(send_file(path, mimetype="image/jpeg", max_age=0))
    state = previews.state(att)
    if state == "ready":
        path = previews.ready_path(att)
        if path is not None:  # (not deleted in between)
            return _locked_down(send_file(path, mimetype="image/jpeg", max_age=0))
    if state == "unavailable":
        current_app.logger.info("no preview for attachment %s", att.id)
        abort(404)
    if state == "missing":
        previews.request_preview(att)
    placeholder = render_template("files/preview_pending.svg")
    return _locked_down(
        current_app.response_class(placeholder, mimetype="image/svg+xml", status=200)
    )
