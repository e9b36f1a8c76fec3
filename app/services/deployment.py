"""Deploying BPMN/DMN files as versioned processes, checked against the service catalogue.

Deploying makes exactly the given content current: new content becomes a new version (by
content hash); the content of an older version makes that version current again — a
rollback, recorded as such in the audit trail; the current version's own content is a no-op.
Running instances keep the version they started on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.domain import events
from app.extensions import db
from app.models import Department, ProcessVersion, Service
from app.services import catalogue
from app.workflow.engine import DeployError, ValidationIssue, deploy_bundle
from app.workflow.operators import registry
from app.workflow.variables import RESERVED_VARIABLES


@dataclass(frozen=True)
class DeployChange:
    """What a deploy changed: `created` a version, `rollback` to an older one (`previous`
    was current), or `unchanged`. True unless unchanged."""

    kind: str
    previous: int | None = None

    def __bool__(self) -> bool:
        return self.kind != "unchanged"


def deploy_files(
    process_id: str,
    files: dict[str, bytes],
    user=None,
    *,
    assignments: dict[str, str] | None = None,
    default_department: str | None = None,
    outcome: dict | None = None,
    form_map: dict[str, str] | None = None,
) -> tuple[ProcessVersion, DeployChange]:
    """Validate `files` and make them the current version of `process_id` (re-deploying an
    older version's content makes that version current again: a rollback).

    A diagram from another tool may need `assignments` (its lane / candidate group names ->
    department codes) and a `default_department` for human tasks outside any lane; without
    them a task nobody could open is refused (see app/workflow/engine/assignment.py), and an
    `outcome` rule deciding its cases (see app/workflow/engine/outcome.py), and a `form_map`
    from its form keys to the product's task forms.
    These choices are kept with the version (`info["deploy_options"]`, see
    `deploy_options`): an edit of the diagram in the modeler is checked and deployed with them.
    Returns (version, change). Raises engine.DeployError listing every problem.
    Does not commit.
    """
    departments = {d.code for d in db.session.execute(db.select(Department)).scalars()}
    reserved = reserved_form_fields(process_id)
    if reserved:
        raise DeployError(reserved)
    bundle = deploy_bundle(
        files,
        process_id=process_id,
        departments=departments,
        forms=catalogue.known_forms(),
        operators=registry().names(),
        assignments=assignments,
        default_department=default_department,
        outcome=outcome,
        form_map=form_map,
    )
    existing = db.session.execute(
        db.select(ProcessVersion).where(
            ProcessVersion.process_id == bundle.process_id,
            ProcessVersion.content_hash == bundle.content_hash,
        )
    ).scalar()
    if existing is not None:
        return existing, _make_current(existing, user)
    last = (
        db.session.execute(
            db.select(db.func.max(ProcessVersion.version)).where(
                ProcessVersion.process_id == bundle.process_id
            )
        ).scalar()
        or 0
    )
    db.session.execute(
        db.update(ProcessVersion)
        .where(ProcessVersion.process_id == bundle.process_id)
        .values(is_current=False)
    )
    version = ProcessVersion(
        process_id=bundle.process_id,
        version=last + 1,
        content_hash=bundle.content_hash,
        source_files={name: data.decode("utf-8") for name, data in files.items()},
        spec_json=bundle.spec_json,
        info={
            **bundle_info(bundle),
            "deploy_options": {
                k: v
                for k, v in (
                    ("assignments", assignments),
                    ("default_department", default_department),
                    ("outcome", outcome),
                    ("form_map", form_map),
                )
                if v
            },
        },
        is_current=True,
        deployed_by_id=getattr(user, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    events.audited(
        "admin_change",
        actor=user,
        object_type="process",
        object_id=version.process_id,
        details={"change": "deploy", "version": version.version},
    )
    return version, DeployChange("created")


def _make_current(version: ProcessVersion, user) -> DeployChange:
    """The deployed content is an existing version's: make it current (a rollback when an
    other version was), audited."""
    if version.is_current:
        return DeployChange("unchanged")
    previous = db.session.execute(
        db.select(ProcessVersion.version).where(
            ProcessVersion.process_id == version.process_id, ProcessVersion.is_current.is_(True)
        )
    ).scalar()
    db.session.execute(
        db.update(ProcessVersion)
        .where(ProcessVersion.process_id == version.process_id)
        .values(is_current=False)
        .execution_options(synchronize_session=False)
    )
    version.is_current = True
    db.session.flush()
    events.audited(
        "admin_change",
        actor=user,
        object_type="process",
        object_id=version.process_id,
        details={"change": "rollback", "version": version.version, "previous": previous},
    )
    return DeployChange("rollback", previous)


def reserved_form_fields(process_id: str) -> list[ValidationIssue]:
    """A field of the application form of a service run by `process_id` that takes the name
    of a variable the runtime sets (form fields are process variables by name)."""
    issues = []
    names = ", ".join(sorted(RESERVED_VARIABLES))
    services = db.session.execute(
        db.select(Service).where(Service.process_id == process_id)
    ).scalars()
    for service in services:
        for field in catalogue.form_fields(catalogue.service_form(service)):
            name = field.get("name")
            if name in RESERVED_VARIABLES:
                issues.append(
                    ValidationIssue(
                        name,
                        "reserved_form_field",
                        f"form field {name!r} of service {service.code!r} has the name of a "
                        f"variable the runtime sets ({names}); rename the field",
                    )
                )
    return issues


def deploy_options(version: ProcessVersion) -> dict:
    """The mapping a version was deployed with (lanes and groups to departments, the default
    department, the outcome rule, form keys to forms), as keyword arguments of `deploy_files`."""
    return dict((version.info or {}).get("deploy_options") or {})


def bundle_info(bundle) -> dict:
    """What the admin UI shows about a version (lanes, tasks, warnings)."""

    def plain(items):
        out = []
        for item in items or []:
            if hasattr(item, "__dict__"):
                out.append({k: v for k, v in vars(item).items() if not k.startswith("_")})
            elif isinstance(item, (list, tuple)):
                out.append(list(item))
            else:
                out.append(item)
        return out

    return {
        "lanes": list(bundle.lanes),
        "user_tasks": plain(bundle.user_tasks),
        "service_tasks": plain(bundle.service_tasks),
        "warnings": [i.as_dict() for i in getattr(bundle, "warnings", []) or []],
    }


def deploy_shipped(user=None) -> list[tuple[str, int, bool]]:
    """Deploy every shipped service's files from `workflows/`. Does not commit."""
    root = Path(current_app.config["WORKFLOWS_DIR"])
    out = []
    for entry in catalogue.shipped_services():
        files = {name: (root / name).read_bytes() for name in entry["files"]}
        version, created = deploy_files(entry["process_id"], files, user)
        out.append((entry["process_id"], version.version, created))
    return out
