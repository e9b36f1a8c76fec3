"""Editing the service catalogue in the browser: versioned drafts an admin publishes.

A service's definition (names, category and theme, guide, materials with their document
types, fee, statutory and promised limits, legal basis, result, process binding and the
application form itself) is saved as a draft `ServiceVersion`; publishing copies the draft
onto the `Service` that citizens see and retires the version published before; unpublishing
takes the service off the portal. Task forms (what clerks fill in at a process step) are
edited here too, each save a new version taking the place of the file of that name. The
shipped files (`workflows/services.json`, `forms/`)
are only the seed: once edited, a service lives in the database. Every change is audited.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Department, ProcessVersion, Service, ServiceVersion, TaskForm, utcnow
from app.models.catalogue import DEFAULT_RETENTION_DAYS
from app.services import catalogue, forms
from app.workflow.variables import RESERVED_VARIABLES
from ml.doctypes import registry as doctypes

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
SLOT_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DAYS = 365
EMPTY_FORM = {"kind": "application", "sections": [{"title": {"zh": "", "en": ""}, "fields": []}]}


def overview() -> list[dict]:
    """Every service, published or only drafted: code, name, state, published version and
    whether a draft waits to be published."""
    rows: dict[str, dict] = {}
    for svc in db.session.execute(db.select(Service).order_by(Service.id)).scalars():
        rows[svc.code] = {
            "code": svc.code,
            "name": {"zh": svc.name_zh, "en": svc.name_en},
            "active": svc.active,
            "published": None,
            "draft": None,
        }
    versions = db.session.execute(
        db.select(ServiceVersion).order_by(ServiceVersion.service_code, ServiceVersion.number)
    ).scalars()
    for v in versions:
        row = rows.setdefault(
            v.service_code,
            {"code": v.service_code, "name": v.definition["name"], "active": False},
        )
        row.setdefault("published", None)
        row.setdefault("draft", None)
        if v.state == "draft":
            row["draft"] = v.number
        elif v.state == "published":
            row["published"] = v.number
    return list(rows.values())


def _draft(code: str) -> ServiceVersion | None:
    return db.session.execute(
        db.select(ServiceVersion).where(
            ServiceVersion.service_code == code, ServiceVersion.state == "draft"
        )
    ).scalar()


def _service(code: str) -> Service | None:
    return db.session.execute(db.select(Service).where(Service.code == code)).scalar()


def definition_of(service: Service) -> dict:
    """The editable definition of a published (or file-seeded) service."""
    d = dict(service.definition or {})
    return {
        "name": {"zh": service.name_zh, "en": service.name_en},
        "category": d.get("category", "personal"),
        "theme": d.get("theme") or {"zh": "", "en": ""},
        "process_id": service.process_id,
        "time_limit_days": service.time_limit_days,
        "promised_days": service.promised_days,
        "lead_department": d.get("lead_department"),
        "guide": d.get("guide") or {},
        "materials": d.get("materials") or [],
        "form_schema": catalogue.service_form(service),
        "certificate": d.get("certificate"),
        "retention_days": service.retention_days,
        "files": d.get("files") or [],
    }


def editable(code: str) -> tuple[dict, ServiceVersion | None]:
    """What the editor shows for `code`: its draft if there is one, else its published
    definition. NotFound if there is neither."""
    draft = _draft(code)
    if draft is not None:
        return draft.definition, draft
    service = _service(code)
    if service is None:
        raise NotFound("service_not_found", _l("There is no such service."))
    return definition_of(service), None


def blank() -> dict:
    """The definition a new service starts from."""
    return {
        "name": {"zh": "", "en": ""},
        "category": "personal",
        "theme": {"zh": "", "en": ""},
        "process_id": "",
        "time_limit_days": 10,
        "promised_days": 5,
        "lead_department": None,
        "guide": {},
        "materials": [],
        "form_schema": EMPTY_FORM,
    }


def check(definition: dict) -> dict:
    """The problems of a definition, by the editor's input names (empty when none)."""
    errors: dict = {}
    name = definition.get("name") or {}
    if not (name.get("zh") or "").strip():
        errors["name_zh"] = _l("Give the service a Chinese name.")
    if not (name.get("en") or "").strip():
        errors["name_en"] = _l("Give the service an English name.")
    if definition.get("category") not in catalogue.CATEGORIES:
        errors["category"] = _l("Choose a category.")
    statutory, promised = definition.get("time_limit_days"), definition.get("promised_days")
    if not isinstance(statutory, int) or not 1 <= statutory <= MAX_DAYS:
        errors["time_limit_days"] = _l("Enter a number of working days from 1 to 365.")
    if not isinstance(promised, int) or not 1 <= promised <= MAX_DAYS:
        errors["promised_days"] = _l("Enter a number of working days from 1 to 365.")
    elif isinstance(statutory, int) and promised > statutory:
        errors["promised_days"] = _l("The promised limit cannot be longer than the statutory one.")
    if not re.match(r"^[A-Za-z_][\w.-]{0,127}$", definition.get("process_id") or ""):
        errors["process_id"] = _l("Choose the process the service runs on.")
    lead = definition.get("lead_department")
    if (
        lead
        and db.session.execute(db.select(Department).where(Department.code == lead)).first() is None
    ):
        errors["lead_department"] = _l("Choose a department from the list.")
    slots = set()
    for m in definition.get("materials") or []:
        if not SLOT_RE.match(m.get("slot") or "") or m["slot"] in slots:
            errors["materials"] = _l(
                "Each material needs its own code: lower-case letters, digits and underscores."
            )
        elif not doctypes.is_known(m.get("doc_type")):
            errors["materials"] = _l("Choose a document type for each material.")
        elif not (m.get("label") or {}).get("zh"):
            errors["materials"] = _l("Each material needs a Chinese name.")
        slots.add(m.get("slot"))
    problems = forms.form_problems(definition.get("form_schema"))
    if not problems:
        names = {f["name"] for f in catalogue.form_fields(definition["form_schema"])}
        for m in definition.get("materials") or []:
            when = m.get("show_when")
            if when and (when.get("field") not in names or not when.get("in")):
                errors["materials"] = _l(
                    "A material shown only for some answers needs a field of the form and at "
                    "least one of its values (comma-separated)."
                )
    if not problems:  # form fields are process variables by name
        problems = [
            f"field {f['name']!r} has the name of a variable the process sets; rename it"
            for f in catalogue.form_fields(definition["form_schema"])
            if f.get("name") in RESERVED_VARIABLES
        ]
    if problems:
        errors["form"] = _l("The form cannot be used: %(problems)s", problems="; ".join(problems))
    return errors


