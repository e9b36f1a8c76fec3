"""In Chromium: a citizen whose 企业开办 was approved (the business licence is in the
register) applies for 单位参保登记: the form comes prefilled from the licence, the licence
slot is filled with one click instead of an upload, the proof of premises by a signed
declaration, the staff list is left to follow; the clerk's task page shows the verified
e-certificate and the declaration; after acceptance the citizen uploads the staff list on
the case page. Screenshots go to test-output/e2e/."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Application, Attachment
from tests import reuse_journey
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_licence_reused_declaration_and_deferred_material_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs, tmp_path
):
    base = live_server
    licence = reuse_journey.licensed_citizen(
        app, make_client(), make_client, wait_jobs, seed=61, mobile="13911116101"
    )
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, licence["mobile"], "Secret2024pw")
    page.goto(f"{base}/services/{reuse_journey.SERVICE}")
    assert page.locator("[data-slot=business_licence] [data-mark=ecertificate]").is_visible()
    shots(page, "guide")
    page.click("#apply-button")
    assert page.input_value("#f-company_name") == licence["holder_name"]  # from the licence
    assert page.input_value("#f-credit_code") == licence["holder_code"]
    assert page.input_value("#f-legal_rep_id_number") == licence["person"]["id_number"]
    page.fill("#f-employees", "12")
    page.fill("#f-insured_from", "2026-01-01")
    shots(page, "form-prefilled")
    page.click("#application-form button[type=submit]")

    page.click(f"[data-slot=business_licence] button[data-certificate='{licence['number']}']")
    page.wait_for_selector(
        f"[data-slot=business_licence] .substitute[data-certificate='{licence['number']}']"
    )
    page.click("[data-slot=lease] details.declaration summary")
    page.check("#agree-lease")
    page.click("[data-slot=lease] .declaration button")
    page.wait_for_selector("[data-slot=lease] .substitute[data-kind=declaration]")
    id_card = tmp_path / "id.png"
    id_card.write_bytes(reuse_journey.journeys.blank_png())
    page.set_input_files("[data-slot=id_card_front] input[type=file]", str(id_card))
    page.click("[data-slot=id_card_front] .upload-form button")
    page.wait_for_selector("[data-slot=id_card_front] .attachment")
    assert page.locator("[data-slot=staff_list] .deferrable-note").is_visible()
    shots(page, "materials")
    wait_jobs()
    page.click("#to-confirm")
    shots(page, "confirm")
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/cases/\d+"))
    app_id = int(re.search(r"/cases/(\d+)", page.url).group(1))
    case_number = re.search(r"YW\d{14}", page.content()).group(0)
    wait_jobs()
    with app.app_context():
        application = db.session.get(Application, app_id)
        slots = {a.slot for a in application.attachments}
        assert slots == {"id_card_front"}  # the licence and the lease were not uploaded

    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    clerk = clerk_ctx.new_page()
    login(clerk, base, "clerk_social_security")
    clerk.locator(f"tr[data-case={case_number}]").locator("a").click()
    clerk.wait_for_selector(".verified-certificate")
    verified = clerk.locator(f".verified-certificate[data-certificate='{licence['number']}']")
    assert verified.get_attribute("data-status") == "valid"
    assert "已核验电子证照" in verified.inner_text() and "市场监督管理局" in verified.inner_text()
    assert clerk.locator(".declaration-given").is_visible()
    assert clerk.locator(".deferred-material[data-state=outstanding]").is_visible()
    shots(clerk, "clerk-task-verified-certificate")
    clerk.click("#claim-button")
    clerk.check("#f-intake-accept")
    clerk.click("#decide-button")
    clerk.wait_for_url(re.compile(r".*/clerk/?$"))

    page.reload()
    staff = tmp_path / "staff.png"
    staff.write_bytes(reuse_journey.journeys.blank_png())
    page.set_input_files("#outstanding [data-slot=staff_list] input[type=file]", str(staff))
    shots(page, "case-outstanding")
    page.click("#outstanding [data-slot=staff_list] button")
    page.wait_for_selector("#outstanding", state="detached")
    assert page.locator("#timeline [data-kind=material_supplied]").is_visible()
    shots(page, "case-supplied")
    with app.app_context():
        assert db.session.execute(
            db.select(Attachment.id).where(
                Attachment.application_id == app_id, Attachment.slot == "staff_list"
            )
        ).first()
    ctx.close()
    clerk_ctx.close()
