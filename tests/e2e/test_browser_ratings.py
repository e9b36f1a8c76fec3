"""In Chromium: a citizen rates a decided case (好差评), an administrator reads the
performance page and answers the bad rating, the citizen sees the reply; a double click on the
rating button sends one rating. Screenshots go to test-output/e2e/."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Rating
from tests import decisions
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_rating_and_follow_up_in_chromium(app, live_server, browser, shots, make_client, wait_jobs):
    base = live_server
    citizen = make_client()
    app_id = decisions.decided_case(
        app, citizen, make_client, wait_jobs, seed=61, mobile="13911116001", rejecting=("tax",)
    )
    other = make_client()
    other_id = decisions.decided_case(
        app, other, make_client, wait_jobs, seed=62, mobile="13911116002"
    )
    other.post(f"/cases/{other_id}/rating", {"level": "5", "comment": "很满意"})

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "13911116001", "Secret2024pw")
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
    assert (
        admin.locator("[data-service=business_registration] [data-col=approved]").inner_text()
        == "1"
    )
    assert (
        admin.locator("[data-service=business_registration] [data-col=rejected]").inner_text()
        == "1"
    )
    assert (
        admin.locator("[data-service=business_registration] [data-col=ratings]").inner_text() == "2"
    )
    shots(admin, "performance")
    # The same figures for a custom range ending today, chosen with the date fields.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    admin.fill("#range-from", (today - timedelta(days=6)).isoformat())
    admin.fill("#range-to", today.isoformat())
    admin.click("#range-button")
    admin.wait_for_selector("#range-form[data-active=true]")
    assert f"to={today.isoformat()}" in admin.url
    ratings_cell = admin.locator("[data-service=business_registration] [data-col=ratings]")
    assert ratings_cell.inner_text() == "2"
    assert "（7 天）" in admin.locator("#period-text").inner_text()
    assert f"to={today.isoformat()}" in admin.get_attribute("#csv-export", "href")
    shots(admin, "performance-range")
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


def test_double_click_on_the_rating_button_sends_one_rating(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    app_id = decisions.decided_case(
        app, citizen, make_client, wait_jobs, seed=63, mobile="13911116003"
    )
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    posts = []
    page.on(
        "request",
        lambda r: (
            posts.append(r.url)
            if r.method == "POST" and r.url.endswith(f"/cases/{app_id}/rating")
            else None
        ),
    )
    login(page, base, "13911116003", "Secret2024pw")
    page.goto(f"{base}/cases/{app_id}")

    # No level chosen: the browser asks for one and the form is not locked by the attempt.
    page.click("#rating-button")
    assert posts == [] and page.is_enabled("#rating-button")
    assert page.get_attribute("#rating-form", "data-submitting") is None

    # A double click as a person makes it: the second click lands while the first POST is
    # still on its way (held here until both clicks are done, then every POST goes on).
    held, holding = [], [True]

    def hold(route):
        if holding[0]:
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/cases/{app_id}/rating", hold)
    page.check("#rating-level-4")
    page.fill("#rating-comment", "办理顺利")
    box = page.locator("#rating-button").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    for _ in range(200):  # until the first POST reaches the route (bounded)
        if held:
            break
        page.wait_for_timeout(25)
    assert len(held) == 1
    page.mouse.click(x, y)  # the second click of the double click, on the same page
    holding[0] = False
    for route in held:
        route.continue_()
    page.wait_for_selector("#rating[data-level='4']")
    page.wait_for_load_state("load")
    shots(page, "case-rated-after-double-click")
    assert len(posts) == 1, posts
    text = page.locator("main").inner_text()
    assert "感谢您的评价" in text and "您已评价过该办件" not in text
    assert page.locator(".alert-danger").count() == 0
    with app.app_context():
        ratings = (
            db.session.execute(db.select(Rating).where(Rating.application_id == app_id))
            .scalars()
            .all()
        )
        assert [(r.level, r.comment) for r in ratings] == [(4, "办理顺利")]
    ctx.close()
