"""In Chromium: an administrator registers a system on the API page, gives it a token
(shown once), and the token reads a case's status; /api/docs shows every operation in
Swagger UI served from this site, under the strict Content-Security-Policy (the `browser`
fixture fails the test on any violation), and "Try it out" calls the API with the token."""

from __future__ import annotations

import pytest

from app.services import api_tokens
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e]


def test_admin_gives_a_token_and_docs_call_the_api(app, live_server, browser, shots):
    base = live_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "admin")
    page.click("text=接口接入系统")
    page.fill("input[name=name]", "city-data-hub")
    page.click("text=登记系统")
    system = page.locator("section[data-system='city-data-hub']")
    system.locator("label:has-text('cases:read')").click()
    system.locator("text=生成令牌").click()
    raw = page.locator("#new-token [data-token]").inner_text().strip()
    assert raw.startswith("ow_")
    shots(page, "token-shown-once")
    page.goto(f"{base}/admin/api/")
    assert page.locator("#new-token").count() == 0
    prefix = raw[: api_tokens.TOKEN_PREFIX_LENGTH]
    assert page.locator(f"tr[data-token-prefix='{prefix}']").count() == 1

    docs = ctx.new_page()
    docs.goto(f"{base}/api/docs")
    docs.wait_for_selector(".opblock")
    spec = app.test_client().get("/api/openapi.json").get_json()
    verbs = {"get", "post", "delete", "put", "patch"}
    assert docs.locator(".opblock").count() == sum(
        1 for item in spec["paths"].values() for m in item if m in verbs
    )
    docs.click("button.authorize")
    docs.fill(".modal-ux input[type=text]", raw)
    docs.click(".modal-ux button.authorize")
    docs.click(".modal-ux button.close-modal")
    case_op = docs.locator(".opblock-get:has-text('/api/v1/cases/')")
    case_op.locator(".opblock-summary").click()
    case_op.locator("button.try-out__btn").click()
    case_op.locator("input[placeholder='case_number']").fill("YW0")
    case_op.locator("button.execute").click()
    status = case_op.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    shots(docs, "docs-try-it-out")
    assert status.inner_text().strip().startswith("404")  # authenticated: unknown, not 401
    ctx.close()
