"""In Chromium: a citizen rates a decided case (好差评), an administrator reads the
performance page and answers the bad rating, the citizen sees the reply. Screenshots go to
test-output/e2e/."""
from __future__ import annotations

import pytest

from tests import decisions
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_rating_and_follow_up_in_chromium(app, live_server, browser, shots, make_client,
                                          wait_jobs):
    base = live_server
    citizen = make_client()
    app_id = decisions.decided_case(app, citizen, make_client, wait_jobs, seed=61,
                                    mobile="13911116001", rejecting=("tax",))
    other = make_client()
    other_id = decisions.decided_case(app, other, make_client, wait_jobs, seed=62,
                                      mobile="13911116002")
    other.post(f"/cases/{other_id}/rating", {"level": "5", "comment": "很满意"})

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "13911116001", "Secret123")
    page.goto(f"{base}/cases/{app_id}")
    assert page.locator("#rating-form").is_visible()
    page.check("#rating-level-2")
    page.fill("#rating-comment", "驳回理由没有写清楚，不知道该补什么材料。")
    shots(page, "case-rating-form")
    page.click("#rating-button")
    page.wait_for_selector("#rating[data-level='2']")
    shots(page, "case-rated")

    admin_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    admin = admin_ctx.new_page()
    login(admin, base, "admin")
    admin.goto(f"{base}/admin/")
    assert admin.locator("#ratings-alert").is_visible()
    admin.click("#performance-link")
    assert admin.locator("[data-service=business_registration] [data-col=approved]").inner_text() == "1"
    assert admin.locator("[data-service=business_registration] [data-col=rejected]").inner_text() == "1"
    assert admin.locator("[data-service=business_registration] [data-col=ratings]").inner_text() == "2"
    shots(admin, "performance")
    item = admin.locator(".ow-rating-item").first
    item.locator("textarea").fill("已核实：缺少经营场所证明。已电话告知申请人，补充后可重新申请。")
    item.locator("button").click()
    admin.wait_for_selector("text=暂无待处理的差评")
    shots(admin, "performance-followed-up")
    admin.click("text=English")
    shots(admin, "performance-en")
    admin_ctx.close()

    page.reload()
    assert "缺少经营场所证明" in page.locator("#rating-reply").inner_text()
    shots(page, "case-reply")
    ctx.close()
