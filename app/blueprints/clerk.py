"""The clerks' workspace: the queue (tabs, filters, saved filters, bulk claim), a case's
file, claiming and giving back, a lead's reassignment, internal notes and deciding."""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.blueprints.access import clerk_required
from app.blueprints.context import safe_next
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.domain.names import localized_name_in
from app.extensions import db
from app.models import Attachment, TaskStatus, utcnow
from app.services import (
    approvals,
    audit,
    case_notes,
    catalogue,
    commitments,
    deferred,
    reuse,
    reviews,
    timeline,
    workspace,
)
from ml import doctypes

bp = Blueprint("clerk", __name__)


@bp.route("/")
@clerk_required
def queue():
    flt = workspace.QueueFilter.from_args(request.args)
    page = workspace.queue_page(current_user, flt)
    return render_template(
        "clerk/queue.html",
        page=page,
        rows=_queue_rows(page),
        flt=flt,
        saved=workspace.saved_filters(current_user),
    )


class _QueueCells(NamedTuple):
    """The text of one queue row's cells."""

    id: int
    status: str
    overdue: bool
    case_number: str
    service: str
    applicant: Markup | str  # masked, marked as people's data
    task: str
    verdict: str | None  # the auto-review at a glance
    assignee: Markup | str
    submitted: str
    due: str
    url: str


def _queue_rows(page: workspace.QueuePage) -> list[_QueueCells]:
    """The queue's rows as the table prints them, every cell worked out here in one loop,
    with the language, the time zone and the service names looked up once a page rather than
    once a cell."""
    locale = str(get_locale() or "zh")
    tz, now = get_timezone(), utcnow()
    services = page.service_names(locale)
    filters = current_app.jinja_env.filters
    masked, data = filters["masked_as"], filters["data"]

    def day(value):
        return value.astimezone(tz).strftime("%Y-%m-%d") if value else "—"

    return [
        _QueueCells(
            id=t.id,
            status=t.status.value,
            overdue=bool(t.live and t.due_at and t.due_at < now),
            case_number=t.case_number,
            service=services.get(t.service_id, ""),
            applicant=masked(t.applicant_name, "real_name"),
            task=localized_name_in(t.name, locale),
            verdict=t.review,
            assignee=data(t.assignee_name),
            submitted=day(t.submitted_at),
            due=day(t.due_at),
            url=url_for(".task", task_id=t.id),
        )
        for t in page.tasks
    ]


def _back_to_queue():
    return redirect(safe_next(request.form.get("next"), url_for(".queue")))


@bp.route("/claim", methods=["POST"])
@clerk_required
def bulk_claim():
    ids = [int(v) for v in request.form.getlist("task") if v.isdigit()]
    if not ids:
        flash(_("Select the tasks to take first."), "warning")
        return _back_to_queue()
    try:
        result = approvals.bulk_claim(current_user, ids, request.form.get("reason"))
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
        return _back_to_queue()
    if result.claimed:
        flash(_("Tasks taken: %(num)d.", num=len(result.claimed)), "success")
    for task_id, message in result.refused:
        flash(_("Task %(id)d: %(message)s", id=task_id, message=message), "warning")
    return _back_to_queue()


@bp.route("/filters", methods=["POST"])
@clerk_required
def save_filter():
    flt = workspace.QueueFilter.from_args(request.form)
    try:
        workspace.save_filter(current_user, request.form.get("name", ""), flt)
        flash(_("Filter saved."), "success")
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    return redirect(url_for(".queue", **flt.args(page=1)))


@bp.route("/filters/<int:filter_id>")
@clerk_required
def apply_filter(filter_id: int):
    saved = workspace.get_saved_filter(current_user, filter_id)
    return redirect(url_for(".queue", **workspace.QueueFilter.from_args(saved.query).args()))


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@clerk_required
def delete_filter(filter_id: int):
    workspace.delete_filter(current_user, filter_id)
    flash(_("Filter deleted."), "info")
    return _back_to_queue()


