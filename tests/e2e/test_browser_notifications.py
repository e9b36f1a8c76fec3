"""The header bell and the notification inbox in Debian's Chromium, with screenshots."""
from __future__ import annotations

import re

import pytest

from tests import journeys

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_bell_and_inbox_in_chromium(live_server, browser, shots, client, make_client,
                                    wait_jobs):
    base = live_server
    app_id = journeys.submitted_case(client, wait_jobs, seed=4, mobile="13911112345",
                                     rendered=False)  # submitted + problems found
    case_number = re.search(r"YW\d{14}", client.get(f"/cases/{app_id}").get_data(as_text=True)).group(0)
    for code, approved in (("market_regulation", "true"), ("tax", "false"),
                           ("social_security", "true")):
        clerk = make_client()
        clerk.login(f"clerk_{code}")
        clerk.post(f"/clerk/tasks/{journeys.open_task_id(clerk, case_number)}/decide",
                   {"approved": approved, "comment": "纳税人识别信息不全，请核实后重新申请"})
    wait_jobs()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.fill("#login", "13911112345")
    page.fill("#password", "Secret123")
    page.click("button[type=submit]")
    assert page.locator("#unread-count").inner_text() == "3"
    shots(page, "bell-3-unread")

    page.click("#notification-bell")
    page.wait_for_url(re.compile(r".*/notifications/$"))
    assert page.locator('[data-read="no"]').count() == 3
    assert "短信：已发送" in page.locator("#notifications").inner_text()
    shots(page, "inbox")

    page.click('[data-kind="case_rejected"]')
    page.wait_for_url(re.compile(rf".*/cases/{app_id}$"))
    assert page.locator("#unread-count").inner_text() == "2"
    page.click("#notification-bell")
    assert page.locator('[data-read="no"]').count() == 2
    page.click("#read-all")
    assert page.locator("#unread-count").count() == 0
    shots(page, "inbox-all-read")
    ctx.close()
