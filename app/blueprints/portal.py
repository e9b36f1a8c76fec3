"""The citizens' portal: service guides, applying, uploading, checking, submitting, following,
withdrawing an undecided case (撤回), deleting a draft, and rating a decided case (好差评)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import citizen_required
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.services import (
    agents,
    applications,
    catalogue,
    companies,
    deferred,
    material_rules,
    ratings,
    reuse,
    reviews,
    timeline,
    withdrawal,
)
from app.services import my_cases as my_cases_service

bp = Blueprint("portal", __name__)


@bp.route("/")
def home():
    """The service list, searchable and filtered by category (个人办事 / 法人办事) and theme."""
    query = (request.args.get("q") or "").strip()[:100]
    category = request.args.get("category") or ""
    category = category if category in catalogue.CATEGORIES else ""
    theme = (request.args.get("theme") or "").strip()[:64]
    return render_template(
        "portal/home.html",
        services=catalogue.search_services(query, category, theme),
        themes=catalogue.themes(catalogue.search_services(category=category)),
        query=query,
        category=category,
        theme=theme,
        categories=catalogue.CATEGORIES,
    )


@bp.route("/services/<code>")
def guide(code: str):
    service = catalogue.get_service(code)
    on_behalf = (
        agents.companies_for(current_user, service.code)
        if current_user.is_authenticated and current_user.is_citizen
        else []
    )
    return render_template(
        "portal/guide.html",
        service=service,
        form=catalogue.service_form(service),
        on_behalf=on_behalf,
    )


@bp.route("/services/<code>/apply", methods=["POST"])
@citizen_required
def apply(code: str):
    """Start (or continue) a draft, for oneself or on a company's behalf (代办)."""
    raw_company = request.form.get("company")
    company = None
    if raw_company is not None:  # on a company's behalf: never silently for oneself
        if not raw_company.isdigit():
            abort(404)
        company = companies.get(int(raw_company))
    draft = applications.start_draft(current_user, catalogue.get_service(code), company)
    return redirect(url_for(".edit", application_id=draft.id))


def _draft_or_case(application_id: int):
    application = applications.get_for_citizen(current_user, application_id)
    if application.case_number:
        flash(_("This application has already been submitted."), "info")
        return application, redirect(url_for(".case", application_id=application.id))
    return application, None


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@citizen_required
def edit(application_id: int):
    application, done = _draft_or_case(application_id)
    if done:
        return done
    form = catalogue.case_form(application)
    steps = catalogue.form_steps(form)
    step = request.args.get("step", "0")
    step = min(int(step), len(steps) - 1) if steps and step.isdigit() else 0
    errors = {}
    if request.method == "POST":
        errors = applications.save_form(
            application, request.form.to_dict(), step if steps else None
        )
        if not errors:
            if step + 1 < len(steps):
                return redirect(url_for(".edit", application_id=application.id, step=step + 1))
            return redirect(url_for(".materials", application_id=application.id))
    values = dict(application.form_data or {})  # (errors: the page lists each above the form)
    if request.method == "POST":
        values.update(request.form.to_dict())
    return render_template(
        "portal/edit.html",
        application=application,
        form=form,
        values=values,
        errors=errors,
        steps=steps,
        form_step=step,  # (`step` names the portal's 1-2-3 step in the template)
    ), (400 if errors else 200)


@bp.route("/applications/<int:application_id>/materials", methods=["GET", "POST"])
@citizen_required
def materials(application_id: int):
    application, done = _draft_or_case(application_id)
    if done:
        return done
    if request.method == "POST":
        upload = request.files.get("file")
        slot = request.form.get("slot", "")
        if upload is None or not upload.filename:
            flash(_("Choose a file first."), "warning")
        else:
            try:
                applications.add_attachment(application, slot, upload.filename, upload.read())
            except DomainError as exc:
                flash(exc.in_words(), "danger")
            else:
                flash(_("%(name)s uploaded; it is being checked.", name=upload.filename), "success")
        return redirect(url_for(".materials", application_id=application.id))
    return render_template(
        "portal/materials.html",
        application=application,
        slots=applications.material_slots(application),
        offers=reuse.offers(application),
        deferral=material_rules.deferral_rule(application.service),
    )


@bp.route(
    "/applications/<int:application_id>/materials/<int:attachment_id>/delete", methods=["POST"]
)
@citizen_required
def delete_material(application_id: int, attachment_id: int):
    application, done = _draft_or_case(application_id)
    if done:
        return done
    applications.remove_attachment(application, attachment_id)
    flash(_("File deleted."), "info")
    return redirect(url_for(".materials", application_id=application.id))


