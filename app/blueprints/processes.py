"""Administrators' process pages: versions, the bpmn-js modeler, deploy, case diagrams,
the per-step heatmap."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import NotFound
from app.extensions import db
from app.models import Application
from app.services import deploy_issues, processes, step_heatmap
from app.workflow.engine import DeployError

bp = Blueprint("processes", __name__)
MAX_XML = 2 * 1024 * 1024


@bp.route("/")
@admin_required
def index():
    return render_template("admin/processes.html", processes=processes.list_processes())


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
        "admin/modeler.html", base=base, xml=base.source_files[processes.main_file(base)]
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
