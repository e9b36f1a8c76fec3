"""Administrators' service catalogue: the list of services, the editor of a service's guide,
materials, limits, process binding and form (a draft), publishing, unpublishing, and the
form preview the editor's script asks for."""

from __future__ import annotations

import json
from itertools import zip_longest

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import ValidationFailed
from app.extensions import db
from app.models import Department
from app.services import catalogue, fieldtypes, forms, processes, service_editor
from ml.doctypes import registry as doctypes

bp = Blueprint("services_admin", __name__)
MAX_FORM_JSON = 200_000


@bp.route("/")
@admin_required
def index():
    return render_template("admin/services.html", services=service_editor.overview())


def _text(name: str) -> dict:
    f = request.form
    return {"zh": (f.get(name + "_zh") or "").strip(), "en": (f.get(name + "_en") or "").strip()}


def _int(name: str):
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() else raw


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (request.form.get(name) or "").splitlines() if line.strip()]


def _materials() -> list[dict]:
    f = request.form
    rows = zip_longest(  # a column the form did not send (an older page) reads as empty
        f.getlist("material_slot"),
        f.getlist("material_doc_type"),
        f.getlist("material_required"),
        f.getlist("material_label_zh"),
        f.getlist("material_label_en"),
        f.getlist("material_show_field"),
        f.getlist("material_show_values"),
        fillvalue="",
    )
    out = []
    for slot, doc_type, required, zh, en, show_field, show_values in rows:
        if not (slot.strip() or zh.strip()):
            continue  # an empty row of the editor
        material = {
            "slot": slot.strip(),
            "doc_type": doc_type,
            "required": required == "yes",
            "label": {"zh": zh.strip(), "en": en.strip()},
        }
        if show_field.strip():  # asked for only while that answer has one of these values
            values = [v.strip() for v in show_values.replace("，", ",").split(",") if v.strip()]
            material["show_when"] = {"field": show_field.strip(), "in": values}
        out.append(material)
    return out


def _form_schema(raw: str):
    if len(raw) > MAX_FORM_JSON:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _definition_from_request() -> dict:
    zh, en = _lines("conditions_zh"), _lines("conditions_en")
    conditions = [{"zh": z, "en": en[i] if i < len(en) else ""} for i, z in enumerate(zh)]
    return {
        "name": _text("name"),
        "category": request.form.get("category"),
        "theme": _text("theme"),
        "process_id": (request.form.get("process_id") or "").strip(),
        "time_limit_days": _int("time_limit_days"),
        "promised_days": _int("promised_days"),
        "lead_department": request.form.get("lead_department") or None,
        "guide": {
            "summary": _text("summary"),
            "conditions": conditions,
            "fee": _text("fee"),
            "legal_basis": _text("legal_basis"),
            "result": _text("result"),
        },
        "materials": _materials(),
        "form_schema": _form_schema(request.form.get("form_json") or ""),
    }


def _editor(code, definition, draft=None, errors=None, form_json=None, status=200):
    departments = db.session.execute(db.select(Department).order_by(Department.code)).scalars()
    return (
        render_template(
            "admin/service_edit.html",
            code=code,
            d=definition,
            draft=draft,
            errors=errors or {},
            form_json=form_json
            if form_json is not None
            else json.dumps(definition.get("form_schema"), ensure_ascii=False, indent=1),
            departments=list(departments),
            process_ids=processes.process_ids(),
            doc_types=doctypes.codes(),
            field_types=fieldtypes.labels(),
            categories=catalogue.CATEGORIES,
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    if request.method == "GET":
        return _editor(None, service_editor.blank())
    code = (request.form.get("code") or "").strip()
    return _save(code, new=True)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@admin_required
def edit(code: str):
    if request.method == "GET":
        definition, draft = service_editor.editable(code)
        return _editor(code, definition, draft)
    return _save(code, new=False)


def _save(code: str, *, new: bool):
    definition = _definition_from_request()
    try:
        draft = service_editor.save_draft(current_user, code, definition, new=new)
    except ValidationFailed as exc:
        flash(_("Please correct the marked fields."), "danger")
        return _editor(
            None if new else code,
            definition,
            errors=exc.errors,
            form_json=request.form.get("form_json") or "",
            status=422,
        )
    flash(_("Draft version %(n)d saved.", n=draft.number), "success")
    return redirect(url_for(".edit", code=code))


@bp.route("/<code>/publish", methods=["POST"])
@admin_required
def publish(code: str):
    try:
        service_editor.publish(current_user, code)
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
        return redirect(url_for(".edit", code=code))
    flash(_("The service is published."), "success")
    return redirect(url_for(".index"))


@bp.route("/<code>/unpublish", methods=["POST"])
@admin_required
def unpublish(code: str):
    service_editor.unpublish(current_user, code)
    flash(_("The service is no longer on the portal."), "success")
    return redirect(url_for(".index"))


@bp.route("/task-forms/")
@admin_required
def task_forms():
    name = (request.args.get("name") or "").strip()
    if name:  # "a new task form named…": its editor
        return redirect(url_for(".task_form", name=name))
    return render_template("admin/task_forms.html", names=catalogue.task_form_names())


@bp.route("/task-forms/<name>", methods=["GET", "POST"])
@admin_required
def task_form(name: str):
    errors, raw = {}, None
    if request.method == "POST":
        raw = request.form.get("form_json") or ""
        try:
            saved = service_editor.save_task_form(current_user, name, _form_schema(raw))
        except ValidationFailed as exc:
            flash(_("Please correct the marked fields."), "danger")
            errors = exc.errors
        else:
            flash(
                _("Task form %(name)s saved as version %(n)d.", name=name, n=saved.version),
                "success",
            )
            return redirect(url_for(".task_form", name=name))
    schema = service_editor.task_form(name)
    return (
        render_template(
            "admin/task_form_edit.html",
            name=name,
            errors=errors,
            form_json=raw if raw is not None else json.dumps(schema, ensure_ascii=False, indent=1),
            field_types=fieldtypes.labels(),
        ),
        422 if errors else 200,
    )


@bp.route("/form-preview", methods=["POST"])
@admin_required
def form_preview():
    """The form as the portal draws it, for the editor's live preview (JSON: html, problems)."""
    body = request.get_json(silent=True)
    form = body.get("form") if isinstance(body, dict) else None
    problems = forms.form_problems(form)
    drawable = not _unusable(form)
    html = render_template("admin/_form_preview.html", form=form) if drawable else ""
    return jsonify({"html": html, "problems": problems})


def _unusable(form) -> bool:
    """Whether the form cannot be drawn at all (wrong shape, a field of no known type)."""
    try:
        sections = form["sections"] if "sections" in form else [{"fields": form["fields"]}]
        fields = [f for s in sections for f in s["fields"]]
        return not all(isinstance(f, dict) and f.get("name") for f in fields) or bool(
            fieldtypes.schema_problems(fields)
        )
    except (AttributeError, KeyError, TypeError):
        return True
