"""Log in, log out, citizen registration and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.context import referrer_path, safe_next
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import db, login_manager
from app.models import User
from app.services import accounts, departments, profile

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    """The session's user, unless the password changed since it logged in (`User.get_id`),
    with their department (kept per process)."""
    ident, _sep, version = user_id.partition(":")
    try:
        user = db.session.get(User, int(ident))
        version = int(version or 0)
    except ValueError:
        return None
    if user is None or version != (user.session_version or 0):
        return None
    if user.department_id is not None:
        departments.kept(user.department_id)  # the header names it: no SELECT a page
    return user


# Where a user whose password an administrator set may go before choosing their own.
_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"account.index", "account.password", "auth.logout", "auth.set_language", "static"}
)


@bp.before_app_request
def require_own_password():
    """A temporary password (a new staff account, an administrator's reset): every page
    sends the user to the change-password form until they have chosen their own."""
    endpoint = request.endpoint or ""
    if endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE or endpoint.endswith("static"):
        return None  # checked first: a static file never loads the user
    if current_user.is_authenticated and getattr(current_user, "must_change_password", False):
        if request.method == "GET":
            flash(_("Choose your own password before you go on."), "warning")
        return redirect(url_for("account.index") + "#password")
    return None


def home_for(user) -> str:
    """Where each kind of user lands after logging in."""
    if user.is_clerk:
        return url_for("clerk.queue")
    if user.is_admin:
        return url_for("admin.dashboard")
    if user.is_auditor:
        return url_for("audit.index")
    return url_for("portal.my_cases")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    error = None
    if request.method == "POST":
        try:
            user = accounts.authenticate(
                request.form.get("login", ""), request.form.get("password", ""), request.remote_addr
            )
        except DomainError as exc:
            error = exc.message
        else:
            # A language picked on these pages before logging in is this person's choice:
            # it wins over the account's and is remembered on it. One kept from an earlier
            # log-out in this browser (a shared computer) does not.
            chosen = session.get("lang") if session.get("lang_chosen") else None
            session.clear()
            login_user(user)
            if chosen and chosen != user.preferred_locale:
                profile.set_language(user, chosen)
            session["lang"] = chosen or user.preferred_locale
            flash(_("Welcome, %(name)s.", name=user.real_name), "success")
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    return render_template(
        "auth/login.html", error=error, login_value=request.form.get("login", "")
    ), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session here and on the server: a copy of the cookie taken before (another
    tab, a shared computer, a stolen cookie) no longer works, nor do the account's other
    devices (`profile.end_sessions`)."""
    lang = session.get("lang")
    profile.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out on this and every other device."), "info")
    return redirect(url_for("portal.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        if form.get("password") != form.get("password2"):
            errors["password2"] = _("The two passwords differ.")
        else:
            try:
                user = accounts.register_citizen(
                    form.get("real_name", ""),
                    form.get("id_number", ""),
                    form.get("mobile", ""),
                    form.get("password", ""),
                    email=form.get("email", ""),
                    client_addr=request.remote_addr,
                )
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                login_user(user)
                flash(_("Your account is ready. Choose a service to apply for."), "success")
                return redirect(url_for("portal.home"))
    return render_template("auth/register.html", errors=errors, values=request.form), (
        400 if errors else 200
    )


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """Switch the UI language. The header's buttons POST: the choice is kept in the session
    and, when logged in, on the account (notifications use it). A GET (an old link) changes
    the session only: a link, an image or another site must not change saved account state."""
    from flask import current_app

    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if request.method == "POST" and current_user.is_authenticated:
            profile.set_language(current_user._get_current_object(), code)
        elif request.method == "POST":
            session["lang_chosen"] = True  # kept at log-in (see `login`)
    return redirect(referrer_path(url_for("portal.home")))
