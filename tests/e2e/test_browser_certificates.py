"""In Chromium: after 企业开办 is approved, the legal representative opens 我的证照, downloads
the signed licence (pyHanko's validator accepts it), follows its verification link (valid,
holder masked, no log-in), an administrator revokes it from the register, and the
verification page then says revoked. Screenshots go to test-output/e2e/."""

from __future__ import annotations

import pytest

from app.services import signing
from tests import decisions
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_wallet_download_verify_and_revoke_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    decisions.decided_case(app, citizen, make_client, wait_jobs, seed=71, mobile="13911117001")
    wait_jobs()

    ctx = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = ctx.new_page()
    login(page, base, "13911117001", "Secret2024pw")
    page.click("text=我的证照")
    row = page.locator("#wallet tr[data-status=valid]")
    assert row.count() == 1 and "营业执照" in row.inner_text()
    number = row.get_attribute("data-certificate")
    shots(page, "wallet")
    with page.expect_download() as download:
        row.locator("a", has_text="下载签名 PDF").click()
    pdf = open(download.value.path(), "rb").read()
    with app.app_context():
        assert signing.check_pdf(pdf).ok
    verify_href = row.locator("a", has_text="核验页面").get_attribute("href")

    visitor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    public = visitor.new_page()
    public.goto(base + verify_href)
    assert public.locator("#certificate").get_attribute("data-status") == "valid"
    assert number in public.locator("#certificate-number").inner_text()
    assert "上海示例科技有限公司" not in public.content()
    shots(public, "verify-valid")

    admin_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    admin = admin_ctx.new_page()
    login(admin, base, "admin")
    admin.click("text=电子证照")
    entry = admin.locator(f"#register tr[data-certificate='{number}']")
    entry.locator("input[name=reason]").fill("登记事项虚假，依法撤销")
    entry.locator("button", has_text="注销").click()
    admin.wait_for_selector(f"#register tr[data-certificate='{number}'][data-status=revoked]")
    shots(admin, "register-revoked")

    public.reload()
    assert public.locator("#certificate").get_attribute("data-status") == "revoked"
    assert "已注销" in public.locator("#certificate-status").inner_text()
    shots(public, "verify-revoked")
