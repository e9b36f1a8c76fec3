"""The administrators' workspace: services and process versions, incidents, review quality,
service performance with its CSV export, and the follow-up of citizens' bad ratings."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.extensions import db
from app.models import Application, HumanTask, Incident, ProcessVersion, Service, TaskStatus, utcnow
from app.services import analytics, periods, ratings, reviews
from app.services.errors import DomainError, ValidationFailed

bp = Blueprint("admin", __name__)


@bp.route("/")
@admin_required
def dashboard():
    services = list(db.session.execute(db.select(Service).order_by(Service.id)).scalars())
    versions = list(
        db.session.execute(
            db.select(ProcessVersion).order_by(
                ProcessVersion.process_id, ProcessVersion.version.desc()
            )
        ).scalars()
    )
    incidents = list(
        db.session.execute(
            db.select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.id.desc())
        ).scalars()
    )
    counts = dict(
        db.session.execute(
            db.select(Application.status, db.func.count()).group_by(Application.status)
        ).all()
    )
    overdue = db.session.execute(
        db.select(db.func.count())
        .select_from(HumanTask)
        .where(
            HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]), HumanTask.due_at < utcnow()
        )
    ).scalar()
    return render_template(
        "admin/dashboard.html",
        services=services,
        versions=versions,
        incidents=incidents,
        counts=counts,
        overdue=overdue,
        agreement=reviews.agreement_rate(),
        awaiting_follow_up=ratings.count_awaiting_follow_up(),
    )


PERIOD_ARGS = ("days", "from", "to")


def _period_args() -> dict:
    """The query arguments that choose the period, as they came (to send them back)."""
    return {k: request.args.get(k) for k in PERIOD_ARGS}


def _requested_period():
    """The period the query asks for, or the default one and why the range was refused
    ({"from" or "to": message})."""
    try:
        return periods.requested(request.args), {}
    except ValidationFailed as exc:
        return periods.period(), exc.errors


@bp.route("/performance")
@admin_required
def performance():
    """Per service and department figures for the chosen period, and bad ratings to answer."""
    period, range_errors = _requested_period()
    data = analytics.overview(period)
    return render_template(
        "admin/performance.html",
        periods=periods.PERIODS,
        range_errors=range_errors,
        max_range_days=periods.MAX_RANGE_DAYS,
        today=periods.local_today(period.now),
        awaiting=ratings.awaiting_follow_up(),
        level_labels=ratings.LEVEL_LABELS,
        **data,
    )


@bp.route("/performance.csv")
@admin_required
def performance_csv():
    """The per-service table as a CSV file that Excel opens with Chinese intact; a refused
    range goes back to the page, which says what is wrong with it."""
    p, range_errors = _requested_period()
    if range_errors:
        return redirect(url_for(".performance", **_period_args()))
    body = analytics.services_csv(analytics.service_performance(p), str(get_locale() or "zh"))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{analytics.csv_filename(p)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/ratings/<int:rating_id>/follow-up", methods=["POST"])
@admin_required
def follow_up_rating(rating_id: int):
    """Answer a bad rating; the citizen sees the reply on the case page."""
    try:
        ratings.follow_up(current_user, rating_id, request.form.get("reply", ""))
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "info")
    else:
        flash(_("Reply sent; the citizen sees it on the case page."), "success")
    return redirect(url_for(".performance", **_period_args()) + "#follow-up")


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


@bp.route("/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    from datetime import date

    from flask import request

    from app.models import Holiday

    if request.method == "POST":
        try:
            day = date.fromisoformat(request.form.get("day", ""))
        except ValueError:
            flash(_("Enter a date as YYYY-MM-DD."), "danger")
            return redirect(url_for(".holidays"))
        name = (request.form.get("name") or "").strip()[:64] or day.isoformat()
        row = db.session.get(Holiday, day) or Holiday(day=day)
        row.name, row.is_workday = name, bool(request.form.get("is_workday"))
        db.session.add(row)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".holidays"))
    rows = db.session.execute(db.select(Holiday).order_by(Holiday.day)).scalars().all()
    return render_template("admin/holidays.html", holidays=rows)


@bp.route("/holidays/<day>/delete", methods=["POST"])
@admin_required
def delete_holiday(day: str):
    from datetime import date

    from app.models import Holiday

    try:
        row = db.session.get(Holiday, date.fromisoformat(day))
    except ValueError:
        row = None
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return redirect(url_for(".holidays"))
