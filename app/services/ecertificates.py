"""The e-certificate register (电子证照库): issuing, signing, verifying, the wallet, revoking.

Each service declares the certificate its approval issues in `workflows/services.json`
(`certificate`: type, printed title, names, holder `person` or `company`, `valid_days`).
When a case's `issue_certificate` operator records its `certificate_issued` step,
`on_case_step` — a reaction in app/services/case_events.py, so in the same transaction —
enters the certificate in the register: its holder (a person by resident ID number; a company
by its unified social credit code, taken from the form when it has one, else assigned here,
since registering the company is what gives it one — with its legal representative), the
issuing department (the service's lead department), issue date and validity, and a random
public verification code. It then queues a `sign_certificate` job, which renders the PDF
(app/services/certificate_pdf.py), signs it (app/services/signing.py), stores it under
UPLOAD_DIR/certificates/ and notes its sha256: signing never holds up or fails the decision.

Anyone can confirm a certificate from its QR code (`public_view`, masked holder); a logged-in
user can have a PDF checked (`check_upload`: signature intact, signed by the agency, in the
register, status); holders see theirs in the wallet; an administrator revokes one with a
reason (a `certificate_revoked` case step on the case it came from), and has a PDF whose
signing failed signed again once the key is fixed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.catalogue import service_of
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import queue
from app.models import Application, ECertificate, User, utcnow
from app.models.ecertificates import (
    HOLDER_COMPANY,
    HOLDER_PERSON,
    STATUS_EXPIRED,
    STATUS_REVOKED,
    STATUS_VALID,
)
from app.services import certificate_pdf, signing
from app.services.catalogue import case_form, form_fields
from app.services.periods import local_today, local_tz
from app.workflow import tasks
from ml.validators import uscc_check_char

VERIFY_PATH = "/verify/certificates/{code}"  # app/blueprints/certificates.py serves it
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed
CODE_LENGTH = 16
MAX_REASON = 500
STATUS_LABELS = {
    STATUS_VALID: _l("Valid"),
    STATUS_REVOKED: _l("Revoked"),
    STATUS_EXPIRED: _l("Expired"),
}
# The issuing area of the credit codes assigned here (GB 32100: 9 = market regulation,
# 1 = company, then the administrative division; 310115 = Shanghai Pudong, as in the demo).
CREDIT_CODE_PREFIX = "91310115"


@dataclass(frozen=True)
class UploadCheck:
    """What checking an uploaded PDF found: its signature, and the register's entry."""

    signature: signing.SignatureCheck
    certificate: ECertificate | None  # the register entry the file claims to be
    same_file: bool  # the file is exactly the one the register holds (sha256)
    status: str | None  # valid / revoked / expired, when in the register

    @property
    def genuine(self) -> bool:
        """Signed by the agency, unchanged, and the very file the register issued."""
        return self.signature.ok and self.same_file


# ----- the types of certificate, as services.json declares them -------------------------------


def certificate_spec(service) -> dict | None:
    """The certificate `service` issues (services.json `certificate`), or None."""
    return (service.definition or {}).get("certificate")


def type_label(cert: ECertificate) -> str:
    """The certificate's type in the page's language (营业执照 / Business licence)."""
    spec = certificate_spec(cert.service) or {}
    names = spec.get("name") or {}
    locale = str(get_locale() or "zh") if has_request_context() else "zh"
    return names.get(locale) or names.get("zh") or cert.cert_type


def status_of(cert: ECertificate, today: date | None = None) -> str:
    """valid / revoked / expired (a valid certificate past its last valid day)."""
    if cert.status == STATUS_REVOKED:
        return STATUS_REVOKED
    if cert.valid_until is not None and (today or local_today()) > cert.valid_until:
        return STATUS_EXPIRED
    return STATUS_VALID


def status_label(status: str) -> str:
    """The status in the page's language."""
    return str(STATUS_LABELS.get(status, status))


# ----- issuing (the reaction to a certificate_issued step) ------------------------------------


def _answers_by_key(application: Application) -> dict:
    """The form's answers by their `applicant_key` (name, id_number, company_name, …)."""
    answers = application.form_data or {}
    out = {}
    for f in form_fields(case_form(application)):
        key = f.get("applicant_key")
        if key and answers.get(f["name"]) not in (None, ""):
            out[key] = str(answers[f["name"]]).strip()
    return out


