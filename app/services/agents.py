"""Agents (代办): who may act for a company, and the one check every use case makes.

A company's verified legal representative authorises another registered person — found by
resident ID number or login — for every service or a chosen list, up to an end date, and
can revoke the authorisation; both are audited (`agent_authorise`, `agent_revoke`). An
authorisation is in force while it is not revoked, its end date has not passed, the company
is verified and the person who granted it is still its legal representative.

`require_may_apply` and `require_may_act` are called by the use cases themselves (starting a
draft, saving it, uploading, submitting, corrections, withdrawal, rating), not only by the
pages, so an agent whose authorisation ended is refused whatever they send, with a message
that says why. The legal representative and agents in force for a service see the
company's cases of that service and its certificates from that service.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from app import uow
from app.domain import events
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import AgentAuthorisation, Application, Company, ECertificate, Role, User, utcnow
from app.services import catalogue, companies, ecertificates
from app.services.periods import local_today

ACTIVE = "active"
REVOKED = "revoked"
EXPIRED = "expired"
LAPSED = "lapsed"  # the company's legal representative changed or is no longer verified
STATUS_LABELS = {
    ACTIVE: _l("In force"),
    REVOKED: _l("Revoked"),
    EXPIRED: _l("Expired"),
    LAPSED: _l("Lapsed"),
}
MAX_YEARS = 3


def status_of(auth: AgentAuthorisation, today: date | None = None) -> str:
    """active / revoked / expired / lapsed."""
    if auth.revoked_at is not None:
        return REVOKED
    if (today or local_today()) > auth.valid_until:
        return EXPIRED
    company = auth.company
    if not company.verified or company.legal_rep_id != auth.granted_by_id:
        return LAPSED
    return ACTIVE


def status_label(status: str) -> str:
    """The status in the page's language."""
    return str(STATUS_LABELS.get(status, status))


# ----- granting and revoking ---------------------------------------------------------------


def _find_person(identifier: str) -> User | None:
    identifier = "".join(str(identifier or "").split())
    if not identifier:
        return None
    return db.session.execute(
        db.select(User).where(
            User.role == Role.CITIZEN,
            User.active.is_(True),
            or_(
                User.id_number == identifier.upper(),
                User.username == identifier,
                User.mobile == identifier,
            ),
        )
    ).scalar()


def _parse_end(raw) -> tuple[date | None, str | None]:
    try:
        end = date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None, _l("Enter the last day of the authorisation (YYYY-MM-DD).")
    today = local_today()
    if end < today:
        return None, _l("The last day cannot be in the past.")
    if end > today + timedelta(days=366 * MAX_YEARS):
        return None, _l("An authorisation lasts at most %(n)d years.", n=MAX_YEARS)
    return end, None


@uow.use_case
def authorise(
    rep: User, company_id: int, agent_identifier, *, all_services: bool, services, valid_until
) -> AgentAuthorisation:
    """The verified legal representative lets a registered person apply for the company."""
    company = companies.get_own(rep, company_id)
    if not company.verified:
        raise Forbidden(
            "company_not_verified",
            _l("Only a verified legal representative can authorise agents."),
        )
    errors = {}
    agent = _find_person(agent_identifier)
    if agent is None:
        errors["agent"] = _l("No registered person has this ID number or login.")
    elif agent.id == rep.id:
        errors["agent"] = _l("You act for the company yourself; authorise someone else.")
    known = {s.code for s in catalogue.list_services()}
    codes = sorted({str(c) for c in (services or [])})
    if not all_services:
        if not codes:
            errors["services"] = _l("Choose all services or at least one service.")
        elif not set(codes) <= known:
            errors["services"] = _l("Choose services from the list.")
    end, end_error = _parse_end(valid_until)
    if end_error:
        errors["valid_until"] = end_error
    if errors:
        raise ValidationFailed(errors)
    for existing in for_company(company):
        if existing.agent_id == agent.id and status_of(existing) == ACTIVE:
            raise Conflict(
                "already_authorised",
                _l("This person is already authorised. Revoke that authorisation first."),
            )
    auth = AgentAuthorisation(
        company=company,
        agent=agent,
        granted_by=rep,
        all_services=bool(all_services),
        service_codes=[] if all_services else codes,
        valid_until=end,
    )
    db.session.add(auth)
    db.session.flush()
    events.audited(
        "agent_authorise",
        actor=rep,
        object_type="agent_authorisation",
        object_id=auth.id,
        details={
            "company": company.credit_code,
            "agent": agent.id,
            "scope": "all" if all_services else codes,
            "valid_until": end.isoformat(),
        },
    )
    return auth


@uow.use_case
def revoke(rep: User, company_id: int, authorisation_id: int) -> AgentAuthorisation:
    """The legal representative ends an authorisation at once (kept, marked revoked)."""
    company = companies.get_own(rep, company_id)
    auth = db.session.get(AgentAuthorisation, authorisation_id)
    if auth is None or auth.company_id != company.id:
        raise NotFound("authorisation_not_found", _l("No such authorisation."))
    if auth.revoked_at is not None:
        raise Conflict("already_revoked", _l("This authorisation is already revoked."))
    auth.revoked_at = utcnow()
    auth.revoked_by = rep
    events.audited(
        "agent_revoke",
        actor=rep,
        object_type="agent_authorisation",
        object_id=auth.id,
        details={"company": company.credit_code, "agent": auth.agent_id},
    )
    return auth


def for_company(company: Company) -> list[AgentAuthorisation]:
    """Every authorisation the company gave, newest first."""
    return list(
        db.session.execute(
            db.select(AgentAuthorisation)
            .where(AgentAuthorisation.company_id == company.id)
            .order_by(AgentAuthorisation.id.desc())
        ).scalars()
    )


