"""Reuse of e-certificates (免提交): a slot filled by reference, and forms prefilled.

A material declared with `"ecertificate": "<type>"` (forms/<service>.json) is offered to an
applicant who holds a valid certificate of that type in the register (theirs, or their
company's as its legal representative): one click records the reference — no file, no OCR
job. The clerk then sees the register's data for it ("verified e-certificate"), read from
the register when shown, so a certificate revoked or expired after submission is flagged;
a revocation is also written on the timeline of each undecided case that uses it
(`on_case_step`, a reaction in app/services/case_events.py).

A form field declared with `"prefill_certificate": {"type": …, "value": …}` is prefilled
from the applicant's newest valid certificate of that type: `value` is `number`,
`holder_name`, `holder_code`, `valid_until` or `fact:<printed label>` (a detail printed on
the certificate, e.g. `fact:住所`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.models import Application, ECertificate, User
from app.models.ecertificates import STATUS_VALID
from app.models.materials import BY_CERTIFICATE, MaterialSubstitute
from app.services import ecertificates, material_rules


def usable_certificates(user: User, cert_type: str) -> list[ECertificate]:
    """The valid certificates of `cert_type` that `user` holds, newest first."""
    return [
        c
        for c in ecertificates.wallet(user)
        if c.cert_type == cert_type and ecertificates.status_of(c) == STATUS_VALID
    ]


def offers(application: Application) -> dict[str, list[ECertificate]]:
    """For each slot a certificate may fill, the applicant's usable certificates."""
    out = {}
    for m in material_rules.materials(application.service):
        if m.get("ecertificate"):
            out[m["slot"]] = usable_certificates(application.citizen, m["ecertificate"])
    return out


@uow.use_case
def use_certificate(
    application: Application, slot: str, certificate_id: int, actor: User
) -> MaterialSubstitute:
    """Fill a draft's `slot` with the applicant's certificate `certificate_id`, by
    reference. Refused for a slot no certificate may fill, a certificate of another type
    or holder, and one that is revoked or expired."""
    material_rules.require_draft(application)
    wanted = material_rules.material(application.service, slot).get("ecertificate")
    if not wanted:
        raise DomainError(
            "slot_takes_no_certificate", _l("This material cannot be replaced by a certificate.")
        )
    cert = db.session.get(ECertificate, certificate_id)
    if cert is None or not ecertificates.holds(application.citizen, cert):
        raise NotFound("certificate_not_found", _l("Certificate not found."))
    if cert.cert_type != wanted:
        raise DomainError(
            "wrong_certificate_type", _l("This certificate is not of the kind this material needs.")
        )
    if ecertificates.status_of(cert) != STATUS_VALID:
        raise Conflict(
            "certificate_not_valid",
            _l("This certificate is no longer valid (revoked or expired); upload the document."),
        )
    return material_rules.put(application, slot, BY_CERTIFICATE, actor, certificate=cert)


def prefill(user: User, fields: list[dict]) -> dict:
    """Form values taken from `user`'s valid certificates, for the fields that declare
    `prefill_certificate`."""
    out = {}
    newest: dict[str, ECertificate | None] = {}
    for f in fields:
        spec = f.get("prefill_certificate")
        if not spec:
            continue
        cert_type = spec.get("type")
        if cert_type not in newest:
            found = usable_certificates(user, cert_type)
            newest[cert_type] = found[0] if found else None
        cert = newest[cert_type]
        if cert is None:
            continue
        value = certificate_value(cert, spec.get("value", ""))
        if value not in (None, ""):
            out[f["name"]] = value
    return out


def certificate_value(cert: ECertificate, key: str) -> str | None:
    """One datum of a certificate, named as `prefill_certificate.value` names it."""
    if key.startswith("fact:"):
        return (cert.facts or {}).get(key[5:])
    if key == "valid_until":
        return cert.valid_until.isoformat() if cert.valid_until else None
    if key in ("number", "holder_name", "holder_code"):
        return getattr(cert, key)
    return None


def verified_view(sub: MaterialSubstitute) -> dict:
    """What the clerk sees for a slot filled by a certificate: the register's data now,
    and whether it stopped being valid since the case was submitted."""
    cert = sub.certificate
    status = ecertificates.status_of(cert)
    return {
        "certificate": cert,
        "type": ecertificates.type_label(cert),
        "number": cert.number,
        "holder_name": cert.holder_name,
        "holder_code": cert.holder_code,
        "department": cert.department,
        "issued_on": ecertificates.issued_on(cert),
        "valid_until": cert.valid_until,
        "status": status,
        "status_label": ecertificates.status_label(status),
        "flagged": status != STATUS_VALID,
        "verify_code": cert.verify_code,
    }


def avoided_uploads(application: Application) -> int:
    """How many materials of `application` were given without uploading a file: by a
    certificate reference or a signed declaration."""
    return sum(1 for s in application.material_substitutes if s.kind != "deferred")


def on_case_step(step) -> None:
    """Reaction to a certificate's revocation (a `certificate_revoked` step on the case it
    came from): every undecided case that uses it by reference gets the same step on its
    own timeline, which its clerks read (the task page flags it from the register too)."""
    data = step.data or {}
    if step.kind != "certificate_revoked" or data.get("used_by_reference"):
        return
    cert = db.session.execute(
        db.select(ECertificate).where(ECertificate.number == data.get("certificate"))
    ).scalar()
    if cert is None:
        return
    users = db.session.execute(
        db.select(MaterialSubstitute.application_id)
        .join(Application, Application.id == MaterialSubstitute.application_id)
        .where(
            MaterialSubstitute.certificate_id == cert.id,
            Application.case_number.is_not(None),
            Application.decided_at.is_(None),
        )
    ).scalars()
    for application_id in sorted(set(users)):
        events.case_step(
            application_id,
            "certificate_revoked",
            message=step.message,
            data={"certificate": cert.number, "used_by_reference": True},
        )
