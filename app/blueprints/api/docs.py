"""/api/docs: the OpenAPI document browsable in Swagger UI, served from this site
(app/static/vendor/swagger-ui, installed from npm by the Makefile's `frontend` target)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.route("/api/docs")
def docs():
    """Swagger UI on /api/openapi.json (no log-in: the document holds no data)."""
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
