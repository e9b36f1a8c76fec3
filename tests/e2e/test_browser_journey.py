"""One browser test: the whole business-registration journey in Debian's Chromium."""

from __future__ import annotations

import re

import pytest

from tests import journeys
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_citizen_to_decision_in_chromium(live_server, browser, shots, tmp_path, wait_jobs):
    base = live_server
    materials = journeys.make_materials(seed=21)
    person = materials["person"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()

    page.goto(base + "/")
    shots(page, "home")
    page.click("text=注册")
    page.fill("#real_name", person["name"])
    page.fill("#id_number", person["id_number"])
    page.fill("#mobile", "13911114444")
    page.fill("#password", "Secret2024pw")
    page.fill("#password2", "Secret2024pw")
    shots(page, "register")
    page.click("button[type=submit]")

    page.click(f"[data-service={journeys.SERVICE}] a")
    shots(page, "guide")
    page.click("#apply-button")
    page.fill("#f-company_name", "上海示例科技有限公司")
    page.select_option("#f-company_type", "llc")
    page.fill("#f-registered_capital", "100")
    page.fill("#f-address", "上海市浦东新区世纪大道100号")
    page.fill("#f-business_scope", "软件开发；技术咨询")
    shots(page, "form")
    page.click("#application-form button[type=submit]")

    for slot, data in materials["files"].items():
        path = tmp_path / f"{slot}.png"
        path.write_bytes(data)
        page.set_input_files(f"[data-slot={slot}] input[type=file]", str(path))
        page.click(f"[data-slot={slot}] .upload-form button")
    wait_jobs()
    page.reload()
    page.wait_for_selector('[data-status="pending"]', state="detached")
    shots(page, "materials-reviewed")
    page.click("#to-confirm")
    shots(page, "confirm")
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/cases/\d+"))
    case_number = re.search(r"YW\d{14}", page.content()).group(0)
    wait_jobs()
    page.reload()
    shots(page, "case-submitted")

    # intake (受理) by the lead department, then the three reviews
    intake_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    intake = intake_ctx.new_page()
    login(intake, base, f"clerk_{journeys.DEPARTMENTS[0]}")
    intake.locator(f"tr[data-case={case_number}]").locator("a").click()
    intake.click("#claim-button")  # the decision form appears once the task is held
    intake.check("#f-intake-accept")
    shots(intake, "clerk-intake")
    with intake.expect_navigation():  # answered before the next look
        intake.click("#decide-button")
    intake_ctx.close()
    page.reload()
    shots(page, "case-in-review")

    for code in journeys.DEPARTMENTS:
        clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        clerk = clerk_ctx.new_page()
        login(clerk, base, f"clerk_{code}")
        row = clerk.locator(f"tr[data-case={case_number}]")
        row.locator("a").click()
        clerk.click("#claim-button")  # the decision form appears once the task is held
        if code == journeys.DEPARTMENTS[0]:
            shots(clerk, f"clerk-{code}-task")
        clerk.check("#f-approved-true")
        clerk.fill("#f-comment", "材料齐全，同意")
        with clerk.expect_navigation():  # answered before the next look
            clerk.click("#decide-button")
        assert clerk.locator(f"tr[data-case={case_number}]").count() == 0
        clerk_ctx.close()

    page.reload()
    assert page.locator("#decision").is_visible()
    assert page.locator("#certificate").inner_text().strip()
    shots(page, "case-approved")
    page.click("text=English")
    assert "Approved" in page.locator("#decision").inner_text()
    shots(page, "case-approved-en")
    ctx.close()
