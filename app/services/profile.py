"""My account (我的账户): what a signed-in user changes on their own account.

Logging out (which ends every session of the account), the password (which ends the
account's other sessions), the contact details notifications go to (mobile number, e-mail)
and the preferred language. The identity — real name and ID
number — comes from real-name verification and is not changed here. The rules for a mobile
number, an e-mail address and a password are registration's (`app/services/accounts.py`).

Each function reports every problem of its form at once (ValidationFailed, field -> message)
and commits. Sending the same form twice is harmless: the second time there is nothing to
change and the function says so by returning False.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app import uow
from app.domain import events
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.models import LoginThrottle, User, utcnow
from app.services import accounts
from app.services.passwords import hash_password, password_problem, verify_password

log = logging.getLogger(__name__)

MOBILE_TAKEN = _l("This mobile number belongs to another account. Enter a number of your own.")


class _CurrentPassword:
    """Checks the account's current password for a form, throttled like log-ins: after
    LOGIN_MAX_FAILURES wrong ones the forms that need it are locked for a while."""

    def __init__(self, user: User, field: str) -> None:
        self.user, self.field = user, field
        self.key = f"pw:{user.id}"
        self.throttle = db.session.get(LoginThrottle, self.key)

    def refuse_while_locked(self) -> None:
        """DomainError('locked') on *field* while too many wrong passwords were typed."""
        minutes = accounts.locked_minutes([self.throttle], utcnow())
        if minutes:
            raise DomainError(
                "locked",
                _l(
                    "The current password was typed wrong too often. "
                    "Try again in %(minutes)d minutes.",
                    minutes=minutes,
                ),
                field=self.field,
            )

    def verify(self, password: str, errors: dict | None = None) -> None:
        """Nothing if *password* is right; else count a wrong guess (kept after the
        rollback) and raise ValidationFailed with *errors* and this field's message."""
        if verify_password(self.user.password_hash, password):
            return
        accounts.record_failures({self.key: self.throttle}, [self.key], utcnow())
        raise ValidationFailed(
            {
                **(errors or {}),
                self.field: _l(
                    "The current password is wrong. Type the password you log in with now."
                ),
            }
        )

    def forget_guesses(self) -> None:
        """A right password: the count of wrong ones starts again (flushed by the caller)."""
        if self.throttle is not None:
            db.session.delete(self.throttle)