@bp.route("/applications/<int:application_id>/review-status")
@citizen_required
def review_status(application_id: int):
    """JSON for the materials page: each file's review progress (polled while checking)."""
    application = applications.get_for_citizen(current_user, application_id)
    return jsonify(
        {"files": [{"id": a.id, "status": a.review_status} for a in application.attachments]}
    )


@bp.route("/applications/<int:application_id>/confirm", methods=["GET"])
@citizen_required
def confirm(application_id: int):
    application, done = _draft_or_case(application_id)
    if done:
        return done
    return render_template(
        "portal/confirm.html",
        application=application,
        form=catalogue.case_form(application),
        slots=applications.material_slots(application),
        missing=applications.check_complete(application),
        problems=reviews.problems_for_citizen(application),
    )


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@citizen_required
def submit(application_id: int):
    application = applications.get_for_citizen(current_user, application_id)
    try:
        applications.submit(application)
    except Conflict as exc:
        flash(str(exc.message), "info")
        return redirect(url_for(".case", application_id=application.id))
    except ValidationFailed as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for(".confirm", application_id=application.id))
    flash(
        _("Submitted. Your case number is %(number)s.", number=application.case_number), "success"
    )
    return redirect(url_for(".case", application_id=application.id))


@bp.route("/cases")
@citizen_required
def my_cases():
    page = request.args.get("page", 1, type=int)  # not a number: the first page
    listing = my_cases_service.page_of_cases(current_user, request.args.get("tab"), page)
    return render_template("portal/cases.html", listing=listing)


@bp.route("/cases/<int:application_id>")
@citizen_required
def case(application_id: int):
    application = applications.get_for_citizen(current_user, application_id)
    if not application.case_number:
        return redirect(url_for(".edit", application_id=application.id))
    from app.services import corrections

    return render_template(
        "portal/case.html",
        application=application,
        events=timeline.public_events(application),
        problems=reviews.problems_for_citizen(application),
        correction=corrections.open_request(application),
        can_withdraw=withdrawal.can_withdraw(application),
        reason_max=withdrawal.REASON_MAX,
        slots=applications.material_slots(application),
        outstanding=deferred.outstanding(application),
        deferral_days=material_rules.deferral_rule(application.service)["working_days"],
        rating=ratings.for_application(application),
        can_rate=ratings.can_rate(current_user, application),
        level_labels=ratings.LEVEL_LABELS,
        comment_max=ratings.COMMENT_MAX,
    )


@bp.route("/applications/<int:application_id>/delete", methods=["POST"])
@citizen_required
def delete_draft(application_id: int):
    """The citizen deletes an unsubmitted draft and its files (我的办件)."""
    try:
        applications.delete_draft(current_user, application_id)
    except Conflict as exc:
        flash(exc.in_words(), "warning")
    else:
        flash(_("The draft has been deleted."), "info")
    return redirect(url_for(".my_cases"))


@bp.route("/cases/<int:application_id>/withdraw", methods=["POST"])
@citizen_required
def withdraw(application_id: int):
    """The citizen withdraws an undecided case (撤回), with an optional reason."""
    application = applications.get_for_citizen(current_user, application_id)
    try:
        withdrawal.withdraw(current_user, application, request.form.get("reason", ""))
    except Conflict as exc:
        flash(exc.in_words(), "warning")
    else:
        flash(_("Your application has been withdrawn."), "info")
    return redirect(url_for(".case", application_id=application.id))


@bp.route("/cases/<int:application_id>/rating", methods=["POST"])
@citizen_required
def rate(application_id: int):
    """The citizen rates their decided case once (5 levels and an optional comment)."""
    application = applications.get_for_citizen(current_user, application_id)
    try:
        ratings.rate(
            current_user, application, request.form.get("level"), request.form.get("comment", "")
        )
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except Conflict as exc:
        flash(str(exc.message), "info")
    else:
        flash(_("Thank you for your rating."), "success")
    return redirect(url_for(".case", application_id=application.id) + "#rating")


@bp.route("/cases/<int:application_id>/correction", methods=["POST"])
@citizen_required
def correction(application_id: int):
    """The citizen answers a correction request (补正) with new files and a note."""
    from app.services import corrections

    application = applications.get_for_citizen(current_user, application_id)
    files = [
        (key.split(":", 1)[1], f.filename, f.read())
        for key, f in request.files.items(multi=True)
        if key.startswith("file:") and f and f.filename
    ]
    try:
        corrections.submit(application, request.form.get("note", ""), files)
    except DomainError as exc:
        flash(exc.in_words(), "danger")
    else:
        flash(_("Corrections submitted. The case continues."), "success")
    return redirect(url_for(".case", application_id=application.id))
