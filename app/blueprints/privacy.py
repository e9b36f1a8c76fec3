"""Personal data in the clerks' workspace: revealing a masked value for a reason, exporting
the queue to CSV or Excel, and the template helpers that show values masked.

Templates never decide what to mask: a case page asks `privacy_view(application, task)` for
each value (`pv.field`, `pv.applicant`, `pv.findings`, `pv.reveal_file`) and a list asks the
`masked` filter; both apply the one set of rules, `app.domain.masking`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_template_attribute,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.blueprints.access import clerk_required
from app.blueprints.context import safe_next, tr
from app.domain import masking
from app.domain.errors import ValidationFailed
from app.services import approvals, case_export, fieldtypes, privacy, workspace

bp = Blueprint("privacy", __name__)


@bp.route("/tasks/<int:task_id>/reveal", methods=["POST"])
@clerk_required
def reveal(task_id: int):
    """Show one masked value of the task's case for a few minutes, for a reason."""
    task = approvals.get_task(current_user, task_id)
    back = safe_next(request.form.get("next"), url_for("clerk.task", task_id=task_id))
    try:
        privacy.reveal(
            current_user,
            task.application,
            request.form.get("field", ""),
            request.form.get("reason"),
            request.form.get("note"),
        )
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    else:
        minutes = privacy.REVEAL_SECONDS // 60
        flash(_("Shown for %(n)d minutes; the reveal is recorded.", n=minutes), "info")
    return redirect(back)


@bp.route("/export.<fmt>")
@clerk_required
def export_queue(fmt: str):
    """The queue as filtered (every page) as a CSV or Excel file, masked and audited."""
    if fmt not in case_export.FORMATS:
        abort(404)
    flt = workspace.QueueFilter.from_args(request.args)
    try:
        export = case_export.export_queue(current_user, flt, fmt)
    except ValidationFailed as exc:
        flash(exc.summary(), "warning")
        return redirect(url_for("clerk.queue", **flt.args()))
    return Response(
        export.body,
        mimetype=export.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


class PrivateValues:
    """A case page's personal values, as HTML: masked with a reveal control, or revealed."""

    def __init__(self, application, task):
        self.view = privacy.CaseView(current_user, application)
        self.task = task
        self._macro = get_template_attribute("privacy/_value.html", "private_value")
        self._control = get_template_attribute("privacy/_value.html", "reveal_control")

    def _action(self) -> str:
        return url_for("privacy.reveal", task_id=self.task.id)

    def _html(self, shown: privacy.Shown) -> Markup:
        return self._macro(shown, self._action(), privacy.REASONS)

    def field(self, field: dict, value) -> Markup:
        """A form field's value, as its field type displays it."""
        plain = fieldtypes.display(field, value, tr)
        return self._html(self.view.form_value(field, value, "" if plain is None else str(plain)))

    def applicant(self, attribute: str = "real_name") -> Markup:
        return self._html(self.view.applicant(attribute))

    def findings(self, att) -> dict:
        return self.view.findings(att)

    def reveal_file(self, att) -> Markup:
        """The control that reveals every finding of one file."""
        return self._control(self.view.file_key(att), self._action(), privacy.REASONS)


def register(app) -> None:
    """Install `privacy_view` and the `masked` filter for the templates."""

    @app.context_processor
    def inject():
        return {"privacy_view": PrivateValues}

    @app.template_filter("masked")
    def masked(user, attribute: str) -> str:
        """An attribute of a user's account (`real_name`, `id_number`, `mobile`), masked and
        marked as people's data (`translate="no"`), as the `data` filter marks it."""
        return masked_as(getattr(user, attribute, None), attribute)

    @app.template_filter("masked_as")
    def masked_as(value: str | None, attribute: str) -> str:
        """A value read without its account (a queue row's applicant name), masked as the
        account's `attribute` is."""
        shown = masking.mask(value, masking.PROFILE_KINDS[attribute])
        return Markup(f'<span translate="no">{escape(shown)}</span>') if shown else ""
