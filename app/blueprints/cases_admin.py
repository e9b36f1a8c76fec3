"""The administrators' running cases: the searchable list per process and version, and
suspend / resume / terminate with a reason."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.blueprints.context import safe_next
from app.domain.errors import DomainError
from app.models import utcnow
from app.services import running_cases

bp = Blueprint("cases_admin", __name__)


@bp.route("/cases")
@admin_required
def case_list():
    """Cases by process and version, with state, current step, age and due date."""
    query = running_cases.parse_query(request.args)
    return render_template(
        "admin/cases.html",
        page=running_cases.search(query),
        processes=running_cases.process_choices(),
        states=running_cases.STATES,
        now=utcnow(),
    )


_ACTIONS = {
    "suspend": running_cases.suspend,
    "resume": running_cases.resume,
    "terminate": running_cases.terminate,
}


@bp.route("/cases/<int:application_id>/<action>", methods=["POST"])
@admin_required
def case_action(application_id: int, action: str):
    """Suspend, resume or terminate a case; the reason is required (except to resume)."""
    if action not in _ACTIONS:
        return redirect(url_for(".case_list"))
    try:
        _ACTIONS[action](
            current_user._get_current_object(), application_id, request.form.get("reason", "")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.summary() if hasattr(exc, "summary") else str(exc.message), "danger")
    else:
        flash(
            {
                "suspend": _("Case suspended; the applicant is told."),
                "resume": _("Case resumed; the applicant is told."),
                "terminate": _("Case terminated; the applicant is told."),
            }[action],
            "success",
        )
    return redirect(safe_next(request.form.get("back"), url_for(".case_list")))
