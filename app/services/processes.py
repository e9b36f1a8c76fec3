"""Process administration: versions, editing in the browser modeler, diagrams uploaded with
their lanes mapped to departments, differences between versions, case diagrams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, Department, ProcessVersion, Service, WorkflowInstance
from app.services import catalogue
from app.services.deployment import deploy_files, deploy_options
from app.workflow import runtime
from app.workflow.engine import DeployError, TaskNotFound, XmlRefused, deploy_bundle
from app.workflow.engine import diagram_summary as engine_summary
from app.workflow.engine.assignment import APPLICANT_LANE, LEAD_GROUP
from app.workflow.operators import registry


def process_ids() -> list[str]:
    """The ids of every deployed process, in order."""
    return list(
        db.session.execute(
            db.select(ProcessVersion.process_id).distinct().order_by(ProcessVersion.process_id)
        ).scalars()
    )


def list_processes() -> list[dict]:
    """One row per process id: its current version, how many versions and running cases, and
    the services that run it."""
    rows = []
    pids = process_ids()
    services: dict[str, list] = {}  # process id -> the services that run it
    for service in db.session.execute(db.select(Service).order_by(Service.code)).scalars():
        services.setdefault(service.process_id, []).append(service)
    for pid in pids:
        versions = get_versions(pid)
        running = db.session.execute(
            db.select(db.func.count())
            .select_from(WorkflowInstance)
            .join(ProcessVersion)
            .where(
                ProcessVersion.process_id == pid,
                WorkflowInstance.status.not_in(("completed", runtime.TERMINATED)),
            )
        ).scalar()
        current = next((v for v in versions if v.is_current), versions[0])
        rows.append(
            {
                "process_id": pid,
                "current": current,
                "versions": len(versions),
                "running": running,
                "services": services.get(pid, []),
            }
        )
    return rows


def get_versions(process_id: str) -> list[ProcessVersion]:
    """All versions of a process, newest first; NotFound if none."""
    versions = list(
        db.session.execute(
            db.select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc())
        ).scalars()
    )
    if not versions:
        raise NotFound("process_not_found", _l("No such process."))
    return versions


def get_version(process_id: str, version: int | None = None) -> ProcessVersion:
    """A given version, or the current one."""
    versions = get_versions(process_id)
    if version is None:
        return next((v for v in versions if v.is_current), versions[0])
    for v in versions:
        if v.version == version:
            return v
    raise NotFound("version_not_found", _l("No such version."))


def main_file(version: ProcessVersion) -> str:
    """The BPMN file of a version that the modeler edits (the first .bpmn file)."""
    names = sorted(n for n in version.source_files if n.endswith(".bpmn")) or sorted(
        version.source_files
    )
    return names[0]


def edited_files(base: ProcessVersion, xml: str) -> dict[str, bytes]:
    """The base version's files with its main BPMN replaced by the edited XML."""
    files = {name: text.encode("utf-8") for name, text in base.source_files.items()}
    files[main_file(base)] = xml.encode("utf-8")
    return files


def validate_edit(base: ProcessVersion, xml: str) -> list[dict]:
    """Every problem the deploy check finds in the edited diagram (empty list: deployable)."""

    departments = {d.code for d in db.session.execute(db.select(Department)).scalars()}
    try:
        bundle = deploy_bundle(
            edited_files(base, xml),
            process_id=base.process_id,
            departments=departments,
            forms=catalogue.known_forms(),
            operators=registry().names(),
            **deploy_options(base),
        )
    except DeployError as exc:
        return [i.as_dict() for i in exc.issues]
    return [i.as_dict() for i in getattr(bundle, "warnings", []) or []]


def modeler_choices(locale: str) -> dict:
    """What the modeler's OneWindow properties offer, as the deploy check accepts them: the
    departments a lane may be named after (and the applicant's lane), the task forms a user
    task may open, the operators a service task may run."""
    departments = db.session.execute(
        db.select(Department).where(Department.active.is_(True)).order_by(Department.code)
    ).scalars()
    return {
        "departments": [
            {"value": d.code, "label": f"{d.display_name(locale)} ({d.code})"} for d in departments
        ],
        "applicant_lane": APPLICANT_LANE,
        "forms": catalogue.task_form_names(),
        "operators": sorted(registry().names()),
    }


