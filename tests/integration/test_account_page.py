"""My account (/account) through the Flask test client: as a citizen and as a clerk, the
changes used afterwards (log-in, other sessions, language), refusals keep what was typed."""

from __future__ import annotations

from app.extensions import db
from app.models import User

CITIZEN = "13800138000"


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        db.session.expunge(user)
        return user


def test_every_role_finds_the_page_in_the_header(client):
    assert client.get("/account").status_code == 302  # anonymous: to the login page
    for login, home in ((CITIZEN, "/cases"), ("clerk_tax", "/clerk/"), ("admin", "/admin/")):
        client.login(login)
        assert 'id="account-link" href="/account"' in client.get(home).get_data(as_text=True)
        assert client.get("/account").status_code == 200
        client.logout()


def test_citizen_sees_identity_read_only(client):
    client.login(CITIZEN)
    page = client.get("/account").get_data(as_text=True)
    assert "我的账户" in page and "张三" in page
    assert "110105********002X" in page and "11010519491231002X" not in page
    assert "实名认证" in page  # why name and ID number cannot be changed here
    assert 'name="real_name"' not in page and 'name="id_number"' not in page
    assert 'value="13800138000"' in page


def test_citizen_changes_the_password_and_other_sessions_end(app, client, make_client):
    other_device = make_client()
    other_device.login(CITIZEN)
    client.login(CITIZEN)
    resp = client.post(
        "/account/password",
        {
            "current_password": "Demo12345",
            "new_password": "Fresh2024pw",
            "confirm_password": "Fresh2024pw",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account")
    page = client.get("/account")  # this session stays logged in
    assert page.status_code == 200 and "密码已修改" in page.get_data(as_text=True)
    resp = other_device.get("/account")  # the other one is logged out
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    client.logout()
    client.get("/login")
    assert client.post("/login", {"login": CITIZEN, "password": "Demo12345"}).status_code == 401
    client.login(CITIZEN, "Fresh2024pw")


def test_a_refused_password_form_says_why_and_changes_nothing(app, client):
    client.login(CITIZEN)
    before = _user(app, CITIZEN).password_hash
    resp = client.post(
        "/account/password",
        {
            "current_password": "Wrong12345",
            "new_password": "Fresh2024pw",
            "confirm_password": "Fresh2024pw",
        },
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'data-error="current_password"' in body and "当前密码不正确" in body
    assert "Fresh2024pw" not in body  # passwords are never written back into the page
    resp = client.post(
        "/account/password",
        {
            "current_password": "Demo12345",
            "new_password": "Fresh2024pw",
            "confirm_password": "Fresh2024px",
        },
    )
    assert resp.status_code == 400 and 'data-error="confirm_password"' in resp.get_data(
        as_text=True
    )
    assert _user(app, CITIZEN).password_hash == before
    assert client.get("/account").status_code == 200  # still logged in


def test_citizen_changes_contact_details_and_logs_in_with_the_new_number(app, client):
    client.login(CITIZEN)
    form = {"mobile": "13966667777", "email": "zhangsan@example.cn"}
    resp = client.post("/account/contact", form)  # a new number needs the password
    assert resp.status_code == 400 and 'data-error="contact_password"' in resp.get_data(
        as_text=True
    )
    form["contact_password"] = "Demo12345"
    resp = client.post("/account/contact", form)
    assert resp.status_code == 302
    assert "联系方式已保存" in client.get("/account").get_data(as_text=True)
    again = client.post("/account/contact", form)  # a double submit is harmless
    assert again.status_code == 302
    user = _user(app, "13966667777")
    assert (user.mobile, user.email) == ("13966667777", "zhangsan@example.cn")
    client.logout()
    client.login("13966667777")


def test_bad_contact_details_are_shown_with_what_was_typed(app, client):
    client.login(CITIZEN)
    resp = client.post("/account/contact", {"mobile": "13800138000", "email": "zhangsan@"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'data-error="email"' in body and 'value="zhangsan@"' in body
    resp = client.post("/account/contact", {"mobile": "", "email": ""})
    assert resp.status_code == 400 and 'data-error="mobile"' in resp.get_data(as_text=True)
    user = _user(app, CITIZEN)
    assert (user.mobile, user.email) == (CITIZEN, None)


def test_clerk_sets_an_email_without_a_mobile_number(app, client):
    client.login("clerk_tax")
    page = client.get("/account").get_data(as_text=True)
    assert "手机号码（选填）" in page and "********" not in page  # no ID number to show
    resp = client.post("/account/contact", {"mobile": "", "email": "tax@gov.example.cn"})
    assert resp.status_code == 302
    user = _user(app, "clerk_tax")
    assert (user.mobile, user.email) == (None, "tax@gov.example.cn")


def test_forms_without_a_valid_csrf_token_are_refused(app, client):
    client.login(CITIZEN)
    resp = client.post(
        "/account/contact", {"mobile": CITIZEN, "email": "x@example.cn", "csrf_token": "stale"}
    )
    assert resp.status_code == 400
    assert _user(app, CITIZEN).email is None


def test_language_form_switches_pages_and_is_remembered(app, client, make_client):
    client.login(CITIZEN)
    resp = client.post("/account/language", {"language": "en"})
    assert resp.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "My account" in page and "我的账户" not in page
    assert _user(app, CITIZEN).preferred_locale == "en"
    assert client.post("/account/language", {"language": "xx"}).status_code == 400
    fresh = make_client()  # another browser starts in the remembered language after log-in
    assert "密码" in fresh.get("/login").get_data(as_text=True)  # Chinese before logging in
    fresh.login(CITIZEN)
    assert "My account" in fresh.get("/account").get_data(as_text=True)