@uow.use_case
def save_draft(user, code: str, definition: dict, *, new: bool = False) -> ServiceVersion:
    """Save `definition` as the draft of service `code` (a new service when `new`).
    ValidationFailed with every problem by input name; nothing is saved then."""
    errors = check(definition)
    if new:
        if not CODE_RE.match(code or ""):
            errors["code"] = _l(
                "The code is 3 to 64 lower-case letters, digits or underscores, "
                "starting with a letter."
            )
        elif (
            _service(code) is not None
            or db.session.execute(
                db.select(ServiceVersion.id).where(ServiceVersion.service_code == code)
            ).first()
        ):
            errors["code"] = _l("A service with this code exists already.")
    elif _service(code) is None and _draft(code) is None:
        raise NotFound("service_not_found", _l("There is no such service."))
    if errors:
        raise ValidationFailed(errors)
    draft = _draft(code)
    if draft is None:
        if not new:
            base = definition_of(_service(code)) if _service(code) else {}
            definition = {**_carried(base), **definition}
        last = db.session.execute(
            db.select(db.func.max(ServiceVersion.number)).where(ServiceVersion.service_code == code)
        ).scalar()
        draft = ServiceVersion(
            service_code=code, number=(last or 0) + 1, state="draft", created_by_id=user.id
        )
        db.session.add(draft)
    else:
        definition = {**_carried(draft.definition), **definition}
    draft.definition = definition
    db.session.flush()
    _audit(user, code, "save_draft", draft.number)
    return draft