@uow.use_case
def deploy_edit(base: ProcessVersion, xml: str, user):
    """Make the edited diagram current: a new version, a rollback to the version with the
    same content, or a no-op when it is the current one. Returns (version, DeployChange).
    A diagram uploaded with a mapping keeps it (`deploy_options`)."""
    return deploy_files(base.process_id, edited_files(base, xml), user, **deploy_options(base))


def case_diagram(application: Application) -> dict:
    """The diagram a case runs on, with the elements it has done and is waiting at."""
    inst = application.instance
    if inst is None:
        raise NotFound("instance_not_found", _l("This case has no process yet."))

    handle = runtime.load(inst)
    version = inst.process_version
    return {
        "xml": version.source_files[main_file(version)],
        "version": version,
        "active": handle.active_element_ids(),
        "completed": handle.completed_element_ids(),
    }


def migration_targets(application: Application) -> list[dict]:
    """Other versions of the case's process, each with whether the case could move there."""
    inst = application.instance
    if inst is None or inst.status in ("completed", runtime.TERMINATED):
        return []

    out = []
    for version in get_versions(inst.process_version.process_id):
        if version.id == inst.process_version_id:
            continue
        plan = runtime.migration_plan(inst.id, version)
        out.append({"version": version, "allowed": plan.allowed, "reasons": plan.reasons})
    return out


@uow.use_case
def migrate_case(application: Application, target: ProcessVersion) -> None:
    """Move a running case to `target` (raises MigrationRefused)."""
    runtime.migrate(application.instance.id, target)
    events.audited(
        "admin_change",
        object_type="case",
        object_id=application.id,
        details={"change": "migrate", "process": target.process_id, "version": target.version},
    )


@uow.use_case
def send_signal(application: Application, name: str, payload: dict | None = None, user=None):
    """Deliver the BPMN signal `name` to a running case (an administrator's API call).

    Raises NotFound when the case has no process or nothing in it waits for the signal."""
    inst = application.instance
    if inst is None or inst.status in ("completed", runtime.TERMINATED):
        raise NotFound("instance_not_found", _l("This case has no running process."))
    try:
        runtime.deliver_signal(inst.id, name, payload)
    except TaskNotFound:
        raise NotFound(
            "signal_not_waited",
            _l("Nothing in this case waits for the signal %(name)s.", name=name),
        ) from None
    events.audited(
        "admin_change",
        actor=user,
        object_type="case",
        object_id=application.id,
        details={"change": "signal", "signal": name},
    )


# --- diagrams uploaded from the browser, and differences between versions ------------------


def upload_plan(xml: bytes) -> dict:
    """What the mapping dialog asks of an uploaded diagram: its process id, the lanes and
    candidate groups that are not departments, the form keys that are not forms, its end
    events. ValidationFailed({"file": message}) when the file is not a BPMN diagram."""
    try:
        summary = engine_summary.summarise(xml)
    except XmlRefused as exc:
        raise ValidationFailed(
            {"file": _l("This file is not a BPMN diagram: %(why)s", why=str(exc))}
        ) from None
    departments = {d.code for d in db.session.execute(db.select(Department)).scalars()}
    forms = catalogue.known_forms()
    return {
        **summary,
        "process_id": summary["process_ids"][0],
        "unmapped_lanes": [
            n for n in summary["lanes"] if n not in departments and n != APPLICANT_LANE
        ],
        "unmapped_groups": [
            g for g in summary["groups"] if g not in departments and g != LEAD_GROUP
        ],
        "unknown_forms": [f for f in summary["forms"] if f not in forms],
    }


@uow.use_case
def deploy_upload(
    xml: bytes,
    process_id: str,
    user,
    *,
    assignments: dict[str, str],
    default_department: str | None,
    form_map: dict[str, str],
    outcome: dict | None,
) -> tuple[ProcessVersion, bool]:
    """Deploy an uploaded diagram with what the mapping dialog chose (DeployError lists every
    problem; nothing is deployed then)."""
    name = f"{process_id}.bpmn"
    return deploy_files(
        process_id,
        {name: xml},
        user,
        assignments=assignments or None,
        default_department=default_department,
        form_map=form_map or None,
        outcome=outcome,
    )


def diff_versions(process_id: str, old: int, new: int) -> dict:
    """How version `new` of a process differs from version `old` (see engine diff)."""
    a, b = get_version(process_id, old), get_version(process_id, new)
    out = engine_summary.diff(a.source_files[main_file(a)], b.source_files[main_file(b)])
    return {**out, "old": a, "new": b}
