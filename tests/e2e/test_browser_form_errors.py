"""Keyboard and screen-reader use of a refused form in Chromium: the skip link is the first
Tab stop and leads into the page; the error summary takes the focus when the page opens, its
links move the focus to their field; focus is visible."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e]


def test_skip_link_error_summary_and_visible_focus(live_server, browser):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = ctx.new_page()
    page.goto(f"{live_server}/register")
    page.keyboard.press("Tab")
    skip = page.locator(".ow-skip-link")
    assert page.evaluate("document.activeElement.className").startswith("ow-skip-link")
    assert skip.is_visible() and skip.inner_text() == "跳到正文"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus ring shows
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.fill("#id_number", "123")
    with page.expect_navigation():  # the refused page has loaded, its scripts have run
        page.click("button[type=submit]")
    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.click("[data-error-summary] a[href='#id_number']")
    assert page.evaluate("document.activeElement.id") == "id_number"
    described = page.get_attribute("#id_number", "aria-describedby")
    assert page.locator(f"#{described.split()[0]}").inner_text()  # its message
    assert page.get_attribute("#id_number", "aria-invalid") == "true"
    ctx.close()