def _carried(base: dict) -> dict:
    """What a draft keeps from what it replaces though the editor does not show it."""
    keys = ("certificate", "retention_days", "files")
    return {k: base[k] for k in keys if k in base}


@uow.use_case
def publish(user, code: str) -> Service:
    """Publish the draft of `code` (or put an unpublished service back on the portal when
    there is no draft). ValidationFailed when the process it names is not deployed."""
    draft = _draft(code)
    service = _service(code)
    if draft is None:
        if service is None:
            raise NotFound("service_not_found", _l("There is no such service."))
        service.active = True
        _audit(user, code, "republish", None)
        return service
    d = draft.definition
    errors = check(d)
    deployed = db.session.execute(
        db.select(ProcessVersion.id).where(
            ProcessVersion.process_id == d["process_id"], ProcessVersion.is_current.is_(True)
        )
    ).first()
    if deployed is None:
        errors["process_id"] = _l("Deploy the process %(p)s before publishing.", p=d["process_id"])
    if errors:
        raise ValidationFailed(errors)
    if service is None:
        service = Service(code=code, active=True)
        db.session.add(service)
    service.name_zh, service.name_en = d["name"]["zh"].strip(), d["name"]["en"].strip()
    service.process_id = d["process_id"]
    service.time_limit_days = d["time_limit_days"]
    service.active = True
    service.definition = {
        "guide": d.get("guide") or {},
        "form": None,
        "form_schema": d["form_schema"],
        "files": d.get("files") or [],
        "lead_department": d.get("lead_department"),
        "promised_days": d["promised_days"],
        "certificate": d.get("certificate"),
        "materials": d.get("materials") or [],
        "retention_days": int(d.get("retention_days") or DEFAULT_RETENTION_DAYS),
        "category": d["category"],
        "theme": d.get("theme") or {"zh": "", "en": ""},
        "version_id": draft.id,  # new applications start on it (Application.service_version_id)
    }
    db.session.execute(
        db.update(ServiceVersion)
        .where(ServiceVersion.service_code == code, ServiceVersion.state == "published")
        .values(state="retired")
    )
    draft.state = "published"
    draft.published_at = utcnow()
    db.session.flush()
    _audit(user, code, "publish", draft.number)
    return service


@uow.use_case
def unpublish(user, code: str) -> None:
    """Take service `code` off the portal (its cases go on; a draft stays a draft)."""
    service = _service(code)
    if service is None:
        raise NotFound("service_not_found", _l("There is no such service."))
    service.active = False
    _audit(user, code, "unpublish", None)


def _audit(user, code: str, change: str, number) -> None:
    events.audited(
        "admin_change",
        actor=user,
        object_type="service",
        object_id=code,
        details={"change": change, "version": number},
    )


def task_form(name: str) -> dict:
    """The task form `name` as the editor starts from it (a blank one if there is none)."""
    try:
        return catalogue.load_form(name)
    except NotFound:
        return {"kind": "task", "title": {"zh": "", "en": ""}, "fields": []}


@uow.use_case
def save_task_form(user, name: str, schema) -> TaskForm:
    """Save the task form `name` (new, or in place of its file); ValidationFailed with the
    problems under "code" (the name) or "form"."""
    errors = {}
    if not SLOT_RE.match(name or ""):
        errors["code"] = _l(
            "The code is 3 to 64 lower-case letters, digits or underscores, starting with a letter."
        )
    problems = forms.form_problems(schema)
    if problems:
        errors["form"] = _l("The form cannot be used: %(problems)s", problems="; ".join(problems))
    if errors:
        raise ValidationFailed(errors)
    row = db.session.execute(db.select(TaskForm).where(TaskForm.name == name)).scalar()
    if row is None:
        row = TaskForm(name=name, version=0)
        db.session.add(row)
    row.schema = {**schema, "kind": "task", "code": name}
    row.version += 1
    row.updated_at = utcnow()
    row.updated_by_id = user.id
    db.session.flush()
    events.audited(
        "admin_change",
        actor=user,
        object_type="task_form",
        object_id=name,
        details={"change": "save", "version": row.version},
    )
    return row
