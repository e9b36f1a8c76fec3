"""Companies and agents (代办): a person's companies and authorisations, registering a
company, the company's page (its cases, its certificates, its agents: authorise, revoke),
and the staff's list of companies waiting for their legal representative's verification."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import citizen_required, role_required
from app.blueprints.files import FILE_POLICY, private_pdf
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import talisman
from app.models import Role
from app.services import agents, catalogue, companies, ecertificates, timeline
from app.services.periods import local_today

bp = Blueprint("companies", __name__)
staff_required = role_required(Role.CLERK, Role.ADMIN)


def _scope_label(auth) -> str:
    """The services an authorisation covers, by name in the page's language."""
    if auth.all_services:
        return _("All services")
    locale = str(get_locale() or "zh")
    names = {s.code: s.display_name(locale) for s in catalogue.list_services()}
    return "、".join(names.get(code, code) for code in auth.service_codes or [])


def _helpers() -> dict:
    return {
        "scope_label": _scope_label,
        "auth_status": agents.status_of,
        "auth_status_label": agents.status_label,
        "type_label": ecertificates.type_label,
        "cert_status": ecertificates.status_of,
        "cert_status_label": ecertificates.status_label,
        "issued_on": ecertificates.issued_on,
    }


@bp.app_template_global()
def agency_refusal(application) -> str | None:
    """For pages of a company's case: why the logged-in person may no longer act on it."""
    refusal = agents.refusal_for(current_user, application)
    return str(refusal.message) if refusal is not None else None


@bp.route("/companies", methods=["GET", "POST"])
@citizen_required
def index():
    """The companies I represent or act for, my authorisations, and registering a company."""
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            company = companies.register(
                current_user, values.get("credit_code"), values.get("name")
            )
        except ValidationFailed as exc:
            errors = exc.errors
            flash(_("Please correct the marked fields."), "danger")
        except DomainError as exc:
            flash(str(exc.message), "danger")
        else:
            if company.verified:
                flash(
                    _("Company registered; you are its verified legal representative."), "success"
                )
            else:
                flash(
                    _(
                        "Company registered. No business licence naming you was found in the "
                        "register: a clerk will verify you as its legal representative."
                    ),
                    "info",
                )
            return redirect(url_for(".detail", company_id=company.id))
    return render_template(
        "companies/index.html",
        represented=companies.represented_by(current_user),
        received=agents.for_agent(current_user),
        errors=errors,
        values=values,
        **_helpers(),
    ), (400 if errors else 200)


@bp.route("/companies/<int:company_id>")
@citizen_required
def detail(company_id: int):
    """A company's page: verification, agents (the legal representative manages them),
    cases and certificates (each as far as the viewer's authorisation reaches)."""
    company = agents.company_for_viewer(current_user, company_id)
    is_rep = company.legal_rep_id == current_user.id
    return render_template(
        "companies/detail.html",
        company=company,
        is_rep=is_rep,
        authorisations=agents.for_company(company) if is_rep else [],
        mine=[a for a in agents.for_agent(current_user) if a.company_id == company.id],
        cases=agents.visible_cases(current_user, company),
        certificates=agents.visible_certificates(current_user, company),
        services=catalogue.list_services(),
        today=local_today(),
        **_helpers(),
    )


@bp.route("/companies/<int:company_id>/verify", methods=["POST"])
@citizen_required
def verify_again(company_id: int):
    """The legal representative has the register checked again for the business licence."""
    if companies.verify_again(current_user, company_id):
        flash(_("You are verified as the company's legal representative."), "success")
    else:
        flash(_("No valid business licence naming you was found for this credit code."), "info")
    return redirect(url_for(".detail", company_id=company_id))


@bp.route("/companies/<int:company_id>/agents", methods=["POST"])
@citizen_required
def authorise(company_id: int):
    """The legal representative authorises an agent."""
    form = request.form
    try:
        auth = agents.authorise(
            current_user,
            company_id,
            form.get("agent", ""),
            all_services=form.get("scope") == "all",
            services=form.getlist("services"),
            valid_until=form.get("valid_until", ""),
        )
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "danger")
    else:
        flash(_("%(name)s may now apply for the company.", name=auth.agent.real_name), "success")
    return redirect(url_for(".detail", company_id=company_id) + "#agents")


@bp.route("/companies/<int:company_id>/agents/<int:authorisation_id>/revoke", methods=["POST"])
@citizen_required
def revoke(company_id: int, authorisation_id: int):
    """The legal representative revokes an authorisation."""
    try:
        auth = agents.revoke(current_user, company_id, authorisation_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "info")
    else:
        flash(_("The authorisation of %(name)s is revoked.", name=auth.agent.real_name), "success")
    return redirect(url_for(".detail", company_id=company_id) + "#agents")


@bp.route("/companies/<int:company_id>/cases/<int:application_id>")
@citizen_required
def case(company_id: int, application_id: int):
    """One of the company's cases, read only (the submitter acts on it from My cases)."""
    application = agents.company_case(current_user, company_id, application_id)
    if application.citizen_id == current_user.id:
        return redirect(url_for("portal.case", application_id=application.id))
    return render_template(
        "companies/case.html",
        application=application,
        events=timeline.public_events(application),
    )


@bp.route("/companies/<int:company_id>/certificates/<int:certificate_id>/pdf")
@talisman(content_security_policy=FILE_POLICY)
@citizen_required
def certificate_pdf(company_id: int, certificate_id: int):
    """A signed PDF from the company's wallet."""
    try:
        path, name = agents.company_certificate_pdf(current_user, company_id, certificate_id)
    except DomainError:
        abort(404)
    return private_pdf(path, name)


@bp.route("/staff/companies")
@staff_required
def staff_list():
    """Companies waiting for their legal representative's verification, and recent ones."""
    return render_template(
        "companies/staff.html",
        waiting=companies.waiting(),
        verified=companies.recently_verified(),
        reason_max=companies.REASON_MAX,
    )


@bp.route("/staff/companies/<int:company_id>/verify", methods=["POST"])
@staff_required
def staff_verify(company_id: int):
    """A clerk or an administrator verifies a legal representative, with a reason."""
    try:
        company = companies.verify_by_staff(current_user, company_id, request.form.get("reason"))
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "info")
    else:
        flash(_("%(name)s: legal representative verified.", name=company.name), "success")
    return redirect(url_for(".staff_list"))
