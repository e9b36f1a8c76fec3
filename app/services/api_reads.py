"""What the API lets other systems read: a certificate's standing (by number, or by its
signed PDF), a case's status and public steps (by case number), and a department's open
tasks (paged by id). Plain dictionaries, ready to be serialised; nothing here writes.

Another system sees what the public verification page and the progress lookup show — a
masked holder, the public steps — never the applicant's form or files.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Application, Department, ECertificate, HumanTask, TaskStatus
from app.services import ecertificates, lookup
from app.services.periods import local_today

MAX_TASKS_PAGE = 200
DEFAULT_TASKS_PAGE = 50


def _certificate(cert: ECertificate) -> dict:
    status = ecertificates.status_of(cert)
    return {
        "number": cert.number,
        "type": cert.cert_type,
        "type_name": (ecertificates.certificate_spec(cert.service) or {}).get("name", {}),
        "status": status,
        "issued_on": local_today(cert.issued_at),
        "valid_until": cert.valid_until,
        "issuing_department": cert.department.code if cert.department else None,
        "holder_kind": cert.holder_kind,
        "holder": ecertificates.mask_name(cert.holder_name, cert.holder_kind),
        "holder_code": ecertificates.mask_code(cert.holder_code),
        "revoked_on": local_today(cert.revoked_at) if cert.revoked_at else None,
        "signed_pdf": bool(cert.pdf_sha256),
    }


def certificate_by_number(number: str) -> dict | None:
    """The register's entry for certificate `number`, holder masked; None if unknown."""
    number = (number or "").strip()
    if not number or len(number) > 64:
        return None
    cert = db.session.execute(select(ECertificate).where(ECertificate.number == number)).scalar()
    return _certificate(cert) if cert is not None else None


def verify_pdf(pdf: bytes) -> dict:
    """Check an uploaded certificate PDF: its signature and its entry in the register."""
    check = ecertificates.check_upload(pdf)
    sig = check.signature
    return {
        "genuine": check.genuine and check.status == "valid",
        "signed": sig.signed,
        "signature_intact": sig.intact,
        "signed_by_agency": sig.trusted,
        "nothing_added_after_signing": sig.whole_file,
        "same_file_as_register": check.same_file,
        "problem": sig.problem,
        "certificate": _certificate(check.certificate) if check.certificate else None,
    }


def case_status(case_number: str) -> dict | None:
    """A case's service, status, dates and public steps; None for an unknown number."""
    number = lookup.normalise_case_number(case_number)
    application = (
        db.session.execute(select(Application).where(Application.case_number == number)).scalar()
        if number
        else None
    )
    if application is None:
        return None
    return {
        "case_number": application.case_number,
        "service": application.service.code,
        "service_name": {"zh": application.service.name_zh, "en": application.service.name_en},
        "status": application.status.value,
        "submitted_at": application.submitted_at,
        "due_at": application.due_at,
        "steps": [
            {
                "kind": step.kind,
                "at": step.at,
                "department": step.department.code if step.department else None,
                "outcome": step.outcome,
            }
            for step in lookup.public_steps(application)
        ],
    }


def department_tasks(department_code: str, after: int = 0, limit: int = DEFAULT_TASKS_PAGE):
    """The department's open and claimed tasks with an id above `after`, by id, at most
    `limit` (capped at MAX_TASKS_PAGE). Returns (tasks, next_after) — next_after is None on
    the last page — or None for an unknown department."""
    department = db.session.execute(
        select(Department).where(Department.code == department_code)
    ).scalar()
    if department is None:
        return None
    limit = max(1, min(int(limit or DEFAULT_TASKS_PAGE), MAX_TASKS_PAGE))
    rows = db.session.execute(
        select(HumanTask, Application.case_number)
        .join(Application, Application.id == HumanTask.application_id)
        .where(
            HumanTask.department_id == department.id,
            HumanTask.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)),
            HumanTask.id > int(after or 0),
        )
        .order_by(HumanTask.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    tasks = [
        {
            "id": task.id,
            "case_number": case_number,
            "name": task.name,
            "status": task.status.value,
            "claimed": task.assignee_id is not None,
            "created_at": task.created_at,
            "due_at": task.due_at,
        }
        for task, case_number in page
    ]
    next_after = page[-1][0].id if len(rows) > limit else None
    return tasks, next_after
