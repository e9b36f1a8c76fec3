"""Written notices (PDF) for the people who may see the case: download, and the list that
the citizen's case page and the clerk's task page show (`case_notices(application)`)."""

from __future__ import annotations

from flask import Blueprint, send_file
from flask_login import current_user, login_required

from app.blueprints.files import FILE_POLICY
from app.extensions import talisman
from app.services import notices

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def inject_notices():
    """`case_notices(application)`, `notice_kind_label(kind)` and `notice_agency(agency,
    locale)` for the case pages."""
    return {
        "case_notices": notices.for_case,
        "notice_kind_label": notices.kind_label,
        "notice_agency": notices.agency_label,
    }


@bp.route("/notices/<int:notice_id>.pdf")
@talisman(content_security_policy=FILE_POLICY)
@login_required
def download(notice_id: int):
    """The notice's PDF, to the applicant, clerks who may view the case and admins (404
    to anyone else)."""
    notice = notices.for_download(current_user, notice_id)
    response = send_file(
        notices.path_for(notice),
        mimetype="application/pdf",
        download_name=f"{notice.number}.pdf",
        as_attachment=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
