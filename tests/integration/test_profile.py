"""My account, the use cases (app/services/profile.py) called directly: password change,
contact details and language, each with every refusal, repeats and races."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.models import DeliveryStatus, LoginThrottle, Notification, Role, User
from app.services import accounts, notifications, profile
from app.services.passwords import hash_password

CITIZEN = "13800138000"
NEW = "Fresh2024pw"


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _errors(call) -> dict:
    with pytest.raises(ValidationFailed) as info:
        call()
    return info.value.errors


# ---------------------------------------------------------------- password


def test_password_change_replaces_the_password_and_ends_other_sessions(ctx, wait_jobs):
    user = _user(CITIZEN)
    old_hash, old_id = user.password_hash, user.get_id()
    assert profile.change_password(user, "Demo12345", NEW, NEW) is True
    db.session.expire_all()
    user = _user(CITIZEN)
    assert user.password_hash != old_hash and user.password_hash.startswith("$argon2id$")
    assert user.session_version == 1
    # A session that logged in before carries the old id and is no longer loaded.
    from app.blueprints.auth import load_user

    assert load_user(old_id) is None
    assert load_user(user.get_id()) is user
    assert accounts.authenticate(CITIZEN, NEW, None) is user
    with pytest.raises(DomainError) as info:
        accounts.authenticate(CITIZEN, "Demo12345", None)
    assert info.value.code == "bad_credentials"
    # The owner hears of it, in the inbox and by SMS.
    note = db.session.execute(
        db.select(Notification).where(Notification.recipient_id == user.id)
    ).scalar_one()
    assert note.kind == "password_changed" and note.link == "/account"
    assert "密码" in note.title
    assert [(d.channel, d.address) for d in note.deliveries] == [("sms", CITIZEN)]
    wait_jobs()


def test_wrong_weak_mismatched_and_unchanged_passwords_are_refused(ctx):
    user = _user(CITIZEN)
    old_hash = user.password_hash
    assert set(_errors(lambda: profile.change_password(user, "", NEW, NEW))) == {"current_password"}
    assert set(_errors(lambda: profile.change_password(user, "Demo12345", "short1", "short1"))) == {
        "new_password"
    }
    assert set(
        _errors(lambda: profile.change_password(user, "Demo12345", "onlyletters", "onlyletters"))
    ) == {"new_password"}
    assert set(_errors(lambda: profile.change_password(user, "Demo12345", NEW, NEW + "x"))) == {
        "confirm_password"
    }
    assert set(
        _errors(lambda: profile.change_password(user, "Demo12345", "Demo12345", "Demo12345"))
    ) == {"new_password"}
    errors = _errors(lambda: profile.change_password(user, "Wrong12345", NEW, NEW))
    assert set(errors) == {"current_password"}
    assert "当前密码不正确" in str(errors["current_password"])
    db.session.expire_all()
    user = _user(CITIZEN)
    assert user.password_hash == old_hash and user.session_version == 0
    assert db.session.execute(db.select(Notification)).first() is None


def test_guessing_the_current_password_is_throttled(ctx, app):
    user = _user(CITIZEN)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _errors(lambda: profile.change_password(user, "Guess12345", NEW, NEW))
    with pytest.raises(DomainError) as info:  # even the right one, while locked
        profile.change_password(user, "Demo12345", NEW, NEW)
    assert info.value.code == "locked" and info.value.field == "current_password"
    assert "分钟" in str(info.value.message)
    db.session.expire_all()
    assert accounts.authenticate(CITIZEN, "Demo12345", None).session_version == 0
    # Unlocked again, a successful change clears the count.
    db.session.execute(update(LoginThrottle).values(locked_until=None, failures=2))
    db.session.commit()
    assert profile.change_password(_user(CITIZEN), "Demo12345", NEW, NEW) is True
    assert db.session.get(LoginThrottle, f"pw:{user.id}") is None


def test_the_same_password_form_after_it_went_through_changes_nothing_more(ctx):
    user = _user(CITIZEN)
    assert profile.change_password(user, "Demo12345", NEW, NEW) is True
    # The old "current" password is wrong now, and it counts as a wrong guess even though
    # the new one matches: otherwise a session could test passwords without a limit.
    assert set(_errors(lambda: profile.change_password(user, "Demo12345", NEW, NEW))) == {
        "current_password"
    }
    db.session.expire_all()
    user = _user(CITIZEN)
    assert user.session_version == 1
    assert db.session.get(LoginThrottle, f"pw:{user.id}").failures == 1
    assert len(db.session.execute(db.select(Notification)).all()) == 1


def test_a_concurrent_password_change_is_refused_not_overwritten(ctx):
    user = _user(CITIZEN)
    assert user.session_version == 0  # read before the other change
    with db.engine.begin() as conn:  # another request changes the password meanwhile
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=hash_password("Other2024pw"), session_version=1)
        )
    with pytest.raises(Conflict):
        profile.change_password(user, "Demo12345", NEW, NEW)
    db.session.expire_all()
    assert accounts.authenticate(CITIZEN, "Other2024pw", None).session_version == 1


def test_the_same_form_sent_twice_at_once_is_one_change(ctx):
    user = _user(CITIZEN)
    assert user.session_version == 0  # both requests read the account first
    with db.engine.begin() as conn:  # the other request's change lands first
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=hash_password(NEW), session_version=1)
        )
    assert profile.change_password(user, "Demo12345", NEW, NEW) is False
    db.session.expire_all()
    assert _user(CITIZEN).session_version == 1


# ---------------------------------------------------------------- contact details


def test_citizen_changes_mobile_and_email_and_logs_in_with_the_new_number(ctx):
    user = _user(CITIZEN)
    assert (
        profile.update_contact(user, "  Zhang.San@Example.CN ", "13911112222", "Demo12345") is True
    )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.email, user.mobile, user.username) == (
        "zhang.san@example.cn",
        "13911112222",
        "13911112222",
    )
    assert accounts.authenticate("13911112222", "Demo12345", None) is user
    assert accounts.find_login(CITIZEN) is None  # the old number no longer logs in
    # The same form again changes nothing and is not an error.
    assert profile.update_contact(user, "zhang.san@example.cn", "13911112222") is False
    # Empty e-mail: no more e-mail notifications.
    assert profile.update_contact(user, "", "13911112222") is True
    db.session.expire_all()
    assert db.session.get(User, user.id).email is None


def test_bad_contact_details_are_all_reported_and_nothing_is_saved(ctx):
    user = _user(CITIZEN)
    errors = _errors(lambda: profile.update_contact(user, "not-an-address", "1380013800"))
    assert set(errors) == {"email", "mobile"}
    assert "name@example.com" in str(errors["email"])
    assert set(_errors(lambda: profile.update_contact(user, "a@b.cn", ""))) == {"mobile"}
    assert set(_errors(lambda: profile.update_contact(user, "a@b.cn", "23800138000"))) == {"mobile"}
    db.session.expire_all()
    user = _user(CITIZEN)
    assert (user.email, user.mobile) == (None, CITIZEN)


def test_another_accounts_mobile_number_is_refused(ctx):
    other = User(
        role=Role.CITIZEN,
        username="13922223333",
        real_name="李四",
        id_number="110105199003077657",
        mobile="13922223333",
        password_hash=hash_password("Demo12345"),
    )
    db.session.add(other)
    db.session.commit()
    user = _user(CITIZEN)
    errors = _errors(lambda: profile.update_contact(user, "", "13922223333"))
    assert "另一个账户" in str(errors["mobile"])
    clerk = _user("clerk_tax")
    assert "mobile" in _errors(lambda: profile.update_contact(clerk, "", "13922223333"))
    db.session.expire_all()
    assert _user(CITIZEN).mobile == CITIZEN


def test_a_number_taken_by_a_concurrent_change_gets_the_same_friendly_error(ctx):
    user = _user(CITIZEN)

    raced = []

    def rival_takes_it(session, *_):  # between our check and our write, once
        if raced:
            return
        raced.append(True)
        with db.engine.begin() as conn:
            conn.execute(
                insert(User).values(
                    role=Role.CITIZEN,
                    username="13933334444",
                    real_name="王五",
                    mobile="13933334444",
                    password_hash="x",
                )
            )

    event.listen(Session, "before_flush", rival_takes_it)
    try:
        errors = _errors(lambda: profile.update_contact(user, "", "13933334444", "Demo12345"))
    finally:
        event.remove(Session, "before_flush", rival_takes_it)
    assert raced
    assert "另一个账户" in str(errors["mobile"])
    db.session.expire_all()
    assert _user(CITIZEN).mobile == CITIZEN
    assert _user("13933334444").real_name == "王五"


def test_changing_the_mobile_number_needs_the_current_password(ctx, app):
    user = _user(CITIZEN)
    assert set(_errors(lambda: profile.update_contact(user, "a@b.cn", "13966667777"))) == {
        "contact_password"
    }
    errors = _errors(lambda: profile.update_contact(user, "a@b.cn", "13966667777", "Wrong12345"))
    assert set(errors) == {"contact_password"} and "当前密码不正确" in str(
        errors["contact_password"]
    )
    db.session.expire_all()
    user = _user(CITIZEN)
    assert (user.mobile, user.email) == (CITIZEN, None)  # nothing saved
    assert db.session.get(LoginThrottle, f"pw:{user.id}").failures == 1  # counted as a guess
    # The e-mail alone needs no password; guessing is throttled like the password form.
    assert profile.update_contact(user, "a@b.cn", CITIZEN) is True
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):  # one wrong guess was made above
        _errors(lambda: profile.update_contact(user, "a@b.cn", "13966667777", "Wrong12345"))
    with pytest.raises(DomainError) as info:
        profile.update_contact(user, "a@b.cn", "13966667777", "Demo12345")
    assert info.value.code == "locked"


def test_staff_may_have_no_mobile_and_keep_their_login_name(ctx):
    clerk = _user("clerk_tax")
    assert profile.update_contact(clerk, "tax.clerk@gov.example.cn", "") is True
    assert (
        profile.update_contact(clerk, "tax.clerk@gov.example.cn", "13944445555", "Demo12345")
        is True
    )
    db.session.expire_all()
    clerk = _user("clerk_tax")
    assert (clerk.mobile, clerk.email) == ("13944445555", "tax.clerk@gov.example.cn")
    assert profile.update_contact(clerk, "", "", "Demo12345") is True
    db.session.expire_all()
    clerk = _user("clerk_tax")
    assert (clerk.mobile, clerk.email, clerk.username) == (None, None, "clerk_tax")
    assert accounts.authenticate("clerk_tax", "Demo12345", None) is clerk


def test_notifications_go_to_the_contact_details_of_the_moment(ctx, wait_jobs):
    user = _user(CITIZEN)
    profile.update_contact(user, "first@example.cn", CITIZEN)
    profile.update_contact(user, "second@example.cn", "13955556666", "Demo12345")
    note = notifications.send(user, "notice", lambda: ("标题", "正文"))
    db.session.commit()
    assert sorted((d.channel, d.address) for d in note.deliveries) == [
        ("email", "second@example.cn"),
        ("sms", "13955556666"),
    ]
    wait_jobs()
    db.session.expire_all()
    sent = db.session.get(Notification, note.id).deliveries
    assert {(d.address, d.status) for d in sent} == {
        ("second@example.cn", DeliveryStatus.SENT),
        ("13955556666", DeliveryStatus.SENT),
    }
    profile.update_contact(user, "", "13955556666")  # no e-mail: no e-mail notifications
    note = notifications.send(user, "notice", lambda: ("标题二", "正文"))
    db.session.commit()
    assert [d.channel for d in note.deliveries] == ["sms"]
    wait_jobs()


# ---------------------------------------------------------------- language


def test_language_is_kept_for_pages_and_notifications(ctx, wait_jobs):
    user = _user(CITIZEN)
    assert set(_errors(lambda: profile.set_language(user, "fr"))) == {"language"}
    assert profile.set_language(user, "en") is True
    assert profile.set_language(user, "en") is False
    db.session.expire_all()
    user = _user(CITIZEN)
    assert user.preferred_locale == "en"
    profile.change_password(user, "Demo12345", NEW, NEW)
    note = db.session.execute(db.select(Notification)).scalar_one()
    assert note.title == "Your password was changed"
    wait_jobs()
