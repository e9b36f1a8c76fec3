"""Company accounts (法人) and the verification of their legal representative.

A person registers a company by its unified social credit code and name, as its legal
representative. The claim is verified automatically when the platform's register holds a
valid business licence (营业执照) for that credit code naming this person (by resident ID
number) as legal representative — the company's name is then the licence's — and otherwise
by a clerk or an administrator who checked the papers, with a reason. Both are audited
(`company_verify`). Only a verified legal representative can authorise agents
(app/services/agents.py).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, Company, ECertificate, User, utcnow
from app.models.companies import VERIFIED_BY_CERTIFICATE, VERIFIED_BY_STAFF
from app.models.ecertificates import HOLDER_COMPANY
from app.services import ecertificates
from ml.validators import check_credit_code

BUSINESS_LICENCE = "business_licence"  # the certificate type 企业开办 issues (services.json)
NAME_MAX = 100
REASON_MAX = 500


def normalise_code(raw) -> str:
    """The credit code as stored: upper case, without spaces."""
    return "".join(str(raw or "").split()).upper()


def licence_for(credit_code: str, person: User) -> ECertificate | None:
    """The newest valid business licence in the register for `credit_code` naming `person`
    as legal representative, if any."""
    if not person.id_number:
        return None
    candidates = db.session.execute(
        db.select(ECertificate)
        .where(
            ECertificate.cert_type == BUSINESS_LICENCE,
            ECertificate.holder_kind == HOLDER_COMPANY,
            ECertificate.holder_code == credit_code,
            ECertificate.representative_id_number == person.id_number,
        )
        .order_by(ECertificate.id.desc())
    ).scalars()
    return next(
        (c for c in candidates if ecertificates.status_of(c) == ecertificates.STATUS_VALID), None
    )


def _verify_by_licence(company: Company, licence: ECertificate, person: User) -> None:
    company.legal_rep = person
    company.name = licence.holder_name[:128]
    company.verified_at = utcnow()
    company.verified_via = VERIFIED_BY_CERTIFICATE
    company.verified_by_id = None
    company.verify_reason = None
    company.certificate_number = licence.number
    db.session.flush()
    events.audited(
        "company_verify",
        actor=person,
        object_type="company",
        object_id=company.id,
        details={
            "credit_code": company.credit_code,
            "via": VERIFIED_BY_CERTIFICATE,
            "certificate": licence.number,
            "legal_rep": person.id,
        },
    )


@uow.use_case
def register(person: User, credit_code, name) -> Company:
    """`person` registers a company as its legal representative; verified at once when the
    register holds a valid business licence naming them, else it waits for a clerk.

    A code already claimed but not verified passes to whoever the licence names; a verified
    company cannot be claimed again."""
    code = normalise_code(credit_code)
    name = " ".join(str(name or "").split())
    errors = {}
    if not check_credit_code(code).ok:
        errors["credit_code"] = _l("Enter a valid 18-character unified social credit code.")
    if not name:
        errors["name"] = _l("Enter the company's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _l("At most %(n)d characters.", n=NAME_MAX)
    if errors:
        raise ValidationFailed(errors)
    if not person.is_citizen:
        raise Forbidden("not_citizen", _l("Only a person's own account can register a company."))
    licence = licence_for(code, person)
    company = db.session.execute(db.select(Company).where(Company.credit_code == code)).scalar()
    if company is not None and company.verified:
        if company.legal_rep_id == person.id:
            return company
        raise Conflict(
            "company_taken",
            _l(
                "This company is already registered and its legal representative is "
                "verified. Ask them to authorise you as an agent."
            ),
        )
    if company is not None and company.legal_rep_id != person.id and licence is None:
        raise Conflict(
            "company_claimed",
            _l(
                "Someone else has registered this credit code and is waiting for "
                "verification. If you are its legal representative, ask a clerk to check."
            ),
        )
    if company is None:
        company = Company(credit_code=code, name=name, legal_rep=person)
        db.session.add(company)
        db.session.flush()
    elif licence is None:
        company.name = name
    if licence is not None:
        _verify_by_licence(company, licence, person)
    return company


@uow.use_case
def verify_again(person: User, company_id: int) -> bool:
    """The legal representative asks for the automatic check again (e.g. once the licence
    is issued); True if the company is verified now."""
    company = get_own(person, company_id)
    if company.verified:
        return True
    licence = licence_for(company.credit_code, person)
    if licence is None:
        return False
    _verify_by_licence(company, licence, person)
    return True


@uow.use_case
def verify_by_staff(staff: User, company_id: int, reason) -> Company:
    """A clerk or an administrator confirms the legal representative after checking the
    papers, with the reason (audited)."""
    if not (staff.is_clerk or staff.is_admin):
        raise Forbidden("not_staff", _l("Only clerks and administrators verify companies."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationFailed({"reason": _l("Give the reason (what you checked).")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _l("At most %(n)d characters.", n=REASON_MAX)})
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound("company_not_found", _l("No such company."))
    if company.verified:
        raise Conflict("company_verified", _l("This company is already verified."))
    company.verified_at = utcnow()
    company.verified_via = VERIFIED_BY_STAFF
    company.verified_by = staff
    company.verify_reason = reason
    events.audited(
        "company_verify",
        actor=staff,
        object_type="company",
        object_id=company.id,
        details={
            "credit_code": company.credit_code,
            "via": VERIFIED_BY_STAFF,
            "reason": reason,
            "legal_rep": company.legal_rep_id,
        },
    )
    return company


def get(company_id: int) -> Company:
    """The company, or NotFound."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound("company_not_found", _l("No such company."))
    return company


def get_own(person: User, company_id: int) -> Company:
    """The company whose legal representative (verified or not) is `person`, else NotFound."""
    company = db.session.get(Company, company_id)
    if company is None or company.legal_rep_id != person.id:
        raise NotFound("company_not_found", _l("No such company."))
    return company


def is_legal_rep(person: User, company: Company) -> bool:
    """Whether `person` is the company's verified legal representative."""
    return company.verified and company.legal_rep_id == person.id


def represented_by(person: User) -> list[Company]:
    """The companies `person` registered as legal representative (verified or waiting)."""
    return list(
        db.session.execute(
            db.select(Company).where(Company.legal_rep_id == person.id).order_by(Company.id)
        ).scalars()
    )


def waiting(limit: int = 200) -> list[Company]:
    """Companies whose legal representative is not verified yet, oldest first (for staff)."""
    return list(
        db.session.execute(
            db.select(Company)
            .where(Company.verified_at.is_(None))
            .order_by(Company.id)
            .limit(limit)
        ).scalars()
    )


def recently_verified(limit: int = 50) -> list[Company]:
    """The companies verified most recently (for staff)."""
    return list(
        db.session.execute(
            db.select(Company)
            .where(Company.verified_at.is_not(None))
            .order_by(Company.verified_at.desc())
            .limit(limit)
        ).scalars()
    )


def cases_of(company: Company) -> list[Application]:
    """The company's submitted cases, newest first."""
    return list(
        db.session.execute(
            db.select(Application)
            .where(Application.company_id == company.id, Application.case_number.is_not(None))
            .order_by(Application.id.desc())
        ).scalars()
    )


def certificates_of(company: Company) -> list[ECertificate]:
    """The certificates held by the company (its wallet), newest first."""
    return list(
        db.session.execute(
            db.select(ECertificate)
            .where(
                ECertificate.holder_kind == HOLDER_COMPANY,
                ECertificate.holder_code == company.credit_code,
            )
            .order_by(ECertificate.issued_at.desc(), ECertificate.id.desc())
        ).scalars()
    )
