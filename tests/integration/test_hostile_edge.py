"""Hostile input at the web edge: redirects, headers, sessions, log-in guessing, passwords,
out-of-range ids, control characters, file names and oversize requests each get a safe,
clear answer (never another host, never a 500, never a raw server page)."""

from __future__ import annotations

from datetime import date

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
    from app.domain.errors import ValidationFailed
    from app.services import profile

    user = db.session.execute(db.select(User).where(User.mobile == "13800138000")).scalar_one()
    long_one = "Aa1" + "x7Q" * 50_000
    with pytest.raises(ValidationFailed) as refused:
        profile.change_password(user, "Demo12345", long_one, long_one)
    assert "128" in str(refused.value.errors["new_password"])
    ok = "Qingdao-harbour-7" + "z" * 100
    assert profile.change_password(user, "Demo12345", ok, ok) is True


BIG = 2**31


@pytest.mark.parametrize(
    "url",
    [
        f"/cases/{BIG}",
        f"/applications/{BIG}",
        f"/files/{BIG}",
        f"/files/{2**63}/preview",
        f"/notifications/{BIG}",
        f"/notifications/?page={BIG}",
        "/notifications/?page=0",
        "/notifications/?page=-1",
        "/notifications/?page=two",
    ],
)
def test_out_of_range_ids_and_pages_are_404(client, url):
    client.login("13800138000")
    assert client.get(url).status_code == 404


def test_in_range_pages_and_ids_still_work(client):
    client.login("13800138000")
    assert client.get("/notifications/?page=2").status_code == 200
    assert client.get(f"/cases/{BIG - 1}").status_code == 404  # in range, but no such case


def test_largest_id_in_a_url_is_the_largest_an_integer_column_holds(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/cases/{BIG - 1}")[1] == {"application_id": BIG - 1}
    with pytest.raises(Exception) as refused:
        adapter.match(f"/cases/{BIG}")
    assert getattr(refused.value, "code", None) == 404


@pytest.mark.parametrize("value", ["13800138000\x00", "a\x01b", "x\x7f"])
def test_control_characters_in_a_form_are_refused_with_a_message(client, value):
    client.get("/login")
    resp = client.post("/login", {"login": value, "password": "Demo12345"})
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "控制字符" in body or "control characters" in body


def test_control_characters_in_an_admin_form_save_nothing(client, app):
    from app.models import Holiday

    client.login("admin")
    client.get("/admin/holidays")
    resp = client.post("/admin/holidays", {"day": "2030-10-01", "name": "国庆\x00节"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.get(Holiday, date(2030, 10, 1)) is None
    ok = client.post("/admin/holidays", {"day": "2030-10-01", "name": "国庆节\r\n"})
    assert ok.status_code == 302


def test_line_breaks_and_tabs_are_still_accepted(client):
    client.get("/login")
    resp = client.post("/login", {"login": "13800138000\t", "password": "Demo12345"})
    assert resp.status_code == 302


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("营业执照.png", "营业执照.png"),
        ("lease\r\nSet-Cookie: x=1.png", "leaseSet-Cookie: x=1.png"),
        ("..\\..\\windows\\租赁合同.png", "租赁合同.png"),
        ("../../etc/passwd", "passwd"),
        ("photo\x00.png", "photo.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("...hidden.png", "hidden.png"),
        ("\r\n", "upload"),
        ("a" * 300 + ".png", "a" * 200),
    ],
)
def test_file_names_are_cleaned_and_keep_chinese(given, stored):
    from app.services.uploads import clean_filename

    assert clean_filename(given) == stored


def test_an_uploaded_file_with_a_line_break_in_its_name_stays_readable(app, client, wait_jobs):
    from app.models import Attachment
    from tests import journeys

    materials = journeys.make_materials()
    journeys.register(client, materials["person"])
    app_id = journeys.start_application(client)
    data = materials["files"]["lease"]
    client.get(f"/applications/{app_id}/materials")
    # Browsers escape CR/LF in a quoted filename, but RFC 2231's filename*= carries them.
    name = "%E7%A7%9F%E8%B5%81%0D%0A%E5%90%88%E5%90%8C%00.png"  # 租赁\r\n合同\0.png
    parts = [
        f'--X\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in (("csrf_token", client.token), ("slot", "lease"))
    ]
    parts.append(
        b'--X\r\nContent-Disposition: form-data; name="file"; filename="x.png"; '
        + f"filename*=UTF-8''{name}\r\nContent-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n--X--\r\n"
    )
    resp = client.http.post(
        f"/applications/{app_id}/materials",
        data=b"".join(parts),
        content_type="multipart/form-data; boundary=X",
    )
    assert resp.status_code == 302
    with app.app_context():
        att = db.session.execute(db.select(Attachment)).scalar_one()
        assert att.original_name == "租赁合同.png"
        att_id = att.id
    download = client.get(f"/files/{att_id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Security-Policy"].startswith("default-src 'none'")
    with app.app_context():  # a name stored before names were cleaned
        db.session.get(Attachment, att_id).original_name = "租赁\r\n合同.png"
        db.session.commit()
    download = client.get(f"/files/{att_id}")
    assert download.status_code == 200 and download.data == data


def test_a_get_of_the_language_link_does_not_change_the_account(client, app):
    from app.services.demo import DEMO_PASSWORD

    client.login("13800138000", DEMO_PASSWORD)
    client.get("/lang/en")  # e.g. an <img src> on another site
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.mobile == "13800138000")).scalar()
        assert user.preferred_locale != "en"
    page = client.get("/cases").get_data(as_text=True)
    assert 'formaction="/lang/zh"' in page  # the header switch is a form
    client.post("/lang/en")
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.mobile == "13800138000")).scalar()
        assert user.preferred_locale == "en"


