"""Flask extensions, created here unbound and wired in `init_extensions(app)`."""

from __future__ import annotations

import hashlib

from flask import g, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()

# The pages run no inline script or style and load everything from this site; the BPMN
# fonts and Bootstrap's icons are data: URLs. Nothing may frame the portal (clickjacking).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


_NO_DATABASE = "onewindow_no_database"  # g: this request found the database unavailable


def without_database() -> None:
    """Mark the request as answered without the database (its error page): nothing more is
    read from it, the language included (?lang= or the session's, else the default)."""
    setattr(g, _NO_DATABASE, True)


def select_locale() -> str:
    """Language: ?lang=, then the session's (or account's) choice; Chinese by default."""
    from flask import current_app, has_request_context

    if not has_request_context():  # jobs, CLI and services called directly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    langs = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in langs:
        return chosen
    if g.get(_NO_DATABASE):  # the account's choice would be read from the database
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    from flask_login import current_user

    preferred = getattr(current_user, "preferred_locale", None)
    return preferred if preferred in langs else current_app.config["BABEL_DEFAULT_LOCALE"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys; WAL so readers do not block the writer, with
    synchronous=NORMAL (the documented WAL setting: safe against application crashes, syncs
    at checkpoints)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        # the audit chain head hashes each new record in the statement that moves it on
        dbapi_connection.create_function("onewindow_sha256", 1, _sha256_hex, deterministic=True)


def _sha256_hex(text: str | None) -> str | None:
    """SHA-256 (hex) of a text's UTF-8 bytes (SQLite's `onewindow_sha256`)."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def init_extensions(app) -> None:
    """Bind every extension to `app`."""
    # Test each pooled connection before handing it out: one the database dropped while it
    # sat idle (restart, failover, a cut) is replaced instead of failing the request.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR") or _migrations_dir()))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    # Security headers on every answer. HTTPS redirects are the front proxy's job; cookies
    # are Secure when the portal is served over https (`config.finalise`).
    talisman.init_app(
        app,
        force_https=False,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    babel.init_app(app, locale_selector=select_locale)
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to continue.")
    login_manager.login_message_category = "warning"


def _migrations_dir():
    from app.config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"
