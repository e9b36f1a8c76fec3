"""My account in Debian's Chromium: the citizen opens it from the header, is told what is
wrong with a bad e-mail address, then saves a good one. Screenshots go to test-output/e2e/."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import User
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_citizen_changes_the_email_in_chromium(app, live_server, browser, shots):
    base = live_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "13800138000")
    page.click("#account-link")
    page.wait_for_url(re.compile(r".*/account$"))
    assert "110105********002X" in page.locator("#identity").inner_text()
    shots(page, "account")

    page.fill("#email", "zhangsan@")
    page.click("#contact-save")
    error = page.locator('[data-error="email"]')
    assert "name@example.com" in error.inner_text()
    assert page.input_value("#email") == "zhangsan@"  # what was typed is kept
    shots(page, "account-bad-email")

    page.fill("#email", "zhangsan@example.cn")
    page.click("#contact-save")
    page.wait_for_selector("text=联系方式已保存。")
    assert page.input_value("#email") == "zhangsan@example.cn"
    shots(page, "account-saved")
    ctx.close()
    with app.app_context():
        user = db.session.execute(
            db.select(User).where(User.username == "13800138000")
        ).scalar_one()
        assert user.email == "zhangsan@example.cn"
