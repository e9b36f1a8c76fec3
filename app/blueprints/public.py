"""Pages for everyone, without log-in: verifying a written notice by its QR code, and the
progress lookup by case number and query code (办件查询)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.blueprints.context import EVENT_LABELS
from app.services import lookup, notices

bp = Blueprint("public", __name__)


@bp.route("/verify/notices/<code>")
def verify_notice(code: str):
    """Confirm a notice: its kind, number, case, date, agency and the masked applicant."""
    notice = notices.verify(code)
    return render_template(
        "public/verify_notice.html", notice=notice, kind_label=notices.kind_label
    ), (200 if notice else 404)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup_case():
    """The lookup form; on POST the public steps of the case, or one answer for any miss."""
    if request.method == "GET":
        return render_template("public/lookup.html", case=None, missed=False, values={})
    values = {
        "case_number": request.form.get("case_number", "")[:64],
        "query_code": request.form.get("query_code", "")[:64],
    }
    try:
        case = lookup.find_case(values["case_number"], values["query_code"], request.remote_addr)
    except lookup.LookupThrottled as exc:
        return render_template(
            "public/lookup.html", case=None, missed=False, values=values, refused=str(exc.message)
        ), 429
    if case is None:
        return render_template(
            "public/lookup.html",
            case=None,
            missed=True,
            values={"case_number": values["case_number"]},
        )
    return render_template(
        "public/lookup.html",
        case=case,
        missed=False,
        values={},
        step_label=_step_label,
    )


def _step_label(kind: str) -> str:
    if kind == lookup.CORRECTION_REQUESTED:
        return _("Corrections requested")
    return str(EVENT_LABELS.get(kind, kind))
