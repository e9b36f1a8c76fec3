"""Hostile input at the web edge: redirects, headers, sessions, log-in guessing, passwords,
out-of-range ids, control characters, file names and oversize requests each get a safe,
clear answer (never another host, never a 500, never a raw server page)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "%2F%2Fevil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_the_site(client, target):
    client.get("/login")
    resp = client.post(f"/login?next={target}", {"login": "13800138000", "password": "Demo12345"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/cases"


def test_login_follows_a_local_next(client):
    client.get("/login")
    resp = client.post(
        "/login?next=/notifications/%3Fpage%3D2", {"login": "13800138000", "password": "Demo12345"}
    )
    assert resp.headers["Location"] == "/notifications/?page=2"


def test_back_redirect_ignores_a_foreign_or_tricky_referrer(client):
    for referrer in (
        "https://evil.example/login",
        "http://localhost\t/x",
        "http://localhost.evil/",
    ):
        resp = client.get("/lang/en", headers={"Referer": referrer})
        assert resp.headers["Location"] == "/", referrer
    resp = client.get("/lang/en", headers={"Referer": "http://localhost/services?x=1"})
    assert resp.headers["Location"] == "/services?x=1"


def test_pages_send_a_strict_content_security_policy_and_refuse_framing(client):
    resp = client.get("/login")
    csp = dict(
        part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";")
    )
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_templates_hold_no_inline_script_style_or_handlers():
    """The CSP above allows no inline code: a template that adds some would break."""
    import re
    from pathlib import Path

    inline = re.compile(r"<style|\sstyle=|\son[a-z]+=|javascript:|<script(?![^>]*\s(src|type)=)")
    root = Path(__file__).resolve().parents[2] / "app" / "templates"
    found = [
        f"{path.relative_to(root)}: {m.group(0)}"
        for path in root.rglob("*.html")
        for m in inline.finditer(path.read_text())
    ]
    assert found == []


def test_cookies_are_secure_when_the_portal_is_public_over_https(app, demo):
    from app import create_app
    from tests.conftest import Client

    secure = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        PUBLIC_URL="https://onewindow.example.gov.cn",
    )
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    browser = Client(secure)
    browser.get("/login", base_url="https://localhost")
    resp = browser.post(
        "/login",
        {"login": "13800138000", "password": "Demo12345"},
        base_url="https://localhost",
    )
    (cookie,) = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "; Secure" in cookie and "; HttpOnly" in cookie
    plain = Client(app).get("/login")
    (cookie,) = [c for c in plain.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" not in cookie


def test_a_cookie_copied_before_logout_is_refused_after_it(client, make_client):
    client.login("13800138000")
    copied = client.http.get_cookie("session").value
    other_device = make_client()
    other_device.login("13800138000")
    assert client.get("/cases").status_code == 200
    client.logout()
    thief = make_client()
    thief.http.set_cookie("session", copied)
    resp = thief.get("/cases")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    # Logging out ends the account's sessions on every device (see auth.logout).
    assert other_device.get("/cases").status_code == 302
    client.login("13800138000")
    assert client.get("/cases").status_code == 200


def _id_number_of(app, mobile="13800138000"):
    with app.app_context():
        return db.session.execute(db.select(User.id_number).where(User.mobile == mobile)).scalar()


def test_a_locked_account_is_locked_under_its_id_number_too(client, app):
    id_number = _id_number_of(app)
    client.get("/login")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login", {"login": "13800138000", "password": "x"}).status_code == 401
    resp = client.post("/login", {"login": id_number.lower(), "password": "Demo12345"})
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert "分钟" in body or "minutes" in body


def _attempt(client, login, password, addr):
    return client.post(
        "/login", {"login": login, "password": password}, environ_base={"REMOTE_ADDR": addr}
    )


def test_an_address_has_a_windowed_budget_of_failures(client, app, monkeypatch):
    from datetime import timedelta

    from app.services import accounts

    client.get("/login")
    budget = app.config["LOGIN_IP_MAX_FAILURES"]
    for n in range(budget):  # a different (unknown) account each time: no account lock
        assert _attempt(client, f"1390000{n:04d}", "x", "203.0.113.9").status_code == 401
    assert _attempt(client, "13800138000", "Demo12345", "203.0.113.9").status_code == 401
    assert _attempt(client, "13800138000", "Demo12345", "198.51.100.7").status_code == 302
    client.logout()
    later = accounts.utcnow() + timedelta(seconds=app.config["LOGIN_IP_WINDOW_SECONDS"])
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    client.get("/login")
    assert _attempt(client, "13800138000", "Demo12345", "203.0.113.9").status_code == 302


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app, demo):
    from app import create_app
    from tests.conftest import Client

    def spend_budget(application):
        browser = Client(application)
        browser.get("/login")
        for n in range(application.config["LOGIN_IP_MAX_FAILURES"]):
            forwarded = {"X-Forwarded-For": f"192.0.2.{n}"}
            browser.post("/login", {"login": f"1390000{n:04d}", "password": "x"}, headers=forwarded)
        resp = browser.post(
            "/login",
            {"login": "13800138000", "password": "Demo12345"},
            headers={"X-Forwarded-For": "192.0.2.200"},
        )
        return resp.status_code

    assert spend_budget(app) == 401  # a client cannot pick a fresh address per guess
    proxied = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        TRUSTED_PROXIES=1,
    )
    assert spend_budget(proxied) == 302  # behind the proxy: each client is its own address


def test_unknown_accounts_cost_a_password_check_like_real_ones(client, monkeypatch):
    from app.services import passwords

    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: checks.append(h) or real(h, p))
    client.get("/login")
    assert _attempt(client, "13999999999", "Guess12345", "192.0.2.1").status_code == 401
    assert len(checks) == 1 and checks[0].startswith("$argon2id$")


def test_registration_does_not_say_which_number_has_an_account(client, app):
    id_number = _id_number_of(app)
    from tests.integration.test_auth import REG

    client.get("/register")
    by_mobile = client.post("/register", dict(REG, mobile="13800138000"))
    by_id = client.post("/register", dict(REG, id_number=id_number, mobile="13700000001"))
    assert by_mobile.status_code == by_id.status_code == 400

    def error_text(resp):
        import re

        return re.findall(r"invalid-feedback[^>]*>([^<]*)<", resp.get_data(as_text=True))

    assert error_text(by_mobile) == error_text(by_id) != []
    for _ in range(app.config["LOGIN_IP_MAX_FAILURES"]):
        client.post("/register", dict(REG, mobile="13800138000"))
    resp = client.post("/register", dict(REG, mobile="13700000002"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and ("分钟" in body or "minutes" in body)


@pytest.mark.parametrize(
    "password", ["password1", "Password123", "qwerty123", "Abcd1234", "Passw0rd", "13912345678a"]
)
def test_common_and_personal_passwords_are_refused_at_registration(client, app, password):
    from tests.integration.test_auth import REG

    client.get("/register")
    resp = client.post("/register", dict(REG, password=password, password2=password))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "容易被猜到" in body or "too easy to guess" in body
    with app.app_context():
        assert (
            db.session.execute(db.select(User).where(User.mobile == REG["mobile"])).scalar() is None
        )


def test_passwords_longer_than_128_characters_are_refused(client, ctx):
    from app.services import profile
    from app.services.errors import ValidationFailed

    user = db.session.execute(db.select(User).where(User.mobile == "13800138000")).scalar_one()
    long_one = "Aa1" + "x7Q" * 50_000
    with pytest.raises(ValidationFailed) as refused:
        profile.change_password(user, "Demo12345", long_one, long_one)
    assert "128" in str(refused.value.errors["new_password"])
    ok = "Qingdao-harbour-7" + "z" * 100
    assert profile.change_password(user, "Demo12345", ok, ok) is True
