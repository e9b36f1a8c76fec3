"""The systems that may call the API, their tokens and scopes, and the record of each call.

An administrator registers a system (`create_client`) and gives it tokens (`create_token`):
the token is shown once, and only its SHA-256 and its first characters (`prefix`) are kept.
A token carries scopes — `certificates:verify`, `cases:read`, `tasks:read:<department>`
(`tasks:read:*` for every department), `webhooks:manage` — and an expiry; it can be revoked.
`authenticate` turns an `Authorization: Bearer …` value into the token or refuses it
(`ApiAuthFailed`, 401); `require_scope` refuses a token without the scope (403). Every call
is written to the audit trail (`record_call`, action `api_call`) with the system, the
endpoint and the answer's status.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import uow
from app.domain import events
from app.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from app.domain.events import Audited
from app.extensions import db
from app.models import ApiClient, ApiToken, Department, User, utcnow

SCOPE_VERIFY = "certificates:verify"
SCOPE_CASES = "cases:read"
SCOPE_WEBHOOKS = "webhooks:manage"
TASKS_SCOPE_PREFIX = "tasks:read:"
FIXED_SCOPES = (SCOPE_VERIFY, SCOPE_CASES, SCOPE_WEBHOOKS)
TOKEN_PREFIX_LENGTH = 11  # "ow_" and 8 hex digits: enough to tell tokens apart, nothing more
MAX_TOKEN_DAYS = 730
DEFAULT_TOKEN_DAYS = 365
AUDIT_ROLE = "api_system"  # the actor role of API calls in the audit trail


class ApiAuthFailed(DomainError):
    """No token, an unknown one, or one expired or revoked."""

    status = 401


def tasks_scope(department_code: str) -> str:
    """The scope that reads the open tasks of one department."""
    return f"{TASKS_SCOPE_PREFIX}{department_code}"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_scopes(scopes) -> list[str]:
    """The scopes, cleaned; ValidationFailed names an unknown one."""
    cleaned = sorted({s.strip() for s in scopes if s and s.strip()})
    if not cleaned:
        raise ValidationFailed({"scopes": _l("Choose at least one scope.")})
    codes = set(db.session.execute(select(Department.code)).scalars())
    for scope in cleaned:
        department = scope[len(TASKS_SCOPE_PREFIX) :]
        if scope in FIXED_SCOPES or (
            scope.startswith(TASKS_SCOPE_PREFIX) and (department == "*" or department in codes)
        ):
            continue
        raise ValidationFailed({"scopes": _l("Unknown scope: %(scope)s", scope=scope)})
    return cleaned


def scope_choices() -> list[str]:
    """Every scope a token can be given (the fixed ones and one per department)."""
    codes = db.session.execute(select(Department.code).order_by(Department.code)).scalars()
    return [*FIXED_SCOPES, tasks_scope("*"), *(tasks_scope(code) for code in codes)]


def find_client(name_or_id) -> ApiClient:
    """The system with this id or name; NotFound otherwise."""
    client = None
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        client = db.session.get(ApiClient, int(name_or_id))
    if client is None:
        client = db.session.execute(
            select(ApiClient).where(ApiClient.name == str(name_or_id).strip())
        ).scalar()
    if client is None:
        raise NotFound("no_api_client", _l("No such API system."))
    return client


@uow.use_case
def create_client(name: str, description: str = "", admin: User | None = None) -> ApiClient:
    """Register an outside system by a unique name."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed({"name": _l("Give the system a name of at most 64 characters.")})
    if db.session.execute(select(ApiClient.id).where(ApiClient.name == name)).first():
        raise ValidationFailed({"name": _l("A system with this name exists already.")})
    client = ApiClient(
        name=name,
        description=(description or "").strip()[:1000] or None,
        created_by_id=getattr(admin, "id", None),
    )
    db.session.add(client)
    db.session.flush()
    events.audited(
        "admin_change",
        actor=admin,
        object_type="api_client",
        object_id=client.id,
        details={"change": "api_client_created", "name": name},
    )
    return client