@bp.route("/tasks/<int:task_id>")
@clerk_required
def task(task_id: int, errors=None):
    task = approvals.get_task(current_user, task_id)
    audit.record_case_view(current_user, task.application_id, task=task_id)
    application = task.application
    holds = task.status == TaskStatus.CLAIMED and task.assignee_id == current_user.id
    return render_template(
        "clerk/task.html",
        task=task,
        application=application,
        holds=holds,
        form=catalogue.case_form(application),
        task_form=approvals.task_form(task),
        values=request.form,
        slots=_slots(application),
        events=timeline.events(application, internal=True),
        notes=case_notes.notes(current_user, application),
        clerks=approvals.department_clerks(current_user) if current_user.is_lead else [],
        errors=errors or {},
        now=utcnow(),
        verified_view=reuse.verified_view,
        deferred_due=deferred.due_at,
        declaration_check_label=commitments.check_label,
    )


def _slots(application):
    from app.services.applications import material_slots

    return material_slots(application)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@clerk_required
def claim(task_id: int):
    try:
        approvals.claim(current_user, task_id, request.form.get("reason"))
        flash(_("The task is yours."), "success")
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except Conflict as exc:
        flash(str(exc.message), "warning")
    return redirect(url_for(".task", task_id=task_id))


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@clerk_required
def release(task_id: int):
    try:
        approvals.release(current_user, task_id, request.form.get("reason"))
        flash(_("The task is back in the queue."), "info")
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
        return redirect(url_for(".task", task_id=task_id))
    except Conflict as exc:
        flash(str(exc.message), "warning")
    return redirect(url_for(".queue"))


@bp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@clerk_required
def reassign(task_id: int):
    try:
        assignee_id = int(request.form.get("assignee") or 0)
    except ValueError:
        assignee_id = 0
    try:
        task = approvals.reassign(current_user, task_id, assignee_id, request.form.get("reason"))
        flash(_("The task is now with %(name)s.", name=task.assignee.real_name), "success")
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except Conflict as exc:
        flash(str(exc.message), "warning")
    return redirect(url_for(".task", task_id=task_id))


@bp.route("/tasks/<int:task_id>/notes", methods=["POST"])
@clerk_required
def add_note(task_id: int):
    task = approvals.get_task(current_user, task_id)
    try:
        case_notes.add_note(current_user, task.application, request.form.get("body", ""))
        flash(_("Note added."), "success")
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    return redirect(url_for(".task", task_id=task_id, _anchor="notes"))


@bp.route("/tasks/<int:task_id>/decide", methods=["POST"])
@clerk_required
def decide(task_id: int):
    try:
        approvals.decide(current_user, task_id, request.form.to_dict())
    except ValidationFailed as exc:  # the page lists each problem above the form
        return task(task_id, errors=exc.errors), 400
    except Conflict as exc:
        flash(str(exc.message), "warning")
        return redirect(url_for(".task", task_id=task_id))
    flash(_("Decision recorded."), "success")
    return redirect(url_for(".queue"))


@bp.route("/tasks/<int:task_id>/attachments/<int:attachment_id>/type", methods=["POST"])
@clerk_required
def correct_type(task_id: int, attachment_id: int):
    task = approvals.get_task(current_user, task_id)
    att = db.session.get(Attachment, attachment_id)
    doc_type = request.form.get("doc_type", "")
    if att is None or att.application_id != task.application_id or not doctypes.is_known(doc_type):
        raise DomainError("bad_request", _("Unknown file or document type."))
    fields = {k[len("field:") :]: v for k, v in request.form.items() if k.startswith("field:")}
    reviews.record_correction(att, current_user, doc_type, fields)
    flash(_("Thank you: the correction is recorded for the next training."), "success")
    return redirect(url_for(".task", task_id=task_id))
