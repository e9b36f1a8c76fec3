"""The administrators' workspace: services and process versions, incidents, review quality,
service performance with its CSV export, and the follow-up of citizens' bad ratings."""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import DomainError, ValidationFailed
from app.services import analytics, audit, incidents, insight, operations, periods, ratings
from app.services import dashboard as dashboard_figures
from app.services import holidays as holiday_calendar
from app.services.periods import local_today

bp = Blueprint("admin", __name__)


@bp.route("/")
@admin_required
def dashboard():
    """The landing page: services, versions, incidents, case counts, review quality."""
    view = dashboard_figures.overview()
    return render_template(
        "admin/dashboard.html",
        services=view.services,
        versions=view.versions,
        incidents=view.open_incidents,
        counts=view.cases_by_status,
        overdue=view.overdue_tasks,
        agreement=view.agreement,
        awaiting_follow_up=ratings.count_awaiting_follow_up(),
        scheduler=operations.scheduler_health(),
    )


PERIOD_ARGS = ("days", "from", "to")
FOLLOW_UPS_SHOWN = 20  # bad ratings listed on the performance page, oldest first


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


def _filters() -> dict:
    """The service and department the page is narrowed to (ids; an unknown or malformed one
    is ignored: the page shows everything)."""
    return {
        "service_id": request.args.get("service", type=int) or None,
        "department_id": request.args.get("department", type=int) or None,
    }


@bp.route("/performance")
@admin_required
def performance():
    """Per service and department figures and charts for the chosen period, and bad ratings
    to answer."""
    period, range_errors = _requested_period()
    filters = _filters()
    data = analytics.overview(period, **filters)
    return render_template(
        "admin/performance.html",
        periods=periods.PERIODS,
        range_errors=range_errors,
        max_range_days=periods.MAX_RANGE_DAYS,
        today=periods.local_today(period.now),
        awaiting=ratings.awaiting_follow_up(limit=FOLLOW_UPS_SHOWN),
        awaiting_total=ratings.count_awaiting_follow_up(),
        level_labels=ratings.LEVEL_LABELS,
        charts=insight.chart_data(period, **filters),
        filters=filters,
        choices=analytics.filter_choices(),
        **data,
    )


@bp.route("/performance/data.json")
@admin_required
def performance_data():
    """The charts' data as JSON (the same the page embeds)."""
    period, range_errors = _requested_period()
    if range_errors:
        return jsonify({"errors": {k: str(v) for k, v in range_errors.items()}}), 400
    return jsonify(insight.chart_data(period, **_filters()))


@bp.route("/performance.csv")
@admin_required
def performance_csv():
    """The per-service table as a CSV file that Excel opens with Chinese intact; a refused
    range goes back to the page, which says what is wrong with it."""
    p, range_errors = _requested_period()
    if range_errors:
        return redirect(url_for(".performance", **_period_args()))
    body = analytics.services_csv(analytics.service_performance(p), str(get_locale() or "zh"))
    audit.record_export(current_user, "service_performance", period=_period_args())
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
    """Retry a stuck case and say what really happened."""
    outcome = incidents.retry(current_user, incident_id)
    if outcome.status == "resolved":
        flash(_("This incident is already resolved."), "info")
    elif outcome.status == "failed":
        flash(_("Retry failed again: %(msg)s", msg=outcome.message), "danger")
    elif outcome.status == "requeued":
        flash(
            _(
                "The failed step was queued again. The incident stays open until it "
                "succeeds; if it fails again, its new error is shown here."
            ),
            "info",
        )
    elif outcome.status == "unchanged":
        flash(
            _("Nothing moved: the case still waits where it stopped. The incident stays open."),
            "warning",
        )
    elif outcome.status == "suspended":
        flash(_("The case is suspended: resume it before retrying."), "warning")
    else:
        flash(_("The case moved on."), "success")
    return redirect(url_for(".dashboard"))


@bp.route("/holidays", methods=["GET", "POST"])
@admin_required
def holidays():
    """The holiday calendar: list, add or change a day."""
    if request.method == "POST":
        try:
            holiday_calendar.save_day(
                request.form.get("day", ""),
                request.form.get("name", ""),
                bool(request.form.get("is_workday")),
            )
        except ValidationFailed as exc:
            flash(exc.summary(), "danger")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for(".holidays"))
    return render_template(
        "admin/holidays.html",
        holidays=holiday_calendar.list_days(),
        holiday_name=holiday_calendar.display_name,
        official_years=holiday_calendar.official_years(),
        this_year=local_today().year,
    )


@bp.route("/holidays/import", methods=["POST"])
@admin_required
def import_holidays():
    """Import the State Council's arrangement for a year from the shipped calendar."""
    try:
        count = holiday_calendar.import_official(request.form.get("year", type=int) or 0)
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    else:
        flash(_("%(n)d days imported.", n=count), "success")
    return redirect(url_for(".holidays"))


@bp.route("/holidays/<day>/delete", methods=["POST"])
@admin_required
def delete_holiday(day: str):
    """Remove a day from the holiday calendar."""
    holiday_calendar.delete_day(day)
    return redirect(url_for(".holidays"))
