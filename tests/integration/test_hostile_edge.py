"""Hostile input at the web edge: redirects, headers, sessions, log-in guessing, passwords,
out-of-range ids, control characters, file names and oversize requests each get a safe,
clear answer (never another host, never a 500, never a raw server page)."""

from __future__ import annotations

import pytest


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
