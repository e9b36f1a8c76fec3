"""The REST API for other government systems, under /api/v1 (OpenAPI at /api/openapi.json,
browsable at /api/docs), and the administrators' page for its systems, tokens and webhooks.
"""

from __future__ import annotations


def register(app) -> None:
    """Wire the API's blueprints, its documentation and its admin page into `app`."""
    from app.blueprints.api import admin, core, docs, reads, subscriptions

    core.init_app(app, (reads.certificates, reads.cases, reads.tasks, subscriptions.blp))
    app.register_blueprint(docs.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin/api")
