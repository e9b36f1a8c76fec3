"""Materials given without an upload: the citizen fills a slot with an e-certificate
(免提交) or a signed declaration (告知承诺), takes either back, and uploads a deferred
material after acceptance (容缺受理); clerks keep the list of declarations to check
afterwards (事后核查) and mark each checked."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import citizen_required, clerk_required
from app.domain.errors import DomainError
from app.services import applications, commitments, deferred, material_rules, reuse

bp = Blueprint("substitutes", __name__)


def _back_to_materials(application_id: int):
    return redirect(url_for("portal.materials", application_id=application_id))


@bp.route("/applications/<int:application_id>/materials/<slot>/certificate", methods=["POST"])
@citizen_required
def use_certificate(application_id: int, slot: str):
    """One click: the slot is filled by the chosen e-certificate, by reference."""
    application = applications.get_for_citizen(current_user, application_id)
    raw = request.form.get("certificate_id", "")
    try:
        if not raw.isdigit():
            raise DomainError("bad_request", _("Choose one of your certificates."))
        sub = reuse.use_certificate(application, slot, int(raw), current_user)
    except DomainError as exc:
        flash(exc.in_words(), "danger")
    else:
        flash(
            _(
                "Your e-certificate %(number)s is used; nothing to upload.",
                number=sub.certificate.number,
            ),
            "success",
        )
    return _back_to_materials(application.id)


@bp.route("/applications/<int:application_id>/materials/<slot>/declaration", methods=["POST"])
@citizen_required
def declare(application_id: int, slot: str):
    """The applicant signs the commitment in place of the file."""
    application = applications.get_for_citizen(current_user, application_id)
    try:
        commitments.declare(application, slot, request.form.get("agree") == "yes", current_user)
    except DomainError as exc:
        flash(exc.in_words(), "danger")
    else:
        flash(_("Your declaration is recorded in place of the file."), "success")
    return _back_to_materials(application.id)


@bp.route("/applications/<int:application_id>/materials/<slot>/withdraw", methods=["POST"])
@citizen_required
def withdraw(application_id: int, slot: str):
    """Take back a certificate reference or a declaration, to upload the file instead."""
    application = applications.get_for_citizen(current_user, application_id)
    try:
        material_rules.withdraw(application, slot)
    except DomainError as exc:
        flash(exc.in_words(), "warning")
    else:
        flash(_("Taken back: upload the file instead."), "info")
    return _back_to_materials(application.id)


@bp.route("/cases/<int:application_id>/materials/<slot>", methods=["POST"])
@citizen_required
def supply(application_id: int, slot: str):
    """Upload a material that was allowed to follow after acceptance (容缺)."""
    application = applications.get_for_citizen(current_user, application_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file first."), "warning")
    else:
        try:
            deferred.supply(application, slot, upload.filename, upload.read(), current_user)
        except DomainError as exc:
            flash(exc.in_words(), "danger")
        else:
            flash(_("%(name)s uploaded; it is being checked.", name=upload.filename), "success")
    return redirect(url_for("portal.case", application_id=application.id, _anchor="outstanding"))


@bp.route("/clerk/commitments")
@clerk_required
def commitments_list():
    """The declarations (告知承诺) of the department's cases, to check afterwards."""
    status = request.args.get("status", "pending")
    shown = None if status == "all" else status
    if shown not in (None, *commitments.CHECK_LABELS):
        shown = "pending"
    return render_template(
        "clerk/commitments.html",
        items=commitments.to_check(current_user, shown),
        status=status,
        check_label=commitments.check_label,
        note_max=commitments.NOTE_MAX,
    )


@bp.route("/clerk/commitments/<int:substitute_id>", methods=["POST"])
@clerk_required
def record_check(substitute_id: int):
    """Mark one declaration checked: true, or false with what was found."""
    try:
        commitments.record_check(
            current_user,
            substitute_id,
            request.form.get("outcome", ""),
            request.form.get("note", ""),
        )
    except DomainError as exc:
        flash(exc.in_words(), "danger")
    else:
        flash(_("Check recorded."), "success")
    return redirect(url_for(".commitments_list", status=request.form.get("back", "pending")))
