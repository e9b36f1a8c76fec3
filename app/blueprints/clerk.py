"""The clerks' workspace: the department queue, a case's file, claiming and deciding."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import clerk_required
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.models import Attachment, utcnow
from app.services import approvals, audit, catalogue, reviews, timeline
from ml import doctypes

bp = Blueprint("clerk", __name__)


@bp.route("/")
@clerk_required
def queue():
    tasks = approvals.queue(current_user)
    return render_template("clerk/queue.html", tasks=tasks, now=utcnow())


@bp.route("/tasks/<int:task_id>")
@clerk_required
def task(task_id: int, errors=None):
    task = approvals.get_task(current_user, task_id)
    audit.record_case_view(current_user, task.application_id, task=task_id)
    application = task.application
    return render_template(
        "clerk/task.html",
        task=task,
        application=application,
        form=catalogue.service_form(application.service),
        task_form=approvals.task_form(task),
        values=request.form,
        slots=_slots(application),
        events=timeline.events(application),
        errors=errors or {},
        now=utcnow(),
    )


def _slots(application):
    from app.services.applications import material_slots

    return material_slots(application)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@clerk_required
def claim(task_id: int):
    try:
        approvals.claim(current_user, task_id)
        flash(_("The task is yours."), "success")
    except Conflict as exc:
        flash(str(exc.message), "warning")
    return redirect(url_for(".task", task_id=task_id))


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@clerk_required
def release(task_id: int):
    try:
        approvals.release(current_user, task_id)
        flash(_("The task is back in the queue."), "info")
    except Conflict as exc:
        flash(str(exc.message), "warning")
    return redirect(url_for(".queue"))


@bp.route("/tasks/<int:task_id>/decide", methods=["POST"])
@clerk_required
def decide(task_id: int):
    try:
        approvals.decide(current_user, task_id, request.form.to_dict())
    except ValidationFailed as exc:
        flash(str(exc.message), "danger")
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