@uow.use_case
def change_password(user: User, current: str, new: str, confirm: str) -> bool:
    """Replace `user`'s password after checking the current one.

    The new password must pass the policy (`password_problem`), typed the same twice and differ
    from the current one. Wrong current passwords are throttled like log-ins. On success
    `session_version` goes up, so every other session of the account is logged out (the
    caller logs the current session in again) and the user is told in their inbox and by
    SMS. Returns False, changing nothing, when a concurrent request (the same form sent
    twice at once) already set `new`. Raises ValidationFailed, DomainError('locked') or
    Conflict.
    """
    current, new, confirm = current or "", new or "", confirm or ""
    guard = _CurrentPassword(user, "current_password")
    guard.refuse_while_locked()
    errors: dict = {}
    if not current:
        errors["current_password"] = _l("Enter your current password.")
    personal = (user.real_name, user.id_number, user.mobile, user.username, user.email)
    if problem := password_problem(new, personal):
        errors["new_password"] = problem
    elif new != confirm:
        errors["confirm_password"] = _l(
            "The two new passwords differ. Type the same password twice."
        )
    if errors:
        raise ValidationFailed(errors)
    # A wrong one counts even when `new` is the password now (the same form after it went
    # through): an answer that told those apart would let a session test passwords
    # unthrottled. A second click lands here only after the first one ended this session.
    guard.verify(current)
    if new == current:
        raise ValidationFailed(
            {
                "new_password": _l(
                    "The new password is the same as the current one. Choose a different one."
                )
            }
        )
    seen = user.session_version or 0
    # Only if nobody changed the account since it was read: of two concurrent changes one
    # wins, the other is told to try again (and would then need the winner's password).
    done = db.session.execute(
        update(User)
        .where(User.id == user.id, User.session_version == seen)
        .values(
            password_hash=hash_password(new),
            session_version=seen + 1,
            must_change_password=False,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        uow.rollback()
        db.session.refresh(user)
        if verify_password(user.password_hash, new):
            return False  # the same form, sent twice at once: the other one changed it
        raise Conflict(
            "account_changed",
            _l(
                "Your account was changed at the same moment "
                "elsewhere. Reload the page and try again."
            ),
        )
    guard.forget_guesses()
    db.session.flush()
    db.session.refresh(user)
    _tell_password_changed(user)
    log.info("user %s changed their password; other sessions ended", user.id)
    return True


def _tell_password_changed(user: User) -> None:
    """A notice in the inbox (and by SMS/e-mail): if it was not them, they hear of it."""
    from app.services import notifications

    notifications.send(
        user,
        "password_changed",
        lambda: (
            _("Your password was changed"),
            _(
                "The password of your OneWindow account was changed and your other sessions were "
                "logged out. If you did not do this, contact the service hotline at once."
            ),
        ),
        link=current_app.url_map.bind("localhost").build("account.index"),
    )


@uow.use_case
def update_contact(user: User, email: str, mobile: str, password: str = "") -> bool:
    """Set `user`'s e-mail address and mobile number, checked as at registration.

    An empty e-mail address means no notifications by e-mail. Citizens log in with their
    mobile number and must keep one; when a citizen's login name is their mobile number it
    follows the new number. Staff may have none. A number of another account is refused,
    also when a concurrent change takes it first. Changing the mobile number needs the
    current `password` (wrong ones are throttled like log-ins): it is the citizen's login
    name, so a borrowed or stolen session must not be able to take the account over.
    Returns False if nothing changed.
    """
    email = (email or "").strip().lower()
    mobile = (mobile or "").strip()
    errors: dict = {}
    if email_problem := accounts.email_problem(email):
        errors["email"] = email_problem
    if mobile or user.is_citizen:
        if mobile_problem := accounts.mobile_problem(mobile):
            errors["mobile"] = mobile_problem
    if mobile and "mobile" not in errors and mobile != user.mobile:
        taken = db.session.execute(
            db.select(User.id).where(
                User.id != user.id, (User.mobile == mobile) | (User.username == mobile)
            )
        ).first()
        if taken:
            errors["mobile"] = MOBILE_TAKEN
    if "mobile" not in errors and (mobile or None) != user.mobile:
        guard = _CurrentPassword(user, "contact_password")
        guard.refuse_while_locked()
        if not password:
            errors["contact_password"] = _l(
                "Enter your current password to change the mobile number."
            )
        else:
            guard.verify(password, errors)
    if errors:
        raise ValidationFailed(errors)
    if (email or None) == user.email and (mobile or None) == user.mobile:
        return False
    if user.is_citizen and mobile and user.username == user.mobile:
        user.username = mobile
    user.email, user.mobile = email or None, mobile or None
    try:
        db.session.flush()
    except IntegrityError as exc:  # another account took the number between check and now
        raise ValidationFailed({"mobile": MOBILE_TAKEN}) from exc
    log.info("user %s changed their contact details", user.id)
    return True


@uow.use_case
def set_language(user: User, code: str) -> bool:
    """Remember `code` as the language of `user`'s pages and notifications.

    Returns False if it already was; raises ValidationFailed for a language the portal
    does not offer."""
    if code not in current_app.config["LANGUAGES"]:
        raise ValidationFailed({"language": _l("Choose one of the languages offered.")})
    if user.preferred_locale == code:
        return False
    user.preferred_locale = code
    return True


@uow.use_case
def end_sessions(user: User) -> None:
    """Log `user` out everywhere: raising `session_version` makes every session cookie and
    remember-me cookie issued so far worthless (the user loader refuses them), also one
    copied from this browser before it logged out."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    log.info("user %s logged out; every session of the account ended", user.id)
    events.audited("logout", actor=user, object_type="user", object_id=user.id)
