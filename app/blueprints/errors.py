"""Error pages in the page's language, and domain errors turned into HTTP answers."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app import uow
from app.domain.errors import DomainError


def error_page(status: int, title: str, message: str):
    """The answer for an error: the error page in the page's language, or JSON if asked
    (and always under /api/, where other systems call)."""
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app) -> None:
    """Install the error handlers on `app`."""
    page = error_page

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return page(
            400,
            _("This form has expired"),
            _(
                "The page was open too long or was submitted from somewhere else. Go "
                "back, reload the page and submit again; nothing was saved."
            ),
        )

    @app.errorhandler(DomainError)
    def domain_error(exc):
        uow.rollback()
        titles = {404: _("Not found"), 403: _("Not allowed")}
        return page(exc.status, titles.get(exc.status, _("Request refused")), str(exc.message))

    @app.errorhandler(400)
    def bad_request(exc):
        return page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(403)
    def forbidden(exc):
        return page(403, _("Not allowed"), _("Your account may not open this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return page(404, _("Not found"), _("This page does not exist or is not yours to see."))

    @app.errorhandler(413)
    def too_large(exc):
        mb = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return page(
            413,
            _("File too large"),
            _(
                "Files may be at most %(mb)d MB. Scan at a lower resolution or compress "
                "the file, then upload it again.",
                mb=mb,
            ),
        )

    @app.errorhandler(500)
    def server_error(exc):
        uow.rollback()
        return page(
            500,
            _("Something went wrong"),
            _(
                "Nothing you entered was lost. Try again in a moment; if it happens "
                "again, contact the service desk."
            ),
        )
