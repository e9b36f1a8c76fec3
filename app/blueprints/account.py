"""My account (我的账户): every signed-in user's own contact details, password and language.

One page with three forms, each posting to its own URL. A refused form is shown again with
its errors and what was typed (never the passwords); a saved one redirects back to the page
with a message (post/redirect/get).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.domain.errors import DomainError, ValidationFailed
from app.services import profile

bp = Blueprint("account", __name__)


@bp.route("")
@login_required
def index():
    return _page()


@bp.route("/contact", methods=["POST"])
@login_required
def contact():
    form = request.form
    try:
        changed = profile.update_contact(
            _me(), form.get("email", ""), form.get("mobile", ""), form.get("contact_password", "")
        )
    except DomainError as exc:
        return _refused("contact", exc)
    flash(
        _("Your contact details are saved.")
        if changed
        else _("Your contact details were already up to date."),
        "success",
    )
    return redirect(url_for(".index"))


@bp.route("/password", methods=["POST"])
@login_required
def password():
    form = request.form
    user = _me()
    try:
        changed = profile.change_password(
            user,
            form.get("current_password", ""),
            form.get("new_password", ""),
            form.get("confirm_password", ""),
        )
    except DomainError as exc:
        return _refused("password", exc)
    if changed:
        login_user(user)  # this session carries the new session version; the others end
        flash(
            _(
                "Your password is changed. Other devices signed in to your account have "
                "been logged out."
            ),
            "success",
        )
    else:
        flash(_("Your password was already changed to this one."), "info")
    return redirect(url_for(".index"))


@bp.route("/language", methods=["POST"])
@login_required
def language():
    code = request.form.get("language", "")
    try:
        profile.set_language(_me(), code)
    except DomainError as exc:
        return _refused("language", exc)
    session["lang"] = code
    flash(_("The language is saved for your pages and notifications."), "success")
    return redirect(url_for(".index"))


def _me():
    """The signed-in user's model object (services refresh and compare it, not a proxy)."""
    return current_user._get_current_object()


def _refused(form: str, exc: DomainError):
    """The page again, with the refused form's errors and typed values, and its status."""
    if isinstance(exc, ValidationFailed):
        errors = exc.errors
    else:
        errors = {exc.field or "_form": exc.message}
    return _page(form=form, errors=errors, values=request.form), exc.status


def _page(form: str | None = None, errors: dict | None = None, values=None):
    return render_template(
        "account/index.html", user=current_user, form=form, errors=errors or {}, values=values or {}
    )
