"""The administrators' people pages: departments (a tree of bureaus and divisions), staff
accounts (create, edit, deactivate, reset a password, import a CSV) and the roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import admin_required
from app.domain.errors import DomainError, ValidationFailed
from app.services import departments, staff

bp = Blueprint("people", __name__)


def _me():
    return current_user._get_current_object()


# --- departments ----------------------------------------------------------------------------


@bp.route("/departments", methods=["GET", "POST"])
@admin_required
def department_list():
    """The tree, and the form that adds a department or a division."""
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        form = request.form
        try:
            dept = departments.create_department(
                _me(),
                form.get("code", ""),
                form.get("name_zh", ""),
                form.get("name_en", ""),
                form.get("parent_id") or None,
            )
        except ValidationFailed as exc:
            errors, values, status = exc.errors, form, 400
        else:
            flash(_("Department %(code)s created.", code=dept.code), "success")
            return redirect(url_for(".department_list"))
    return render_template(
        "admin/departments.html",
        tree=departments.department_tree(),
        errors=errors,
        values=values,
    ), status


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@admin_required
def department_edit(department_id: int):
    """Rename a department, move it under another, deactivate or reactivate it."""
    dept = departments.get_department(department_id)
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") in ("deactivate", "activate"):
                departments.set_department_active(
                    _me(), department_id, form.get("action") == "activate"
                )
            else:
                departments.update_department(
                    _me(),
                    department_id,
                    form.get("name_zh", ""),
                    form.get("name_en", ""),
                    form.get("parent_id") or None,
                )
        except ValidationFailed as exc:
            errors, values, status = exc.errors, form, 400
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".department_list"))
    return render_template(
        "admin/department_edit.html",
        dept=dept,
        tree=departments.department_tree(),
        errors=errors,
        values=values,
    ), status


# --- staff accounts -------------------------------------------------------------------------


def _entry(form) -> staff.StaffInput:
    return staff.StaffInput(
        username=form.get("username", ""),
        real_name=form.get("real_name", ""),
        role=form.get("role", ""),
        department=form.get("department", ""),
        password=form.get("password", ""),
    )


def _users_page(errors=None, values=None, import_rows=None, status=200):
    return render_template(
        "admin/users.html",
        users=staff.list_staff(),
        tree=departments.department_tree(include_inactive=False),
        roles=staff.ROLE_CHOICES,
        role_labels=staff.ROLE_LABELS,
        role_key=staff.role_key,
        errors=errors or {},
        values=values or {},
        import_rows=import_rows,
        csv_columns=staff.CSV_COLUMNS,
    ), status


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def user_list():
    """Staff accounts, the form that creates one, and the CSV import."""
    if request.method == "POST":
        try:
            user = staff.create_user(_me(), _entry(request.form))
        except ValidationFailed as exc:
            return _users_page(exc.errors, request.form, status=400)
        flash(
            _(
                "Account %(name)s created; they choose their own password at the first log-in.",
                name=user.username,
            ),
            "success",
        )
        return redirect(url_for(".user_list"))
    return _users_page()


@bp.route("/users/import", methods=["POST"])
@admin_required
def user_import():
    """Create the accounts of a CSV file: all rows or none."""
    upload = request.files.get("file")
    data = upload.read(2_000_000) if upload else b""
    try:
        users = staff.import_csv(_me(), data)
    except staff.ImportRefused as exc:
        flash(str(exc.message), "danger")
        return _users_page(import_rows=exc.rows, status=400)
    flash(_("%(n)d accounts imported.", n=len(users)), "success")
    return redirect(url_for(".user_list"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    """Edit an account; deactivate or reactivate it; reset its password."""
    user = staff.get_staff(user_id)
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        form, action = request.form, request.form.get("action", "save")
        try:
            if action in ("deactivate", "activate"):
                staff.set_active(_me(), user_id, action == "activate")
                flash(_("Saved."), "success")
            elif action == "reset_password":
                staff.reset_password(_me(), user_id, form.get("password", ""))
                flash(_("Password reset: the user must change it at the next log-in."), "success")
            else:
                staff.update_user(_me(), user_id, _entry(form))
                flash(_("Saved."), "success")
        except ValidationFailed as exc:
            errors, values, status = exc.errors, form, 400
        except DomainError as exc:
            if exc.status == 404:
                raise
            flash(str(exc.message), "danger")
            status = exc.status
        else:
            return redirect(url_for(".user_edit", user_id=user_id))
    return render_template(
        "admin/user_edit.html",
        user=user,
        tree=departments.department_tree(include_inactive=False),
        roles=staff.ROLE_CHOICES,
        role_labels=staff.ROLE_LABELS,
        current_role=staff.role_key(user),
        errors=errors,
        values=values,
    ), status


@bp.route("/roles")
@admin_required
def roles():
    """What each role may do (read-only)."""
    return render_template(
        "admin/roles.html", rights=staff.ROLE_RIGHTS, role_labels=staff.ROLE_LABELS
    )
