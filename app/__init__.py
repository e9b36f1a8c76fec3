"""OneWindow application factory.

`create_app(config)` builds a Flask app from a config object (or the name of one in
`app.config`), wires the extensions, blueprints, background-job runner and CLI commands.
Nothing here touches the schema: the database is created only by migrations.
"""

from __future__ import annotations

import os

from flask import Flask

from app import config as config_module
from app.extensions import init_extensions


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Create and configure the OneWindow Flask application."""
    app = Flask(__name__, instance_relative_config=True)
    cfg = config_module.resolve(config)
    app.config.from_object(cfg)
    app.config.update(config_module.from_environment())
    app.config.update(overrides)
    config_module.finalise(app)
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    # OCR results are cached by content hash; keep the cache with the instance's data.
    os.environ.setdefault("ML_CACHE_DIR", os.path.join(app.instance_path, "ml-cache"))

    if app.config["TRUSTED_PROXIES"]:  # the client's address and scheme, as the proxy saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    init_extensions(app)

    from app.blueprints import edge, register_blueprints

    edge.register(app)  # before the blueprints: their rules use its `int` converter
    register_blueprints(app)

    from app.jobs.setup import init_jobs
    from app.services import case_events

    init_jobs(app)
    case_events.install()
    _check_extension_registries(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _check_extension_registries(app: Flask) -> None:
    """Refuse to start when a registry does not cover what the configuration and the shipped
    files use (a backend nobody registered, a form field of an unknown type)."""
    from app.services import channels, forms

    channels.check_registry(app)
    with app.app_context():
        forms.check_forms()
