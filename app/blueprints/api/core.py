"""The machinery every API view shares: the OpenAPI document (flask-smorest), the rate
limiter (Flask-Limiter), bearer-token authentication with scopes, JSON errors, CSRF
exemption, and the audit record written for every call.

Only the `Authorization: Bearer <token>` header authenticates a call: a browser's session
cookie is never looked at, so CSRF protection (which guards cookie-authenticated forms) does
not apply to these blueprints.
"""

from __future__ import annotations

import functools

import marshmallow as ma
from flask import g, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from app import uow
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import csrf
from app.services import api_tokens

URL_PREFIX = "/api/v1"


class OneWindowApi(Api):
    """flask-smorest's Api without its application-wide error handler: the portal's pages
    keep their own error pages; only the API's blueprints answer errors in JSON."""

    def _register_error_handlers(self):
        pass


class ApiErrorSchema(ma.Schema):
    """Every error answer: the HTTP status, a stable error code and a message."""

    code = ma.fields.Integer(metadata={"description": "HTTP status"})
    error = ma.fields.String(metadata={"description": "Stable error code, e.g. expired_token"})
    message = ma.fields.String(metadata={"description": "What went wrong, in words"})
    errors = ma.fields.Dict(metadata={"description": "Per-field problems (422)"})


API_DESCRIPTION = (
    "OneWindow's API for other government systems: verify e-certificates, read a case's "
    "status, read a department's open tasks, and subscribe to case events (webhooks, signed "
    "with HMAC-SHA256). Authenticate with `Authorization: Bearer <token>`; an administrator "
    "creates tokens, each with scopes and an expiry."
)


def _token_key() -> str:
    """Rate-limit key: the token's prefix (its first characters), else the address."""
    _scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    raw = raw.strip()
    if raw:
        return "api-token:" + raw[: api_tokens.TOKEN_PREFIX_LENGTH]
    return "api-addr:" + (get_remote_address() or "unknown")


def _config_limit(key: str):
    from flask import current_app

    return lambda: current_app.config[key]


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "validation_failed",
    429: "rate_limited",
}


def _messages() -> dict:
    return {
        400: _("The request could not be understood."),
        404: _("Nothing found under this address."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        422: _("The request's parameters are not valid."),
        429: _("Too many requests: slow down and try again later."),
    }


def error_answer(exc):
    """An error raised in an API view, as JSON: {code, error, message[, errors]}."""
    if isinstance(exc, DomainError):
        uow.rollback()
        body = {"code": exc.status, "error": exc.code, "message": str(exc.message)}
        if isinstance(exc, ValidationFailed):
            body.update(code=422, errors={k: str(v) for k, v in exc.errors.items()})
        return body, body["code"]
    if not isinstance(exc, HTTPException):
        uow.rollback()
        return {"code": 500, "error": "server_error", "message": _("Something went wrong.")}, 500
    status = exc.code or 500
    body = {
        "code": status,
        "error": _STATUS_CODES.get(status, "error"),
        "message": _messages().get(status, exc.description or exc.name),
    }
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        body["errors"] = errors
    headers = data.get("headers") or {}
    if status == 429 and exc.description:
        body["message"] = _("Too many requests (at most %(limit)s): try again later.",
                            limit=exc.description)  # fmt: skip
    return body, status, headers


def _forget_token() -> None:
    """No token is known before this request's own header is read."""
    g.api_token_id = g.api_token = None


def _audit_call(response):
    """Every API call goes to the audit trail: the system, the endpoint, the status."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    api_tokens.record_call(
        g.get("api_token_id"), request.method, rule, response.status_code, request.remote_addr
    )
    return response


def make_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint of the API: JSON errors, no CSRF, rate-limited, every call audited."""
    blp = Blueprint(name, __name__, url_prefix=URL_PREFIX, description=description)
    blp.register_error_handler(HTTPException, error_answer)
    blp.register_error_handler(DomainError, error_answer)
    blp.register_error_handler(Exception, error_answer)
    blp.before_request(_forget_token)
    blp.after_request(_audit_call)
    csrf.exempt(blp)
    return blp


def protected(blp: Blueprint, scope):
    """Require a valid bearer token granting `scope` (a string, or a function of the view's
    keyword arguments giving one); documents the security and the error answers."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            token = api_tokens.authenticate(request.headers.get("Authorization"))
            g.api_token_id = token.id
            api_tokens.require_scope(token, scope(kwargs) if callable(scope) else scope)
            g.api_token = token
            return view(*args, **kwargs)

        wrapped = blp.doc(security=[{"bearerAuth": []}])(wrapped)
        for status, what in (
            (401, "No token, or an invalid, expired or revoked one"),
            (403, "The token lacks the scope"),
            (429, "Rate limit reached"),
        ):
            wrapped = blp.alt_response(status, schema=ApiErrorSchema, description=what)(wrapped)
        return wrapped

    return decorator


def init_app(app, blueprints) -> None:
    """Wire the API into `app`: its OpenAPI document, its rate limiter (per token and per
    address, on the API's blueprints only) and the given blueprints."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    api = OneWindowApi(spec_kwargs={"info": {"description": API_DESCRIPTION}})
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token"}
    )
    limiter = Limiter(key_func=get_remote_address)
    for blp in blueprints:
        # One budget per token (and per address) across every endpoint of the API.
        limiter.shared_limit(_config_limit("API_RATE_LIMIT"), "api-token", key_func=_token_key)(blp)
        limiter.shared_limit(
            _config_limit("API_ADDRESS_RATE_LIMIT"), "api-address", key_func=get_remote_address
        )(blp)
    limiter.init_app(app)
    for blp in blueprints:
        api.register_blueprint(blp)
    app.extensions["onewindow_api"] = api
