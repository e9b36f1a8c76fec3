"""Which material slots may be filled without an upload, and the rows that say how each was.

A service declares it with its materials in `forms/<service>.json`:

| key on a material                 | meaning                                                   |
|-----------------------------------|-----------------------------------------------------------|
| `"ecertificate": "<type>"`        | a valid e-certificate of that type (services.json         |
|                                   | `certificate.type`) held by the applicant fills the slot  |
|                                   | by reference, with one click (免提交)                     |
| `"declarable": {"zh": …, "en": …}`| the commitment's text: signing it fills the slot (告知承诺)|
| `"deferrable": true`              | a non-key material that may follow after acceptance       |
|                                   | (容缺受理)                                                |

and the rule for deferred materials with the service in `workflows/services.json`:
`"deferred_materials": {"working_days": 10, "remind_days_before": 2, "on_missing": "flag"}`
(working days from acceptance; `flag`: the clerks are alerted when the deadline passes).

The reuse of certificates (app/services/reuse.py), the declarations and their later check
(app/services/commitments.py) and the deferred materials (app/services/deferred.py) record
their choice here, as one `MaterialSubstitute` row per application and slot.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from app import uow
from app.domain.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.models import Application, ApplicationStatus, Service, User
from app.models.materials import BY_DECLARATION, DEFERRED, MaterialSubstitute

ON_MISSING_RULES = ("flag",)  # what a passed deadline for a deferred material does
DEFAULT_DEFERRAL = {"working_days": 10, "remind_days_before": 2, "on_missing": "flag"}


def materials(service: Service) -> list[dict]:
    """The service's material slots, as its form declares them."""
    return list((service.definition or {}).get("materials", []))


def material(service: Service, slot: str) -> dict:
    """The declaration of `slot` (DomainError for a slot the service does not have)."""
    for m in materials(service):
        if m["slot"] == slot:
            return m
    raise DomainError("bad_slot", _l("Unknown material."))


def deferral_rule(service: Service) -> dict:
    """The service's rule for deferred materials: deadline in working days from
    acceptance, reminder days before it, and what a passed deadline does."""
    rule = dict(DEFAULT_DEFERRAL)
    rule.update((service.definition or {}).get("deferred_materials") or {})
    return rule


def rule_problems(entry: dict, form: dict) -> list[str]:
    """What is wrong with a service's declarations of substitutes (for `sync_services`)."""
    problems = []
    rule = entry.get("deferred_materials") or {}
    if rule.get("on_missing", "flag") not in ON_MISSING_RULES:
        problems.append(
            f"{entry['code']}: deferred_materials.on_missing must be one of {ON_MISSING_RULES}"
        )
    if int(rule.get("working_days", 1)) < 1:
        problems.append(f"{entry['code']}: deferred_materials.working_days must be 1 or more")
    for m in form.get("materials", []):
        if m.get("deferrable") and m.get("declarable"):
            problems.append(f"{entry['code']}: {m['slot']} is both declarable and deferrable")
        text = m.get("declarable")
        if text is not None and not (isinstance(text, dict) and text.get("zh")):
            problems.append(f"{entry['code']}: {m['slot']}.declarable needs a zh text")
    return problems


def substitutes_by_slot(application: Application) -> dict[str, MaterialSubstitute]:
    """The application's substitutes, by slot."""
    return {s.slot: s for s in application.material_substitutes}


def require_draft(application: Application) -> None:
    """Refuse to change what stands in for a material once the case is submitted."""
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(
            "not_draft",
            _l("This application has already been submitted and can no longer be changed here."),
        )


def _lock(application: Application) -> None:
    """Hold the application row until the use case ends and re-read its substitutes, so
    that two requests for one slot (a double click, two tabs) take turns instead of
    colliding on the one-row-per-slot constraint. PostgreSQL locks the row (FOR UPDATE);
    SQLite takes its write lock with a no-op UPDATE."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text("UPDATE application SET status = status WHERE id = :id"), {"id": application.id}
        )
    db.session.refresh(application, ["status"], with_for_update=True)
    db.session.expire(application, ["material_substitutes"])


def put(application: Application, slot: str, kind: str, actor: User | None, **values):
    """Record that `slot` is filled by `kind` (replacing an earlier choice for the slot).
    Part of the caller's use case; a draft that was submitted meanwhile is refused."""
    was_draft = application.status == ApplicationStatus.DRAFT
    _lock(application)
    if was_draft:
        require_draft(application)
    existing = substitutes_by_slot(application).get(slot)
    if existing is not None:
        application.material_substitutes.remove(existing)
        db.session.flush()
    sub = MaterialSubstitute(slot=slot, kind=kind, created_by=actor, **values)
    application.material_substitutes.append(sub)
    db.session.flush()
    return sub


@uow.use_case
def withdraw(application: Application, slot: str) -> None:
    """The applicant takes back a draft's certificate reference or declaration for `slot`
    (to upload the file instead)."""
    require_draft(application)
    _lock(application)
    require_draft(application)
    sub = substitutes_by_slot(application).get(slot)
    if sub is None or sub.kind == DEFERRED:
        raise NotFound("substitute_not_found", _l("Nothing to take back for this material."))
    application.material_substitutes.remove(sub)


def defer_missing(application: Application, actor: User | None) -> list[MaterialSubstitute]:
    """At submission: every deferrable slot with neither a file nor a substitute is
    recorded as to follow after acceptance (part of the submit use case)."""
    with_files = {a.slot for a in application.attachments if not a.superseded}
    taken = substitutes_by_slot(application)
    out = []
    for m in materials(application.service):
        if m.get("deferrable") and m["slot"] not in with_files and m["slot"] not in taken:
            out.append(put(application, m["slot"], DEFERRED, actor))
    return out


def declaration_text(m: dict, locale: str) -> str:
    """The commitment's text in `locale` (Chinese when that language has none)."""
    texts = m.get("declarable") or {}
    return texts.get(locale) or texts.get("zh") or ""


def is_declaration(sub: MaterialSubstitute | None) -> bool:
    """Whether `sub` is a signed declaration."""
    return sub is not None and sub.kind == BY_DECLARATION
