"""The administrators' workspace: services and process versions, incidents, review quality."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.extensions import db
from app.models import (Application, HumanTask, Incident, ProcessVersion, Service, TaskStatus,
                        utcnow)
from app.services import reviews

bp = Blueprint("admin", __name__)


@bp.route("/")
@admin_required
def dashboard():
    services = list(db.session.execute(db.select(Service).order_by(Service.id)).scalars())
    versions = list(db.session.execute(db.select(ProcessVersion).order_by(
        ProcessVersion.process_id, ProcessVersion.version.desc())).scalars())
    incidents = list(db.session.execute(db.select(Incident).where(
        Incident.resolved_at.is_(None)).order_by(Incident.id.desc())).scalars())
    counts = dict(db.session.execute(db.select(Application.status, db.func.count()).group_by(
        Application.status)).all())
    overdue = db.session.execute(db.select(db.func.count()).select_from(HumanTask).where(
        HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
        HumanTask.due_at < utcnow())).scalar()
    return render_template("admin/dashboard.html", services=services, versions=versions,
                           incidents=incidents, counts=counts, overdue=overdue,
                           agreement=reviews.agreement_rate())


@bp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@admin_required
def retry_incident(incident_id: int):
    from app.workflow import runtime
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at:
        flash(_("This incident is already resolved."), "info")
        return redirect(url_for(".dashboard"))
    try:
        runtime.retry(incident.instance_id)
    except runtime.CaseStuck as exc:
        db.session.commit()
        flash(_("Retry failed again: %(msg)s", msg=exc.incident.message), "danger")
        return redirect(url_for(".dashboard"))
    incident.resolved_at = utcnow()
    incident.resolved_by_id = current_user.id
    db.session.commit()
    flash(_("The case moved on."), "success")
    return redirect(url_for(".dashboard"))