def for_agent(person: User) -> list[AgentAuthorisation]:
    """Every authorisation `person` received, newest first."""
    return list(
        db.session.execute(
            db.select(AgentAuthorisation)
            .where(AgentAuthorisation.agent_id == person.id)
            .order_by(AgentAuthorisation.id.desc())
        ).scalars()
    )


# ----- the checks --------------------------------------------------------------------------


def _refusal(person: User, company: Company, service_code: str) -> Forbidden | None:
    """Why `person` may not act for `company` on `service_code` now; None if they may."""
    if companies.is_legal_rep(person, company):
        return None
    mine = [a for a in for_company(company) if a.agent_id == person.id]
    if any(status_of(a) == ACTIVE and a.covers(service_code) for a in mine):
        return None
    statuses = {status_of(a) for a in mine}
    if ACTIVE in statuses:
        code = "agent_out_of_scope"
        message = _l(
            "Your authorisation for %(company)s does not cover this service.", company=company.name
        )
    elif REVOKED in statuses and not statuses - {REVOKED}:
        code = "agent_revoked"
        message = _l(
            "Your authorisation for %(company)s has been revoked: you can no longer apply or "
            "act on its cases.",
            company=company.name,
        )
    elif EXPIRED in statuses:
        code = "agent_expired"
        message = _l(
            "Your authorisation for %(company)s has expired: you can no longer apply or act "
            "on its cases. Ask its legal representative to renew it.",
            company=company.name,
        )
    else:
        code = "not_an_agent"
        message = _l("You are not authorised to act for %(company)s.", company=company.name)
    return Forbidden(code, message)


def refusal_for(person: User, application: Application) -> Forbidden | None:
    """Why `person` may no longer act on the company's case, or None (pages say so)."""
    if application.company_id is None:
        return None
    return _refusal(person, application.company, application.service.code)


def may_apply(person: User, company: Company, service_code: str) -> bool:
    """Whether `person` may apply for `company` for the service now."""
    return _refusal(person, company, service_code) is None


def require_may_apply(person: User, company: Company, service_code: str) -> None:
    """Refuse (Forbidden, saying why) unless `person` may apply for `company` now."""
    refusal = _refusal(person, company, service_code)
    if refusal is not None:
        raise refusal


def require_may_act(person: User, application: Application) -> None:
    """Refuse unless `person` may act on the case now: a case of their own, or a company's
    case while they are its verified legal representative or an agent in force for it."""
    if application.company_id is None:
        return
    require_may_apply(person, application.company, application.service.code)


def companies_for(person: User, service_code: str | None = None) -> list[Company]:
    """The companies `person` may apply for now (for `service_code`, or for any service)."""
    candidates = {c.id: c for c in companies.represented_by(person) if c.verified}
    for auth in for_agent(person):
        if status_of(auth) == ACTIVE and (service_code is None or auth.covers(service_code)):
            candidates.setdefault(auth.company_id, auth.company)
    return [
        c for c in candidates.values() if service_code is None or may_apply(person, c, service_code)
    ]


def visible_companies(person: User) -> list[Company]:
    """Companies whose page `person` may open: theirs, and those they are an agent for now."""
    out = {c.id: c for c in companies.represented_by(person)}
    for auth in for_agent(person):
        if status_of(auth) == ACTIVE:
            out.setdefault(auth.company_id, auth.company)
    return list(out.values())


def company_for_viewer(person: User, company_id: int) -> Company:
    """The company if `person` may open its page, else NotFound."""
    company = db.session.get(Company, company_id)
    if company is None or company.id not in {c.id for c in visible_companies(person)}:
        raise NotFound("company_not_found", _l("No such company."))
    return company


def _in_scope(person: User, company: Company):
    """A test of service codes: those `person` may act on for `company` now."""
    if companies.is_legal_rep(person, company):
        return lambda code: True
    active = [a for a in for_company(company) if a.agent_id == person.id and status_of(a) == ACTIVE]
    return lambda code: any(a.covers(code) for a in active)


def visible_cases(person: User, company: Company) -> list[Application]:
    """The company's cases `person` sees: all for its legal representative, those of
    services in scope for an agent."""
    in_scope = _in_scope(person, company)
    return [c for c in companies.cases_of(company) if in_scope(c.service.code)]


def visible_certificates(person: User, company: Company) -> list[ECertificate]:
    """The company's certificates `person` sees (its wallet): all for its legal
    representative, those issued by services in scope for an agent."""
    in_scope = _in_scope(person, company)
    return [c for c in companies.certificates_of(company) if in_scope(c.service.code)]


def company_case(person: User, company_id: int, application_id: int) -> Application:
    """One of the company's cases, if `person` may see it now, else NotFound."""
    company = company_for_viewer(person, company_id)
    case = db.session.get(Application, application_id)
    if (
        case is None
        or case.company_id != company.id
        or not case.case_number
        or not may_apply(person, company, case.service.code)
    ):
        raise NotFound("application_not_found", _l("No such application."))
    return case


def company_certificate_pdf(person: User, company_id: int, certificate_id: int) -> tuple[Path, str]:
    """The signed PDF of one of the company's certificates, if `person` sees it."""
    company = company_for_viewer(person, company_id)
    cert = next((c for c in visible_certificates(person, company) if c.id == certificate_id), None)
    if cert is None:
        raise NotFound("certificate_not_found", _l("Certificate not found."))
    return ecertificates.pdf_path(cert), f"{cert.number}.pdf"
