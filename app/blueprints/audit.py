"""The auditors' pages: search the audit trail and export what was found as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.blueprints.access import auditor_required
from app.domain.errors import ValidationFailed
from app.domain.events import AUDIT_ACTIONS
from app.models import utcnow
from app.services import audit

bp = Blueprint("audit", __name__)
# What each audit action is called on the auditors' pages (the code stays in the export and
# in the row's data-action). tests/unit/test_audit_labels.py checks every action has one.
ACTION_LABELS = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in refused"),
    "logout": _l("Signed out"),
    "view_case": _l("Opened a case"),
    "view_file": _l("Opened a file"),
    "decide": _l("Decided a task"),
    "reveal": _l("Revealed personal data"),
    "export": _l("Exported data"),
    "admin_change": _l("Administrative change"),
    "api_call": _l("Call through the API"),
    "purge": _l("Anonymised expired data"),
    "company_verify": _l("Verified a company"),
    "agent_authorise": _l("Authorised an agent"),
    "agent_revoke": _l("Revoked an agent"),
}


def _query():
    """The search the request asks for, or an empty one and why it was refused."""
    try:
        return audit.parse_query(request.args), {}
    except ValidationFailed as exc:
        return audit.AuditQuery(), exc.errors


@bp.route("/")
@auditor_required
def index():
    query, errors = _query()
    results = audit.search(query, page=request.args.get("page", 1, type=int))
    return render_template(
        "audit/index.html",
        results=results,
        errors=errors,
        actions=sorted(AUDIT_ACTIONS),
        action_labels=ACTION_LABELS,
        values=request.args,
    ), (400 if errors else 200)


@bp.route("/export.csv")
@auditor_required
def export():
    query, errors = _query()
    if errors:
        return index()
    body = audit.export_csv(current_user, query)
    name = f"audit-trail-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
