"""At a phone's width (360 px) no page scrolls sideways: the header folds into a menu and
wide tables scroll inside their own box."""

from __future__ import annotations

import pytest

from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGES = {
    "13800138000": ["/", "/cases", "/account", "/wallet", "/notifications/"],
    "clerk_market_regulation": ["/clerk/"],
    "admin": ["/admin/", "/admin/performance", "/admin/holidays", "/admin/processes/"],
}


def test_no_page_scrolls_sideways_at_360_px(live_server, browser):
    wide = []
    for who, paths in PAGES.items():
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 800})
        page = ctx.new_page()
        login(page, live_server, who)
        for path in paths:
            page.goto(f"{live_server}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide.append((who, path, width))
        menu = page.locator(".navbar-toggler")
        assert menu.is_visible()  # the header folded into a menu
        ctx.close()
    assert wide == []
