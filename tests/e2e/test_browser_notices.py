"""In Chromium: anyone looks a case up by its number and query code (no log-in), the citizen
finds the written notices and the query code on the case page and opens a PDF, and the
verification page the QR code points at confirms the notice. Screenshots go to
test-output/e2e/."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, Notice
from tests import decisions
from tests.e2e.steps import login
from tests.unit.test_notice_documents import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_lookup_notices_and_verification_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    app_id = decisions.decided_case(
        app, citizen, make_client, wait_jobs, seed=81, mobile="13911118101", rejecting=("tax",)
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        number, code = application.case_number, application.query_code
        rejection = db.session.execute(
            db.select(Notice).where(Notice.application_id == app_id, Notice.kind == "rejection")
        ).scalar_one()
        verification = rejection.verification_code

    public = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{base}/")
    public.click("#lookup-link")
    public.fill("#case_number", number)
    public.fill("#query_code", "WRONG234")
    public.click("#lookup-button")
    assert public.locator("#lookup-missed").is_visible()
    shots(public, "lookup-missed")
    public.fill("#query_code", code)
    public.click("#lookup-button")
    public.wait_for_selector("#lookup-result")
    assert public.locator("#lookup-status").get_attribute("data-status") == "rejected"
    kinds = public.locator("#lookup-steps li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["submitted", "accepted", "decided"]
    shots(public, "lookup-result")

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(page, base, "13911118101", "Secret2024pw")
    page.goto(f"{base}/cases/{app_id}")
    assert page.locator("#query-code").inner_text() == code
    assert page.locator("#notices li").count() == 3  # receipt, acceptance, decision
    shots(page, "case-notices")
    href = page.locator("#notices li[data-kind=rejection] a").get_attribute("href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "不予行政许可决定书" in text and f"/verify/notices/{verification}" in text

    public.goto(f"{base}/verify/notices/{verification}")
    assert public.locator("#verified-notice").is_visible()
    assert public.locator("#notice-number").inner_text() == rejection.number
    shots(public, "verified-notice")
