"""The header bell and the notification inbox in Debian's Chromium, with screenshots."""

from __future__ import annotations

import re

import pytest

from tests import decisions, journeys
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_bell_and_inbox_in_chromium(
    app, live_server, browser, shots, client, make_client, wait_jobs
):
    base = live_server
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=4, mobile="13911112345", rendered=False
    )  # submitted + problems found
    decisions.decide_all(app, make_client, app_id, rejecting=("tax",))
    wait_jobs()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    login(page, base, "13911112345", "Secret2024pw")
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
