"""Accounts: citizens register themselves; everyone logs in, with throttling against guessing."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import uow
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import LoginThrottle, Role, User, utcnow
from app.services import identity
from app.services.passwords import check_strength, hash_password, verify_password

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,63}$")
WEAK_PASSWORD = _l("Use at least 8 characters with both letters and digits.")


def mobile_problem(mobile: str):
    """What is wrong with a (stripped) mobile number, or None: 11 digits, mainland format."""
    if not MOBILE_RE.match(mobile or ""):
        return _l("Enter an 11-digit mainland mobile number.")
    return None


def email_problem(email: str):
    """What is wrong with a (stripped, lower-cased) e-mail address, or None. Empty is fine."""
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        return _l("Enter an e-mail address like name@example.com, or leave it empty.")
    return None


@uow.use_case
def register_citizen(
    real_name: str, id_number: str, mobile: str, password: str, email: str = ""
) -> User:
    """Create a citizen account after checking every field; all errors are reported at once.

    `email` is optional: notifications are also sent there when given."""
    real_name = (real_name or "").strip()
    email = (email or "").strip().lower()
    id_number = (id_number or "").strip().upper()
    mobile = (mobile or "").strip()
    errors: dict = {}
    if not NAME_RE.match(real_name):
        errors["real_name"] = _l("Enter your real name as on your ID card.")
    id_problem = identity.resident_id_problem(id_number)
    if id_problem:
        errors["id_number"] = id_problem
    if mobile_problem(mobile):
        errors["mobile"] = mobile_problem(mobile)
    if email_problem(email):
        errors["email"] = email_problem(email)
    if not check_strength(password or ""):
        errors["password"] = WEAK_PASSWORD
    if not errors:
        taken = (
            db.session.execute(
                db.select(User).where(
                    (User.id_number == id_number)
                    | (User.mobile == mobile)
                    | (User.username == mobile)
                )
            )
            .scalars()
            .all()
        )
        for user in taken:
            if user.id_number == id_number:
                errors["id_number"] = _l(
                    "An account with this ID number already exists. Log in instead."
                )
            if user.mobile == mobile or user.username == mobile:
                errors["mobile"] = _l("This mobile number is already registered. Log in instead.")
    if errors:
        raise ValidationFailed(errors)
    user = User(
        role=Role.CITIZEN,
        username=mobile,
        real_name=real_name,
        id_number=id_number,
        mobile=mobile,
        email=email or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationFailed(
            {
                "id_number": _l(
                    "An account with this ID number or mobile "
                    "number already exists. Log in instead."
                )
            }
        ) from exc
    return user


def find_login(login: str) -> User | None:
    """The user whose username, mobile number or ID number is `login`."""
    login = (login or "").strip()
    if not login:
        return None
    return (
        db.session.execute(
            db.select(User).where(
                (User.username == login)
                | (User.mobile == login)
                | (User.id_number == login.upper())
            )
        )
        .scalars()
        .first()
    )


@uow.use_case
def authenticate(login: str, password: str, client_addr: str | None) -> User:
    """Check a login; raises DomainError('locked' | 'bad_credentials'), counting the failure."""
    keys = [f"u:{(login or '').strip().lower()[:140]}"]
    if client_addr:
        keys.append(f"ip:{client_addr[:140]}")
    now = utcnow()
    rows = {k: db.session.get(LoginThrottle, k) for k in keys}
    minutes = locked_minutes(rows.values(), now)
    if minutes:
        raise DomainError(
            "locked",
            _l("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes),
        )
    user = find_login(login)
    if user is None or not user.active or not verify_password(user.password_hash, password or ""):
        record_failures(rows, keys, now)
        raise DomainError("bad_credentials", _l("Wrong login name or password."))
    for key, row in rows.items():
        if row and key.startswith("u:"):
            db.session.delete(row)
    return user


def locked_minutes(rows, now) -> int | None:
    """In how many minutes (rounded up) the throttle `rows` let one try again, or None."""
    until = max(
        (row.locked_until for row in rows if row and row.locked_until and row.locked_until > now),
        default=None,
    )
    if until is None:
        return None
    return max(1, int((until - now).total_seconds() // 60) + 1)


def record_failures(rows: dict, keys: list[str], now) -> None:
    """Count one failed attempt on each throttle key (locking it at the limit) once the
    failing use case has been rolled back: the count survives the error that follows."""
    uow.on_failure(lambda: _count_failures(keys, now))


def _count_failures(keys: list[str], now) -> None:
    cfg = current_app.config
    for key in keys:
        row = db.session.get(LoginThrottle, key) or LoginThrottle(key=key, failures=0)
        if row.locked_until and row.locked_until <= now:
            row.failures = 0
            row.locked_until = None
        row.failures += 1
        limit = cfg["LOGIN_MAX_FAILURES"] * (4 if key.startswith("ip:") else 1)
        if row.failures >= limit:
            row.locked_until = now + timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
        row.updated_at = now
        db.session.add(row)


def create_staff(
    username: str, real_name: str, password: str, role: Role, department=None, is_lead: bool = False
) -> User:
    """Create (or return the existing) clerk or administrator account. Does not commit."""
    user = db.session.execute(db.select(User).where(User.username == username)).scalar()
    if user is None:
        user = User(
            username=username,
            real_name=real_name,
            role=role,
            password_hash=hash_password(password),
            department=department,
            is_lead=is_lead,
        )
        db.session.add(user)
    return user
