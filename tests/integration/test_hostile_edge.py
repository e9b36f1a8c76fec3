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