def test_the_pixel_limit_message_names_the_real_limit(ctx):
    from PIL import Image

    from app.domain.errors import DomainError
    from app.services import uploads
    from ml.ocr.loading import MAX_PIXELS
    from tests.journeys import png_bytes

    side = int(MAX_PIXELS**0.5) + 2
    data = png_bytes(Image.new("1", (side, side)))
    with pytest.raises(DomainError) as refused:
        uploads.check_content(data, "big.png")
    assert refused.value.code == "too_many_pixels"
    assert f"{MAX_PIXELS // 1_000_000}" in str(refused.value.message)


def test_a_too_large_upload_gets_the_apps_own_page_through_waitress(app, demo):
    """Served as in production (app/serve.py): the 413 is the app's translated page, not
    waitress's plain English text."""
    import http.client
    import threading

    from waitress.server import create_server

    from app.serve import waitress_options

    options = dict(waitress_options(app), threads=2)
    server = create_server(app, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=60)
        conn.request(
            "POST",
            "/applications/1/materials",
            body=body,
            headers={"Content-Type": "multipart/form-data; boundary=X", "Accept": "text/html"},
        )
        resp = conn.getresponse()
        page = resp.read().decode()
        conn.close()
    finally:
        # closed from the server's own loop (closing its sockets from here while it sits in
        # select() raised EBADF in its thread), which then ends with nothing left to watch
        server.trigger.pull_trigger(server.close)
        thread.join(10)
        server.task_dispatcher.shutdown()
    assert not thread.is_alive()
    assert resp.status == 413
    assert 'id="error-page"' in page and "MB" in page
    assert resp.getheader("Content-Security-Policy")


def test_postgresql_connections_are_tested_before_use(tmp_path):
    from flask import Flask

    from app import config

    fake = Flask("probe", instance_path=str(tmp_path))
    fake.config.from_object(config.Config)
    fake.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://onewindow@db/onewindow"
    config.finalise(fake)
    assert fake.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_pages_survive_cut_database_connections(app, client):
    """On PostgreSQL: every pooled connection is killed server-side; the next pages are
    served on fresh connections instead of failing on dead ones."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (the CI run sets DATABASE_URL)")
    client.login("13800138000")
    for _ in range(3):
        assert client.get("/cases").status_code == 200
    with app.app_context():
        with db.engine.connect() as conn:
            killed = conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' AND application_name = ''"
            ).scalar()
        assert killed >= 1
    for _ in range(5):
        assert client.get("/cases").status_code == 200


def test_parallel_failed_log_ins_are_each_counted_and_none_fails(app, demo):
    """Guesses sent at the same moment on a new throttle row: no 500, no lost count."""
    import threading

    from app.domain.errors import DomainError
    from app.models import LoginThrottle
    from app.services import accounts

    n = 6
    barrier = threading.Barrier(n)
    outcomes: list = []

    def guess(i):
        with app.app_context():
            try:
                barrier.wait()
                accounts.authenticate(f"1390001{i:04d}", f"Guess{i}x", "192.0.2.77")
            except DomainError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 — the failure this test looks for
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(set(outcomes)) == ["bad_credentials"], outcomes
    with app.app_context():
        rows = db.session.execute(
            db.select(LoginThrottle).where(LoginThrottle.key.startswith("ip:192.0.2.77:"))
        ).scalars()
        assert [row.failures for row in rows] == [n]
