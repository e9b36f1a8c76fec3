"""The auditors' pages: search the audit trail and export what was found as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from app.blueprints.access import auditor_required
from app.domain.errors import ValidationFailed
from app.domain.events import AUDIT_ACTIONS
from app.models import utcnow
from app.services import audit

bp = Blueprint("audit", __name__)


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
