"""E-certificate pages: the public verification page (from the QR code, no log-in), the
check of an uploaded PDF (any logged-in user), the citizen's wallet with the signed PDFs,
and the administrators' register with revocation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints.access import admin_required
from app.blueprints.files import FILE_POLICY, private_pdf
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import talisman
from app.services import ecertificates

bp = Blueprint("certificates", __name__)

MAX_CHECK_BYTES = 10 * 1024 * 1024


def _helpers() -> dict:
    return {
        "type_label": ecertificates.type_label,
        "status_of": ecertificates.status_of,
        "status_label": ecertificates.status_label,
        "issued_on": ecertificates.issued_on,
    }


@bp.route("/verify/certificates/<code>")
def verify(code: str):
    """Confirm a certificate from its QR code: type, number, status, dates, issuing
    department and the masked holder."""
    view = ecertificates.public_view(code)
    return render_template("certificates/verify.html", cert=view), (200 if view else 404)


@bp.route("/certificates/check", methods=["GET", "POST"])
@login_required
def check():
    """Upload a certificate PDF: is its signature intact, the agency's, and is it in the
    register with which status?"""
    result = None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_CHECK_BYTES + 1) if upload else b""
        if not data:
            flash(_("Choose a PDF file."), "danger")
        elif len(data) > MAX_CHECK_BYTES:
            flash(_("The file is too large."), "danger")
        else:
            result = ecertificates.check_upload(data)
    return render_template("certificates/check.html", result=result, **_helpers())


@bp.route("/wallet")
@login_required
def wallet():
    """The certificates the logged-in person holds, theirs or their companies'."""
    return render_template(
        "certificates/wallet.html", certificates=ecertificates.wallet(current_user), **_helpers()
    )


@bp.route("/wallet/<int:certificate_id>/pdf")
@talisman(content_security_policy=FILE_POLICY)
@login_required
def pdf(certificate_id: int):
    """The signed PDF, for its holder (or an administrator)."""
    try:
        path, name = ecertificates.downloadable(current_user, certificate_id)
    except DomainError:
        abort(404)
    return private_pdf(path, name)


@bp.route("/admin/certificates")
@admin_required
def register():
    """The register's newest entries, each with its status and a revocation form."""
    return render_template(
        "certificates/register.html", certificates=ecertificates.register_page(), **_helpers()
    )


@bp.route("/admin/certificates/<int:certificate_id>/sign", methods=["POST"])
@admin_required
def sign_again(certificate_id: int):
    """Sign a certificate's PDF again after signing failed."""
    try:
        cert = ecertificates.sign_again(certificate_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "info")
    else:
        flash(_("Certificate %(number)s is being signed again.", number=cert.number), "success")
    return redirect(url_for(".register"))


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["POST"])
@admin_required
def revoke(certificate_id: int):
    """Revoke a certificate with a reason."""
    try:
        cert = ecertificates.revoke(certificate_id, current_user, request.form.get("reason", ""))
    except ValidationFailed as exc:
        flash(exc.summary(), "danger")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(str(exc.message), "info")
    else:
        flash(_("Certificate %(number)s revoked.", number=cert.number), "success")
    return redirect(url_for(".register"))
