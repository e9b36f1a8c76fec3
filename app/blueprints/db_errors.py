"""Lost database connections: a read is tried once more, a write gets a clear page, never a 500.

Connections that died while idle in the pool (the database restarted, a firewall or an
administrator cut them) are replaced before use (`pool_pre_ping`, app.extensions). A
connection can still die while a request is using it: SQLAlchemy then raises a DBAPIError
with `connection_invalidated` and drops the connection from the pool. A read (GET, HEAD,
OPTIONS) changes nothing, so it is run once more, on a fresh connection. A write is never
repeated behind the user's back: its unit of work was rolled back, and the user is told that
nothing was saved and to try again. Failing to connect at all gets the same page.

A request that finds every connection of its process's pool in use waits
`DB_POOL_TIMEOUT_SECONDS`, then gets a "server busy" page (503, nothing saved, try again):
it had no connection, so it had done nothing. Each such request is counted for /metrics
(`onewindow_db_pool_timeouts_total`); the pool's use is in `app.blueprints.ops`.
"""

from __future__ import annotations

import logging

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.extensions import db, without_database

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRIED = "onewindow_db_retried"  # g: this request was already run again once
RETRY_AFTER_SECONDS = 5
POOL_TIMEOUTS = Counter(
    "onewindow_db_pool_timeouts",
    "Requests that waited DB_POOL_TIMEOUT_SECONDS for a database connection and got none.",
)


def is_connection_lost(exc: BaseException) -> bool:
    """The database connection died under the request, or none could be made."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and exc.statement is None  # while connecting


def register(app) -> None:
    """Install the handler for database errors on `app`."""

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        if not is_connection_lost(exc):
            raise exc  # any other database error stays a server error (logged, 500 page)
        log.warning("database connection lost during %s %s", request.method, request.path)
        _forget_transaction()
        if request.method in SAFE_METHODS and not g.get(_RETRIED):
            setattr(g, _RETRIED, True)
            return _run_request_again()
        return _connection_lost_page(write=request.method not in SAFE_METHODS)

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(exc: PoolTimeout):
        without_database()  # its answer would wait for a connection again
        POOL_TIMEOUTS.inc()
        log.warning("no free database connection for %s %s", request.method, request.path)
        _forget_transaction()
        title = _("The server is busy")
        if request.method in SAFE_METHODS:
            message = _("This page could not be loaded. Try again in a moment.")
        else:
            message = _(
                "Your request could not be started and nothing was saved. Go back and try "
                "again in a moment."
            )
        return _unavailable(title, message, layout=False)  # the layout would wait for one too


def _forget_transaction() -> None:
    """Roll back what the request had open; the next statement takes a fresh connection."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the session is replaced below
        log.warning("rollback after a lost connection failed", exc_info=True)
        db.session.remove()


def _run_request_again():
    """The request's before-request hooks and view once more (Flask finalizes the answer);
    whatever they raise goes to its own error handler, a lost connection to this page."""
    try:
        answer = current_app.preprocess_request()
        return answer if answer is not None else current_app.dispatch_request()
    except Exception as again:  # noqa: BLE001 — dispatched to the matching handler
        return current_app.handle_user_exception(again)


def _connection_lost_page(write: bool):
    title = _("The connection to the database was lost")
    if write:
        message = _(
            "Your request could not be completed and nothing was saved. Go back and try "
            "again in a moment."
        )
    else:
        message = _("This page could not be loaded. Try again in a moment.")
    return _unavailable(title, message)


def _unavailable(title: str, message: str, layout: bool = True):
    """503 with `title` and `message`, as JSON to an API client, else as a page: in the site's
    layout when `layout` and it can be drawn (it reads the database), else a plain one."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": message}, 503, headers
    if layout:
        try:
            page = render_template("errors/error.html", status=503, title=title, message=message)
            return page, 503, headers
        except Exception:  # noqa: BLE001 — the layout reads the database, which may still be away
            _forget_transaction()
    return _plain_page(title, message), 503, headers


def _plain_page(title: str, message: str) -> str:
    """The page without the layout and without the template context processors, which load
    the signed-in account from the database (Flask-Login's among them)."""
    without_database()
    template = current_app.jinja_env.get_template("errors/plain.html")
    return template.render(status=503, title=title, message=message, current_locale=get_locale())
