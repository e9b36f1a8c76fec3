"""Administrators' process pages: versions, the bpmn-js modeler, deploy, uploading a `.bpmn`
file with its lanes mapped to departments, the diff between versions, case diagrams, the
per-step heatmap."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, Department
from app.services import catalogue, deploy_issues, processes, step_heatmap
from app.workflow.engine import DeployError

bp = Blueprint("processes", __name__)
MAX_XML = 2 * 1024 * 1024


@bp.route("/")
@admin_required
def index():
    return render_template("admin/processes.html", processes=processes.list_processes())


@bp.route("/upload", methods=["POST"])
@admin_required
def upload():
    """A `.bpmn` file from the admin's computer: the mapping dialog, before any deploy."""
    upload = request.files.get("file")
    data = upload.read(MAX_XML + 1) if upload else b""
    if not data:
        flash(_("Choose a .bpmn file first."), "danger")
        return redirect(url_for(".index"))
    if len(data) > MAX_XML:
        flash(_("The diagram is larger than %(mb)d MB.", mb=MAX_XML // (1024 * 1024)), "danger")
        return redirect(url_for(".index"))
    return _mapping_dialog(data)


def _mapping_dialog(data: bytes, issues=None, chosen=None, status=200):
    try:
        plan = processes.upload_plan(data)
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
        return redirect(url_for(".index"))
    departments = db.session.execute(db.select(Department).order_by(Department.code)).scalars()
    return (
        render_template(
            "admin/upload_map.html",
            plan=plan,
            xml=data.decode("utf-8", errors="replace"),
            departments=list(departments),
            task_forms=sorted(catalogue.known_forms()),
            issues=issues or [],
            chosen=chosen or {},
        ),
        status,
    )


def _chosen(prefix: str) -> dict[str, str]:
    """{name: value} from pairs of inputs `<prefix>_name` / `<prefix>_value` left non-empty."""
    names, values = request.form.getlist(prefix + "_name"), request.form.getlist(prefix + "_value")
    return {n: v for n, v in zip(names, values, strict=False) if v}


@bp.route("/upload/deploy", methods=["POST"])
@admin_required
def deploy_upload():
    """Deploy an uploaded diagram with the lanes, groups, forms and outcome the dialog chose."""
    data = (request.form.get("xml") or "").encode("utf-8")
    if not data or len(data) > MAX_XML:
        flash(_("Choose a .bpmn file first."), "danger")
        return redirect(url_for(".index"))
    assignments = {**_chosen("group"), **_chosen("lane")}
    ends = _chosen("end")
    variable = (request.form.get("outcome_variable") or "").strip()
    outcome = None
    if ends or variable:
        outcome = {"otherwise": request.form.get("outcome_otherwise") or "incident"}
        if ends:
            outcome["end_events"] = ends
        if variable:
            outcome["variable"] = variable
    process_id = request.form.get("process_id") or ""
    try:
        version, created = processes.deploy_upload(
            data,
            process_id,
            current_user,
            assignments=assignments,
            default_department=request.form.get("default_department") or None,
            form_map=_chosen("form"),
            outcome=outcome,
        )
    except DeployError as exc:
        chosen = {**assignments, **{f"form:{k}": v for k, v in _chosen("form").items()}}
        return _mapping_dialog(data, deploy_issues.explain_all(exc.issues), chosen, 422)
    if created:
        flash(_("Deployed as version %(n)d.", n=version.version), "success")
    else:
        flash(_("This content is already version %(n)d.", n=version.version), "info")
    return redirect(url_for(".versions", process_id=version.process_id))


@bp.route("/<process_id>/diff")
@admin_required
def diff(process_id: str):
    """What changed between two versions (`old`, `new`; default: the two newest)."""
    versions = processes.get_versions(process_id)
    new = request.args.get("new", type=int) or versions[0].version
    old = (
        request.args.get("old", type=int)
        or (versions[1] if len(versions) > 1 else versions[0]).version
    )
    return render_template(
        "admin/process_diff.html",
        process_id=process_id,
        versions=versions,
        diff=processes.diff_versions(process_id, old, new),
    )


@bp.route("/<process_id>")
@admin_required
def versions(process_id: str):
    return render_template(
        "admin/versions.html",
        process_id=process_id,
        versions=processes.get_versions(process_id),
        issue_hints=deploy_issues.explain_all,
    )


@bp.route("/<process_id>/versions/<int:version>.bpmn")
@admin_required
def download(process_id: str, version: int):
    v = processes.get_version(process_id, version)
    name = processes.main_file(v)
    return Response(
        v.source_files[name],
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{process_id}-v{version}.bpmn"'},
    )


@bp.route("/<process_id>/versions/<int:version>/heatmap")
@admin_required
def heatmap(process_id: str, version: int):
    """Where cases wait and how long each step takes, coloured on the version's diagram."""
    v = processes.get_version(process_id, version)
    return render_template(
        "admin/step_heatmap.html",
        version=v,
        xml=v.source_files[processes.main_file(v)],
        steps=step_heatmap.step_heatmap(v),
    )


@bp.route("/<process_id>/edit")
@admin_required
def edit(process_id: str):
    base = processes.get_version(process_id, request.args.get("version", type=int))
    return render_template(
        "admin/modeler.html",
        base=base,
        xml=base.source_files[processes.main_file(base)],
        choices=processes.modeler_choices(str(get_locale())),
    )


def _xml_from_request() -> str:
    xml = request.get_data(cache=False, as_text=False)
    if len(xml) > MAX_XML:
        return None
    return xml.decode("utf-8", errors="replace")


def _too_large():
    """Validate and deploy answer an oversize diagram alike, saying what the limit is."""
    return jsonify(
        {
            "ok": False,
            "issues": [
                {
                    "element_id": None,
                    "code": "too_large",
                    "severity": "error",
                    "message": _(
                        "The diagram is larger than %(mb)d MB.", mb=MAX_XML // (1024 * 1024)
                    ),
                }
            ],
        }
    ), 413


@bp.route("/<process_id>/versions/<int:version>/validate", methods=["POST"])
@admin_required
def validate(process_id: str, version: int):
    base = processes.get_version(process_id, version)
    xml = _xml_from_request()
    if xml is None:
        return _too_large()
    issues = deploy_issues.explain_all(processes.validate_edit(base, xml))
    return jsonify({"ok": not any(i["severity"] == "error" for i in issues), "issues": issues})


@bp.route("/<process_id>/versions/<int:version>/deploy", methods=["POST"])
@admin_required
def deploy(process_id: str, version: int):
    base = processes.get_version(process_id, version)
    xml = _xml_from_request()
    if xml is None:
        return _too_large()
    try:
        new, created = processes.deploy_edit(base, xml, current_user)
    except DeployError as exc:  # refused: the use case rolled back; nothing was deployed
        return jsonify({"ok": False, "issues": deploy_issues.explain_all(exc.issues)}), 422
    return jsonify(
        {
            "ok": True,
            "version": new.version,
            "created": created.kind == "created",
            "rolled_back": created.kind == "rollback",
            "issues": deploy_issues.explain_all((new.info or {}).get("warnings")),
            "url": url_for(".versions", process_id=process_id),
        }
    )


@bp.route("/cases/<int:application_id>/diagram")
@admin_required
def case_diagram(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound("application_not_found", "no such case")
    diagram = processes.case_diagram(application)
    return render_template(
        "admin/case_diagram.html",
        application=application,
        diagram=diagram,
        targets=processes.migration_targets(application),
    )


@bp.route("/cases/<int:application_id>/migrate", methods=["POST"])
@admin_required
def migrate(application_id: int):
    from flask import flash, redirect

    from app.workflow.engine import MigrationRefused

    application = db.session.get(Application, application_id)
    if application is None or application.instance is None:
        raise NotFound("application_not_found", "no such case")
    target = processes.get_version(
        application.instance.process_version.process_id, request.form.get("version", type=int)
    )
    try:
        processes.migrate_case(application, target)
    except MigrationRefused as exc:
        flash(
            _(
                "This case cannot move to v%(n)d: %(why)s",
                n=target.version,
                why="; ".join(exc.reasons),
            ),
            "danger",
        )
    else:
        flash(_("The case now runs on v%(n)d.", n=target.version), "success")
    return redirect(url_for(".case_diagram", application_id=application_id))
