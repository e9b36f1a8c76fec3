"""Accounts: citizens register themselves; everyone logs in, with throttling against guessing."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app import uow
from app.domain import events
from app.domain.errors import DomainError, ValidationFailed
from app.extensions import db
from app.models import LoginThrottle, Role, User, utcnow
from app.services import identity
from app.services.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_decoy,
    verify_password,
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,63}$")
NUMBER_TAKEN = _l("An account with this ID number or mobile number already exists. Log in instead.")


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
    real_name: str,
    id_number: str,
    mobile: str,
    password: str,
    email: str = "",
    client_addr: str | None = None,
) -> User:
    """Create a citizen account after checking every field; all errors are reported at once.

    `email` is optional: notifications are also sent there when given. A number that
    already has an account is refused without saying which one, and counts against
    `client_addr`'s log-in budget (see `authenticate`)."""
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
    if problem := password_problem(password, (real_name, id_number, mobile, email)):
        errors["password"] = problem
    if not errors:
        # Which of the two numbers has an account is not said, and each such answer counts
        # against the address's log-in budget (an address that spent it may not register
        # at all meanwhile): registration is no faster a way to learn who has an account
        # than guessing at the log-in form.
        now = utcnow()
        key = address_key(client_addr, now) if client_addr else None
        rows = {key: db.session.get(LoginThrottle, key)} if key else {}
        try:
            refuse_while_locked(rows, now)
        except DomainError as exc:
            raise ValidationFailed({"id_number": exc.message}) from None
        if _number_taken(id_number, mobile):
            if key:
                record_failures(rows, [key], now)
            errors["id_number"] = NUMBER_TAKEN
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
    except IntegrityError:  # a concurrent registration won the race
        raise ValidationFailed({"id_number": NUMBER_TAKEN}) from None
    events.audited(  # the new account is logged in at once
        "login", actor=user, object_type="user", object_id=user.id, details={"via": "register"}
    )
    return user


def _number_taken(id_number: str, mobile: str) -> bool:
    """Whether an account already has this ID number or mobile number (as its login)."""
    return (
        db.session.execute(
            db.select(User.id).where(
                (User.id_number == id_number) | (User.mobile == mobile) | (User.username == mobile)
            )
        ).first()
        is not None
    )


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
    """Check a login; raises DomainError('locked' | 'bad_credentials'), counting the failure.

    Two throttles: the *account* is locked for LOGIN_LOCK_SECONDS after LOGIN_MAX_FAILURES
    wrong passwords, whichever of its names (user name, mobile number, ID number) was typed
    (an unknown name is counted under the name itself, and answers alike); the client
    *address* has a budget of LOGIN_IP_MAX_FAILURES failures per LOGIN_IP_WINDOW_SECONDS
    window, so one address cannot guess across many accounts and an office behind one
    address is not locked out for longer than the window. Unknown and disabled accounts
    cost the same password check as real ones (`verify_decoy`)."""
    now = utcnow()
    user = find_login(login)
    account_key = f"acct:{user.id}" if user else f"u:{(login or '').strip().lower()[:140]}"
    keys = [account_key]
    if client_addr:
        keys.append(address_key(client_addr, now))
    rows = {k: db.session.get(LoginThrottle, k) for k in keys}
    try:
        refuse_while_locked(rows, now)
    except DomainError as exc:
        _audit_failed_login(user, login, client_addr, exc.code)
        raise
    if user is None:
        good = verify_decoy(password or "")
    else:
        good = verify_password(user.password_hash, password or "") and user.active
    if not good:
        record_failures(rows, keys, now)
        _audit_failed_login(user, login, client_addr, "bad_credentials")
        raise DomainError("bad_credentials", _l("Wrong login name or password."))
    if rows[account_key] is not None:
        db.session.delete(rows[account_key])
    if needs_rehash(user.password_hash):  # made with older parameters: upgrade it now
        user.password_hash = hash_password(password)
    events.audited(
        "login", actor=user, object_type="user", object_id=user.id, client_addr=client_addr
    )
    return user


def _audit_failed_login(user: User | None, login: str, client_addr: str | None, reason: str):
    """Record a refused log-in in the audit trail once the use case has been rolled back
    (`uow.on_failure`): the name typed (never the password) and why it was refused."""
    typed = (login or "").strip()[:64]
    uow.on_failure(
        partial(
            events.audited,
            "login_failed",
            actor=user,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            details={"login": typed, "reason": reason},
            client_addr=client_addr,
        )
    )


def address_key(client_addr: str, now) -> str:
    """The throttle key of a client address in the current budget window."""
    window = current_app.config["LOGIN_IP_WINDOW_SECONDS"]
    return f"ip:{client_addr[:100]}:{int(now.timestamp()) // window}"


def refuse_while_locked(rows: dict, now) -> None:
    """DomainError('locked') while an account is locked or an address spent its budget."""
    minutes = locked_minutes([r for k, r in rows.items() if not k.startswith("ip:")], now)
    for key, row in rows.items():
        if key.startswith("ip:") and row and row.failures >= _address_budget():
            window = current_app.config["LOGIN_IP_WINDOW_SECONDS"]
            ends = (int(key.rsplit(":", 1)[1]) + 1) * window - now.timestamp()
            minutes = max(minutes or 0, int(ends // 60) + 1)
    if minutes:
        raise DomainError(
            "locked",
            _l("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes),
        )


def _address_budget() -> int:
    return current_app.config["LOGIN_IP_MAX_FAILURES"]


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
    """Count one failed attempt on each throttle key (locking an account key at the limit;
    an address key only counts, within its window) once the failing use case has been
    rolled back: the count survives the error that follows (`uow.on_failure`).

    Counted in the database (insert-if-missing, then `failures + 1`), so parallel guesses
    are each counted and never collide on a new row."""
    new_windows = [k for k in keys if k.startswith("ip:") and rows.get(k) is None]
    uow.on_failure(partial(_count_failures, keys, new_windows, now))


def _count_failures(keys: list[str], new_windows: list[str], now) -> None:
    cfg = current_app.config
    insert = _upsert_insert()
    for key in keys:
        if key in new_windows:
            _forget_past_windows(now)
        db.session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        this = LoginThrottle.key == key
        db.session.execute(  # a lock that has ended starts the count again
            update(LoginThrottle)
            .where(this, LoginThrottle.locked_until <= now)
            .values(failures=0, locked_until=None)
        )
        db.session.execute(
            update(LoginThrottle)
            .where(this)
            .values(failures=LoginThrottle.failures + 1, updated_at=now)
        )
        if not key.startswith("ip:"):
            db.session.execute(
                update(LoginThrottle)
                .where(
                    this,
                    LoginThrottle.failures >= cfg["LOGIN_MAX_FAILURES"],
                    LoginThrottle.locked_until.is_(None),
                )
                .values(locked_until=now + timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"]))
            )


def _upsert_insert():
    """The INSERT construct with ON CONFLICT of the database in use (SQLite or PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _forget_past_windows(now) -> None:
    """Delete address counts of windows that have ended (they no longer limit anyone)."""
    window = timedelta(seconds=current_app.config["LOGIN_IP_WINDOW_SECONDS"])
    db.session.execute(
        db.delete(LoginThrottle).where(
            LoginThrottle.key.startswith("ip:"), LoginThrottle.updated_at < now - window
        )
    )


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
