"""The service catalogue: reads `workflows/services.json` and `forms/`, keeps the DB in step.

Files are the seed of the shipped services: `sync_services()` is idempotent and runs at
set-up (demo data) and on deploy, and leaves alone a service an admin has edited in the
browser (`app.services.service_editor`), whose form is then stored on the service itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain.catalogue import service_of
from app.domain.errors import NotFound
from app.extensions import db
from app.models import Service, ServiceVersion, TaskForm
from app.models.catalogue import DEFAULT_RETENTION_DAYS
from app.services.fieldtypes import FormSchemaError, schema_problems
from app.services.material_rules import rule_problems


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_form_file(path: Path) -> dict:
    """The form schema in `path`; FormSchemaError if it is not JSON or a field is unusable
    (for instance a field type nobody registered)."""
    try:
        form = _read_json(path)
    except (OSError, ValueError) as exc:
        raise FormSchemaError([f"{path}: cannot be read: {exc}"]) from None
    try:
        fields = form_fields(form)
    except (AttributeError, KeyError, TypeError):
        raise FormSchemaError([f"{path}: not a form (sections of fields, or fields)"]) from None
    problems = schema_problems(fields)
    if problems:
        raise FormSchemaError(f"{path}: {p}" for p in problems)
    return form


@lru_cache(maxsize=64)
def _load_form_cached(forms_dir: str, name: str, mtime: float) -> dict:
    return read_form_file(Path(forms_dir) / f"{name}.json")


def load_form(name: str) -> dict:
    """The form schema `forms/<name>.json` (application form) or the task form `name`: the
    one edited in the browser, else `forms/tasks/<name>.json`."""
    edited = uow.per_process(  # every decision asks for its form; admins rarely edit one
        TaskForm,
        ("schema", name),
        lambda: db.session.execute(
            db.select(TaskForm.schema).where(TaskForm.name == name)
        ).scalar(),
    )
    if edited is not None:
        return edited
    forms_dir = Path(current_app.config["FORMS_DIR"])
    for sub in ("", "tasks"):
        path = forms_dir / sub / f"{name}.json"
        if path.is_file() and "/" not in name and ".." not in name:
            return _load_form_cached(str(path.parent), name, path.stat().st_mtime)
    raise NotFound("form_missing", f"form {name!r} not found")


def form_files(forms_dir: str | Path | None = None) -> list[Path]:
    """The form files: application forms in `forms_dir` (default: the app's FORMS_DIR), task
    forms in its `tasks/`."""
    forms_dir = Path(forms_dir or current_app.config["FORMS_DIR"])
    return sorted(forms_dir.glob("*.json")) + sorted(forms_dir.glob("tasks/*.json"))


def known_forms() -> set[str]:
    """Names of all forms under `forms/` (application and task forms) and of the task forms
    edited in the browser."""
    edited = set(db.session.execute(db.select(TaskForm.name)).scalars())
    return {p.stem for p in form_files()} | edited


def task_form_names() -> list[str]:
    """The task forms there are: files in `forms/tasks/` and those made in the browser."""
    forms_dir = Path(current_app.config["FORMS_DIR"]) / "tasks"
    edited = set(db.session.execute(db.select(TaskForm.name)).scalars())
    return sorted({p.stem for p in forms_dir.glob("*.json")} | edited)


def shipped_services() -> list[dict]:
    """Service entries from `workflows/services.json`."""
    return _read_json(Path(current_app.config["WORKFLOWS_DIR"]) / "services.json")["services"]


def sync_services() -> list[Service]:
    """Create or update a Service row for every shipped service. Does not commit."""
    out = []
    edited = set(db.session.execute(db.select(ServiceVersion.service_code).distinct()).scalars())
    for entry in shipped_services():
        if entry["code"] in edited:  # the database holds it now; the file was its seed
            continue
        form = load_form(entry["form"])
        problems = rule_problems(entry, form)
        if problems:
            raise FormSchemaError(problems)
        definition = {
            "guide": entry.get("guide", {}),
            "form": entry["form"],
            "files": entry["files"],
            "lead_department": entry.get("lead_department"),
            "promised_days": int(entry.get("promised_days") or entry["time_limit_days"]),
            "certificate": entry.get("certificate"),  # the e-certificate its approval issues
            "materials": form.get("materials", []),
            # 容缺受理: deadline and rule for materials that follow later (material_rules)
            "deferred_materials": entry.get("deferred_materials"),
            "retention_days": int(entry.get("retention_days", DEFAULT_RETENTION_DAYS)),
            "category": entry.get("category", "personal"),
            "theme": entry.get("theme") or {"zh": "", "en": ""},
        }
        svc = db.session.execute(db.select(Service).where(Service.code == entry["code"])).scalar()
        if svc is None:
            svc = Service(code=entry["code"])
            db.session.add(svc)
        svc.name_zh = entry["name"]["zh"]
        svc.name_en = entry["name"]["en"]
        svc.process_id = entry["process_id"]
        svc.time_limit_days = int(entry["time_limit_days"])
        svc.definition = definition
        out.append(svc)
    return out


def list_services() -> list[Service]:
    """Active services, in a stable order."""
    return list(
        db.session.execute(
            db.select(Service).where(Service.active.is_(True)).order_by(Service.id)
        ).scalars()
    )


CATEGORIES = ("personal", "legal_person")  # 个人办事 / 法人办事


@dataclass(frozen=True)
class ServiceCard:
    """What the public service list shows of one active service: plain values, so the list
    can outlive the database session that read it (see `service_cards`)."""

    code: str
    name_zh: str
    name_en: str
    time_limit_days: int
    category: str
    theme: dict
    summary: dict

    def display_name(self, locale: str) -> str:
        """The service's name in the given UI language."""
        return self.name_en if locale == "en" else self.name_zh

    @classmethod
    def of(cls, svc: Service) -> ServiceCard:
        d = svc.definition or {}
        return cls(
            code=svc.code,
            name_zh=svc.name_zh,
            name_en=svc.name_en,
            time_limit_days=svc.time_limit_days,
            category=d.get("category", "personal"),
            theme=dict(d.get("theme") or {}),
            summary=dict((d.get("guide") or {}).get("summary") or {}),
        )


def service_cards() -> tuple[ServiceCard, ...]:
    """The active services as `ServiceCard`s, in a stable order (the list the portal shows).

    Read on every visit to the home page, changed only when an administrator edits a
    service: kept per process (`uow.per_process`, CATALOGUE_CACHE_SECONDS); a commit that
    touches a Service in this process drops it at once."""
    return uow.per_process(
        Service, "service_cards", lambda: tuple(ServiceCard.of(svc) for svc in list_services())
    )


def search_services(query: str = "", category: str = "", theme: str = "") -> list[ServiceCard]:
    """Active services matching all that is given: `query` in a name, code or summary (either
    language, case-insensitive), the `category` code, the `theme` (its Chinese name)."""
    words = (query or "").strip().lower().split()
    out = []
    for card in service_cards():
        if category and card.category != category:
            continue
        if theme and card.theme.get("zh") != theme:
            continue
        text = " ".join(
            [
                card.code,
                card.name_zh,
                card.name_en,
                card.summary.get("zh", ""),
                card.summary.get("en", ""),
            ]
        ).lower()
        if all(w in text for w in words):
            out.append(card)
    return out


def themes(services: list[ServiceCard]) -> list[dict]:
    """The distinct themes ({zh, en}) of `services`, in order of first appearance."""
    seen: dict[str, dict] = {}
    for card in services:
        theme = card.theme
        if theme.get("zh") and theme["zh"] not in seen:
            seen[theme["zh"]] = theme
    return list(seen.values())


def get_service(code: str) -> Service:
    """The active service with `code`, or NotFound."""
    svc = db.session.execute(
        db.select(Service).where(Service.code == code, Service.active.is_(True))
    ).scalar()
    if svc is None:
        raise NotFound(
            "service_not_found", _l("This service does not exist or is no longer offered.")
        )
    return svc


def service_form(service: Service) -> dict:
    """The application form schema of `service`: the one edited in the browser, else its
    file in `forms/`."""
    schema = (service.definition or {}).get("form_schema")
    if schema is not None:
        return schema
    return load_form(service.definition["form"])


def case_form(application) -> dict:
    """The application form of one case: the version of its service it was started on (a
    service published again later does not change the form of cases already begun), else
    the service's current form."""
    if application.service_version_id is not None:
        version = db.session.get(ServiceVersion, application.service_version_id)
        if version is not None and version.definition.get("form_schema") is not None:
            return version.definition["form_schema"]
    return service_form(service_of(application))


def form_steps(form: dict) -> list[dict]:
    """The sections a citizen fills in one page at a time (`"steps": true` on a form with
    several sections); an empty list when the form is one page."""
    sections = form.get("sections") or []
    return sections if form.get("steps") and len(sections) > 1 else []


def form_fields(form: dict) -> list[dict]:
    """All fields of a form, flattened across its sections."""
    if "sections" in form:
        return [f for s in form["sections"] for f in s["fields"]]
    return list(form.get("fields", []))