def _organisation_code_check(first8: str) -> str:
    """GB 11714 check character of an organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def assign_credit_code() -> str:
    """A new, well-formed unified social credit code (GB 32100) for a company registered
    here, not yet held by any company in the register."""
    while True:
        body = "".join(secrets.choice("0123456789") for _ in range(8))
        first17 = CREDIT_CODE_PREFIX + body + _organisation_code_check(body)
        code = first17 + uscc_check_char(first17)
        taken = db.session.execute(
            db.select(ECertificate.id).where(ECertificate.holder_code == code)
        ).first()
        if taken is None:
            return code


def _new_verify_code() -> str:
    """A fresh verification code, not looked up first: 16 of 32 characters are 80 random
    bits, so a new code equals one of a million issued with a chance of about one in 10**18
    (the register's unique key would refuse it)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _facts(application: Application, spec: dict) -> dict:
    """The form answers printed on the certificate (spec `facts`: {field: printed label})."""
    answers = application.form_data or {}
    fields = {f["name"]: f for f in form_fields(case_form(application))}
    out = {}
    for name, label in (spec.get("facts") or {}).items():
        value = answers.get(name)
        if value in (None, ""):
            continue
        options = {
            o["value"]: (o.get("label") or {}).get("zh", o["value"])
            for o in fields.get(name, {}).get("options", [])
        }
        out[label] = str(options.get(value, value))
    return out


def issue_for(application: Application, number: str) -> ECertificate | None:
    """Enter the certificate `number` of an approved case in the register (once per case);
    None if the service issues no certificate. Part of the caller's unit of work."""
    spec = certificate_spec(service_of(application))
    if not spec:
        return None
    existing = db.session.execute(
        db.select(ECertificate).where(ECertificate.application_id == application.id)
    ).scalar()
    if existing is not None:
        return existing
    answers = _answers_by_key(application)
    citizen = application.citizen
    person_name = answers.get("name") or citizen.real_name
    person_id = answers.get("id_number") or citizen.id_number or ""
    company = application.company  # applied for on a company's behalf (代办)
    if spec.get("holder") == HOLDER_COMPANY and company is not None:
        # The certificate goes to the company's wallet, naming its legal representative.
        person_name = company.legal_rep.real_name
        holder = {
            "holder_kind": HOLDER_COMPANY,
            "holder_code": company.credit_code,
            "holder_name": company.name,
            "representative_id_number": company.legal_rep.id_number,
        }
    elif spec.get("holder") == HOLDER_COMPANY:
        holder = {
            "holder_kind": HOLDER_COMPANY,
            "holder_code": answers.get("credit_code") or assign_credit_code(),
            "holder_name": answers.get("company_name") or person_name,
            "representative_id_number": person_id or None,
        }
    else:
        holder = {
            "holder_kind": HOLDER_PERSON,
            "holder_code": person_id,
            "holder_name": person_name,
            "representative_id_number": None,
        }
    lead = (application.service.definition or {}).get("lead_department")
    department = tasks.department_by_code(lead) if lead else None
    facts = _facts(application, spec)
    if holder["holder_kind"] == HOLDER_COMPANY:
        facts = {"法定代表人": person_name, **facts}
    issued_at = utcnow()
    valid_days = spec.get("valid_days")
    cert = ECertificate(
        number=number,
        cert_type=spec["type"],
        application=application,
        service=application.service,
        department=department,
        issued_at=issued_at,
        valid_until=(
            local_today(issued_at) + timedelta(days=int(valid_days) - 1) if valid_days else None
        ),
        status=STATUS_VALID,
        verify_code=_new_verify_code(),
        facts=facts,
        **holder,
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def verification_url(code: str) -> str:
    """The public page that confirms a certificate (its QR code's content): absolute with
    PUBLIC_URL, else with the address of the request being served."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "").rstrip("/") + VERIFY_PATH.format(code=code)


def on_case_step(step) -> None:
    """Reaction to a case step: a `certificate_issued` step enters the certificate in the
    register and queues the signing of its PDF."""
    if step.kind != "certificate_issued" or not step.message:
        return
    application = db.session.get(Application, step.application_id)
    if application is None:
        return
    cert = issue_for(application, step.message)
    if cert is not None and cert.pdf_name is None:
        queue.enqueue(
            "sign_certificate",
            certificate_id=cert.id,
            verify_url=verification_url(cert.verify_code),
        )


# ----- the signed PDF -----------------------------------------------------------------------


def _cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "长期"


def pdf_dir() -> Path:
    """Where signed certificates are stored (outside the database)."""
    return Path(current_app.config["UPLOAD_DIR"]) / "certificates"


def pdf_path(cert: ECertificate) -> Path:
    """The stored signed PDF of `cert` (NotFound while it is not signed yet)."""
    if not cert.pdf_name:
        raise NotFound("certificate_pdf_missing", _l("The signed PDF is not ready yet."))
    return pdf_dir() / cert.pdf_name


def content_of(cert: ECertificate, verify_url: str) -> certificate_pdf.CertificateContent:
    """What the certificate's PDF prints."""
    spec = certificate_spec(cert.service) or {}
    company = cert.holder_kind == HOLDER_COMPANY
    return certificate_pdf.CertificateContent(
        title=spec.get("title") or type_label(cert),
        number=cert.number,
        holder_label="名称" if company else "姓名",
        holder_name=cert.holder_name,
        code_label="统一社会信用代码" if company else "公民身份号码",
        holder_code=cert.holder_code,
        agency=cert.department.name_zh if cert.department else signing.DEMO_AGENCY_NAME,
        issued_on=_cn_date(local_today(cert.issued_at)),
        valid_until=_cn_date(cert.valid_until),
        facts=list((cert.facts or {}).items()),
        verify_url=verify_url,
    )


def render_signed(cert: ECertificate, verify_url: str) -> bytes:
    """The certificate's PDF, rendered and signed by the agency."""
    pdf = certificate_pdf.render(
        content_of(cert, verify_url), font=current_app.config.get("CERTIFICATE_FONT")
    )
    return signing.sign_pdf(
        pdf, reason=f"电子证照 {cert.number}", location=current_app.config.get("SIGNING_LOCATION")
    )


def sign(certificate_id: int, verify_url: str) -> dict:
    """The `sign_certificate` job: render, sign and store the PDF, note its sha256 (runs in
    the job's transaction; the file is removed again if that transaction fails)."""
    cert = db.session.get(ECertificate, certificate_id)
    if cert is None:
        return {"skipped": "certificate deleted"}
    if cert.pdf_name:
        return {"skipped": "already signed"}
    signed = render_signed(cert, verify_url)
    name = secrets.token_hex(16) + ".pdf"
    path = pdf_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        fh.write(signed)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    uow.on_failure(lambda: path.unlink(missing_ok=True))
    cert.pdf_name = name
    cert.pdf_sha256 = hashlib.sha256(signed).hexdigest()
    cert.signed_at = utcnow()
    cert.pdf_error = None
    return {"certificate": cert.number, "bytes": len(signed)}


@uow.use_case
def sign_again(certificate_id: int) -> ECertificate:
    """Queue the signing of a certificate whose PDF could not be signed (an administrator,
    once the signing key is fixed)."""
    cert = db.session.get(ECertificate, certificate_id)
    if cert is None:
        raise NotFound("certificate_not_found", _l("Certificate not found."))
    if cert.pdf_name:
        raise Conflict("certificate_signed", _l("This certificate's PDF is already signed."))
    cert.pdf_error = None
    queue.enqueue(
        "sign_certificate", certificate_id=cert.id, verify_url=verification_url(cert.verify_code)
    )
    return cert


def mark_signing_failed(certificate_id: int | None, error: str | None) -> None:
    """Every attempt to sign failed: the register says so (the wallet and admins see it)."""
    cert = db.session.get(ECertificate, certificate_id) if certificate_id else None
    if cert is not None:
        cert.pdf_error = (error or "signing failed")[:2000]


# ----- public verification ------------------------------------------------------------------


def mask_name(name: str, kind: str = HOLDER_PERSON) -> str:
    """张三 → 张*; a company keeps its first two and last four characters."""
    name = (name or "").strip()
    if kind == HOLDER_COMPANY and len(name) > 6:
        return name[:2] + "*" * (len(name) - 6) + name[-4:]
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_code(code: str) -> str:
    """91310115…1234 → 9131**********1234: only the first and last four show."""
    code = (code or "").strip()
    if len(code) <= 8:
        return "*" * len(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:]


def by_code(code: str) -> ECertificate | None:
    """The certificate with public verification code `code`, if any."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return db.session.execute(
        db.select(ECertificate).where(ECertificate.verify_code == code)
    ).scalar()


def public_view(code: str) -> dict | None:
    """What the public verification page shows, holder masked; None for an unknown code."""
    cert = by_code(code)
    if cert is None:
        return None
    status = status_of(cert)
    return {
        "type": type_label(cert),
        "number": cert.number,
        "status": status,
        "status_label": status_label(status),
        "issued_on": local_today(cert.issued_at),
        "valid_until": cert.valid_until,
        "department": (
            cert.department.display_name(str(get_locale() or "zh")) if cert.department else ""
        ),
        "holder": mask_name(cert.holder_name, cert.holder_kind),
        "holder_code": mask_code(cert.holder_code),
        "revoked_on": (cert.revoked_at.astimezone(local_tz()).date() if cert.revoked_at else None),
    }


def check_upload(pdf: bytes) -> UploadCheck:
    """Check an uploaded PDF: pyHanko's validation against the configured CA, then the
    register (by the file's sha256, else by the number in its metadata)."""
    result = signing.check_pdf(pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    cert = db.session.execute(
        db.select(ECertificate).where(ECertificate.pdf_sha256 == digest)
    ).scalar()
    same_file = cert is not None
    if cert is None:
        number = _number_in_metadata(pdf)
        if number:
            cert = db.session.execute(
                db.select(ECertificate).where(ECertificate.number == number)
            ).scalar()
    return UploadCheck(
        signature=result,
        certificate=cert,
        same_file=same_file,
        status=status_of(cert) if cert is not None else None,
    )


def _number_in_metadata(pdf: bytes) -> str | None:
    """The certificate number the PDF's metadata (Subject) names, if it can be read."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        info = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view.get("/Info")
        subject = info.get_object().get("/Subject") if info is not None else None
    except Exception:  # noqa: BLE001 — a damaged file simply names no number
        return None
    return str(subject)[:64] if subject else None


# ----- the wallet and revocation ------------------------------------------------------------


def wallet(user: User) -> list[ECertificate]:
    """The certificates `user` holds: theirs by ID number, and their companies' (as legal
    representative), newest first."""
    if not user.id_number:
        return []
    return list(
        db.session.execute(
            db.select(ECertificate)
            .where(
                (ECertificate.holder_code == user.id_number)
                | (ECertificate.representative_id_number == user.id_number)
            )
            .order_by(ECertificate.issued_at.desc(), ECertificate.id.desc())
        ).scalars()
    )


def holds(user: User, cert: ECertificate) -> bool:
    """Whether `user` is the certificate's holder (or its company's legal representative)."""
    return bool(user.id_number) and user.id_number in (
        cert.holder_code,
        cert.representative_id_number,
    )


def downloadable(user: User, certificate_id: int) -> tuple[Path, str]:
    """The signed PDF's path and its download name, for its holder or an administrator
    (NotFound for others)."""
    cert = db.session.get(ECertificate, certificate_id)
    if cert is None or not (holds(user, cert) or user.is_admin):
        raise NotFound("certificate_not_found", _l("Certificate not found."))
    return pdf_path(cert), f"{cert.number}.pdf"


def register_page(limit: int = 200) -> list[ECertificate]:
    """The register's newest entries (the administrators' list)."""
    return list(
        db.session.execute(
            db.select(ECertificate).order_by(ECertificate.id.desc()).limit(limit)
        ).scalars()
    )


@uow.use_case
def revoke(certificate_id: int, admin: User, reason: str) -> ECertificate:
    """Revoke a certificate, giving the reason: the register, the verification page and
    the wallet say revoked from now on; the case's timeline records who and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _l("Give the reason for the revocation.")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _l("At most 500 characters.")})
    cert = db.session.get(ECertificate, certificate_id)
    if cert is None:
        raise NotFound("certificate_not_found", _l("Certificate not found."))
    if cert.status == STATUS_REVOKED:
        raise Conflict("certificate_revoked", _l("This certificate is already revoked."))
    cert.status = STATUS_REVOKED
    cert.revoked_at = utcnow()
    cert.revoked_by = admin
    cert.revoke_reason = reason
    events.case_step(
        cert.application_id,
        "certificate_revoked",
        actor=admin,
        message=reason,
        data={"certificate": cert.number},
    )
    return cert


def issued_on(cert: ECertificate) -> date:
    """The local date of issue."""
    return local_today(cert.issued_at)


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC timestamp in local time."""
    return value.astimezone(local_tz()) if value else None
