"""In Chromium: a citizen withdraws an undecided case (撤回) after confirming, and the clerk
sees why; a citizen finds an unfinished draft under 我的办件 and deletes it. Screenshots go
to test-output/e2e/."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Application, ApplicationStatus
from tests import decisions, journeys
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_withdraw_before_the_decision_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    app_id = journeys.submitted_case(
        citizen, wait_jobs, seed=71, mobile="13911117101", rendered=False
    )
    number = decisions.case_number(app, app_id)

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "13911117101", "Secret2024pw")
    page.goto(f"{base}/cases/{app_id}")
    assert page.locator("[data-status]").first.inner_text() == "审核中"  # accepted at intake
    assert not page.locator("#withdraw-form").is_visible()  # behind its confirmation
    page.click("#withdraw-open")
    page.fill("#withdraw-reason", "已在线下窗口办理")
    shots(page, "case-withdraw-confirmation")
    page.click("#withdraw-button")
    page.wait_for_selector("[data-status='withdrawn']")
    assert page.locator("#withdraw").count() == 0
    assert "已在线下窗口办理" in page.locator("li[data-kind='withdrawn']").inner_text()
    shots(page, "case-withdrawn")
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.WITHDRAWN

    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    clerk = clerk_ctx.new_page()
    login(clerk, base, "clerk_tax")
    clerk.goto(f"{base}/clerk/")
    assert clerk.locator(f"tr[data-case='{number}']").count() == 0  # gone from the queue
    shots(clerk, "queue-without-the-withdrawn-case")
    ctx.close()
    clerk_ctx.close()


def test_a_draft_is_listed_and_deleted_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    materials = journeys.make_materials(seed=72)
    journeys.register(citizen, materials["person"], mobile="13911117102")
    draft_id = journeys.start_application(citizen)
    journeys.upload(citizen, draft_id, "lease", journeys.blank_png(), "lease.png")
    wait_jobs()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "13911117102", "Secret2024pw")
    page.goto(f"{base}/cases")
    row = page.locator(f"tr[data-application='{draft_id}']")
    assert row.locator("[data-action='continue']").is_visible()
    shots(page, "my-cases-with-a-draft")
    row.locator("[data-action='delete'] summary").click()
    assert row.locator("[data-confirm-delete]").is_visible()
    shots(page, "draft-delete-confirmation")
    row.locator("[data-confirm-delete]").click()
    page.wait_for_url(re.compile(r".*/cases$"))
    page.wait_for_selector(".alert")
    assert "草稿已删除" in page.locator("main").inner_text()
    assert page.locator(f"tr[data-application='{draft_id}']").count() == 0
    shots(page, "draft-deleted")
    with app.app_context():
        assert db.session.get(Application, draft_id) is None
    ctx.close()
