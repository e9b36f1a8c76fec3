"""Registration, login, throttling, CSRF and language: through the Flask test client."""

from __future__ import annotations

from app.extensions import db
from app.models import Role, User

VALID_ID = "110105199003077657"  # check digit computed by GB 11643
REG = {
    "real_name": "李四",
    "id_number": VALID_ID,
    "mobile": "13912345678",
    "password": "Secret2024pw",
    "password2": "Secret2024pw",
}


def _id_with_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(a) * b for a, b in zip(first17, weights)) % 11]


def test_valid_id_fixture_is_really_valid():
    assert _id_with_check(VALID_ID[:17]) == VALID_ID


def test_citizen_registers_and_is_logged_in(client, app):
    client.get("/register")
    resp = client.post("/register", REG)
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.mobile == REG["mobile"])).scalar()
        assert user.role == Role.CITIZEN and user.id_number == VALID_ID
        assert user.password_hash.startswith("$argon2id$")
    page = client.get("/cases")
    assert page.status_code == 200 and "李四" in page.get_data(as_text=True)


def test_wrong_check_digit_is_refused_with_a_clear_message(client, app):
    bad = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    client.get("/register")
    resp = client.post("/register", dict(REG, id_number=bad))
    assert resp.status_code == 400
    assert "身份证号码" in resp.get_data(as_text=True) or "ID number" in resp.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(db.select(User).where(User.mobile == REG["mobile"])).scalar() is None
        )


def test_impossible_birth_date_is_refused(client):
    bad = _id_with_check("11010519900230765")  # 30 February
    client.get("/register")
    resp = client.post("/register", dict(REG, id_number=bad))
    assert resp.status_code == 400
    assert "19900230" in resp.get_data(as_text=True)


def test_duplicate_registration_is_refused(client, make_client):
    client.get("/register")
    assert client.post("/register", REG).status_code == 302
    other = make_client()
    other.get("/register")
    resp = other.post("/register", dict(REG, mobile="13700000000"))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "已存在" in body or "already exists" in body


def test_every_error_is_reported_at_once(client):
    client.get("/register")
    resp = client.post(
        "/register",
        {
            "real_name": "x",
            "id_number": "123",
            "mobile": "1",
            "password": "short",
            "password2": "short",
        },
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert body.count("invalid-feedback") >= 4


def test_login_lands_each_role_on_its_workspace(client):
    assert client.login("13800138000").headers["Location"].endswith("/cases")
    client.logout()
    assert client.login("clerk_tax").headers["Location"].endswith("/clerk/")
    client.logout()
    assert client.login("admin").headers["Location"].endswith("/admin/")


def test_login_is_throttled_after_repeated_failures(client, app):
    client.get("/login")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        resp = client.post("/login", {"login": "clerk_tax", "password": "wrong-password1"})
        assert resp.status_code == 401
    resp = client.post("/login", {"login": "clerk_tax", "password": "Demo12345"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 401
    assert "分钟" in body or "minutes" in body


def test_stale_csrf_token_is_refused_and_nothing_saved(client, app):
    client.get("/register")
    resp = client.post("/register", dict(REG, csrf_token="stale-token"))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "过期" in body or "expired" in body
    with app.app_context():
        assert (
            db.session.execute(db.select(User).where(User.mobile == REG["mobile"])).scalar() is None
        )


def test_language_switch_changes_the_page(client):
    zh = client.get("/login").get_data(as_text=True)
    client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    en = client.get("/login").get_data(as_text=True)
    assert "密码" in zh and "Password" not in zh
    assert "Password" in en and "密码" not in en


def test_a_language_chosen_before_logging_in_is_kept_and_remembered(client, app):
    client.get("/login")
    client.post("/lang/en", headers={"Referer": "http://localhost/login"})
    client.login("13800138000")  # the demo citizen's account says Chinese
    assert '<html lang="en">' in client.get("/cases").get_data(as_text=True)
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.mobile == "13800138000")).scalar()
        assert user.preferred_locale == "en"  # notifications follow the choice too
    client.logout()
    # the next person on this computer gets their own account's language, not the last one's
    client.login("clerk_tax")
    assert '<html lang="zh-CN">' in client.get("/clerk/").get_data(as_text=True)


def test_role_checks_on_views(client):
    client.login("13800138000")
    assert client.get("/clerk/").status_code == 403
    assert client.get("/admin/").status_code == 403
    client.logout()
    client.login("clerk_tax")
    assert client.get("/cases").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    resp = client.get("/cases")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_hash_made_with_old_parameters_is_upgraded_at_the_next_log_in(app, client):
    from argon2 import PasswordHasher

    from app.models import User
    from app.services import accounts, passwords

    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        old = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2).hash("Demo12345")
        user.password_hash = old
        db.session.commit()
        assert passwords.needs_rehash(old)
        accounts.authenticate("admin", "Demo12345", None)
        db.session.expire_all()
        upgraded = db.session.get(User, user.id).password_hash
        assert upgraded != old and not passwords.needs_rehash(upgraded)
        assert passwords.verify_password(upgraded, "Demo12345")
        db.session.remove()
