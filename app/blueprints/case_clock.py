"""The case clock's one action: a lead of the responsible department extends the time limit
once, with a reason the applicant is sent (the clock itself is shown by _clock.html)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.access import clerk_required
from app.blueprints.context import referrer_path
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.models import Application
from app.services import clock

bp = Blueprint("case_clock", __name__)


@bp.route("/cases/<int:application_id>/extend", methods=["POST"])
@clerk_required
def extend(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    back = referrer_path("/clerk/")
    try:
        clock.extend(current_user, application, request.form.get("reason", ""))
    except Forbidden:
        abort(403)
    except ValidationFailed as exc:
        flash(str(next(iter(exc.errors.values()), exc.message)), "danger")
        return redirect(back)
    except Conflict as exc:
        flash(str(exc.message), "warning")
        return redirect(back)
    flash(_("The time limit was extended; the applicant is told why."), "success")
    return redirect(back)