@uow.use_case
def create_token(
    client_ref, scopes, days: int = DEFAULT_TOKEN_DAYS, admin: User | None = None
) -> tuple[ApiToken, str]:
    """Give a system a new token; returns the row and the token itself, shown only now."""
    client = find_client(client_ref)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            {"days": _l("A token is valid for 1 to %(max)d days.", max=MAX_TOKEN_DAYS)}
        )
    scopes = _check_scopes(scopes)
    raw = f"ow_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        client_id=client.id,
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        token_hash=_digest(raw),
        scopes=scopes,
        expires_at=utcnow() + timedelta(days=days),
        created_by_id=getattr(admin, "id", None),
    )
    db.session.add(token)
    db.session.flush()
    events.audited(
        "admin_change",
        actor=admin,
        object_type="api_token",
        object_id=token.prefix,
        details={"change": "api_token_created", "system": client.name, "scopes": scopes},
    )
    return token, raw


@uow.use_case
def revoke_token(token_ref, admin: User | None = None) -> ApiToken:
    """Revoke a token (by id or prefix): it is refused from the next call on."""
    token = None
    if isinstance(token_ref, int) or str(token_ref).isdigit():
        token = db.session.get(ApiToken, int(token_ref))
    if token is None:
        token = db.session.execute(
            select(ApiToken).where(ApiToken.prefix == str(token_ref).strip())
        ).scalar()
    if token is None:
        raise NotFound("no_api_token", _l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        events.audited(
            "admin_change",
            actor=admin,
            object_type="api_token",
            object_id=token.prefix,
            details={"change": "api_token_revoked", "system": token.client.name},
        )
    return token


def authenticate(authorization: str | None) -> ApiToken:
    """The token an `Authorization: Bearer …` header carries; ApiAuthFailed otherwise."""
    scheme, _, raw = (authorization or "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise ApiAuthFailed(
            "missing_token", _l("Send the API token as 'Authorization: Bearer <token>'.")
        )
    token = db.session.execute(
        select(ApiToken).where(ApiToken.prefix == raw[:TOKEN_PREFIX_LENGTH])
    ).scalar()
    stored = token.token_hash if token is not None else "0" * 64
    if not hmac.compare_digest(stored, _digest(raw)) or token is None:
        raise ApiAuthFailed("invalid_token", _l("This API token is not valid."))
    if token.revoked_at is not None or not token.client.active:
        raise ApiAuthFailed("revoked_token", _l("This API token has been revoked."))
    if token.expires_at <= utcnow():
        raise ApiAuthFailed("expired_token", _l("This API token has expired."))
    return token


def has_scope(token: ApiToken, scope: str) -> bool:
    """Whether `token` grants `scope` (`tasks:read:*` grants every department's tasks)."""
    granted = set(token.scopes or ())
    if scope in granted:
        return True
    return scope.startswith(TASKS_SCOPE_PREFIX) and tasks_scope("*") in granted


def require_scope(token: ApiToken, scope: str) -> None:
    """Refuse (403) a token that does not grant `scope`."""
    if not has_scope(token, scope):
        raise Forbidden(
            "missing_scope", _l("This token lacks the scope %(scope)s.", scope=scope), scope=scope
        )


@uow.use_case
def record_call(
    token_id: int | None, method: str, endpoint: str, status: int, client_addr: str | None
) -> None:
    """Write one API call to the audit trail (and when its token was last used)."""
    token = db.session.get(ApiToken, token_id) if token_id else None
    name = token.client.name if token is not None else None
    if token is not None:
        token.last_used_at = utcnow()
    uow.record(
        Audited(
            action="api_call",
            actor_role=AUDIT_ROLE,
            actor_username=name or "(anonymous)",
            object_type="api",
            object_id=f"{method} {endpoint}",
            details={
                "system": name,
                "token": token.prefix if token is not None else None,
                "method": method,
                "endpoint": endpoint,
                "status": status,
            },
            client_addr=client_addr,
        )
    )


def clients() -> list[ApiClient]:
    """Every registered system, by name (the administrators' page)."""
    return list(db.session.execute(select(ApiClient).order_by(ApiClient.name)).scalars())
