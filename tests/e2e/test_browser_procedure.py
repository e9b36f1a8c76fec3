"""The statutory procedure walked in Chromium (issue 11), by the people who run it:

1. submit → the clerk accepts at intake (受理通知书) → asks for a correction (补正通知书; the
   clock stops) → the citizen answers (the clock runs again) → the lead extends the limit once
   with a reason (延期通知书) → the clerk approves → 准予行政许可决定书. Every notice is read
   back from its PDF's text.
2. submit → the clerk refuses to accept at intake (不予受理通知书, with the remedies).
3. submit → nobody decides on intake for 5 working days → deemed accepted from the day of
   receipt (the scheduler's timer, fired as of a week later).

Screenshots go to test-output/e2e/.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Application, HumanTask, Notice, TaskStatus, utcnow
from tests import journeys
from tests.e2e.steps import login
from tests.unit.test_notice_documents import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
WIDE = {"width": 1280, "height": 900}


def _person(seed: int) -> dict:
    from ml.synthetic import render

    return render("id_card_front", random.Random(seed), capture="clean")[1]


def _case(app, app_id: int) -> Application:
    with app.app_context():
        case = db.session.get(Application, app_id)
        db.session.expunge(case)
        return case


def _open_task(app, app_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id,
                HumanTask.status.in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).scalar_one()


def _notice_text(page, base: str, kind: str) -> str:
    href = page.locator(f"#notices li[data-kind={kind}] a").get_attribute("href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    return pdf_text(pdf.body())


def _citizen(browser, base: str, make_client, wait_jobs, seed: int, mobile: str, app):
    """A citizen who submitted a residence-permit application (over HTTP) and a browser page
    logged in as them; the intake is left open."""
    client = make_client()
    app_id = journeys.submitted_residence_permit(
        client, wait_jobs, _person(seed), mobile, accept=False
    )
    page = browser.new_context(locale="zh-CN", viewport=WIDE).new_page()
    login(page, base, mobile, "Secret2024pw")
    return app_id, page


def _clerk_page(browser, base: str, user: str):
    page = browser.new_context(locale="zh-CN", viewport=WIDE).new_page()
    login(page, base, user)
    return page


def test_correction_extension_and_approval_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    app_id, citizen = _citizen(browser, base, make_client, wait_jobs, 131, "13911113101", app)
    number = _case(app, app_id).case_number
    clerk = _clerk_page(browser, base, "clerk_public_security")

    # intake: accepted, with a written notice of acceptance
    clerk.goto(f"{base}/clerk/tasks/{_open_task(app, app_id)}")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#claim-button")
    clerk.check("#f-intake-accept")
    shots(clerk, "procedure-intake")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#decide-button")
    citizen.goto(f"{base}/cases/{app_id}")
    assert number in _notice_text(citizen, base, "acceptance")
    assert citizen.locator("#case-clock").get_attribute("data-alert") == "green"

    # the review asks once for a correction: the clock stops
    clerk.goto(f"{base}/clerk/tasks/{_open_task(app, app_id)}")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#claim-button")
    clerk.check("#f-decision-correct")
    clerk.fill("#f-correction_items", "在职证明缺少单位公章，请重新上传")
    shots(clerk, "procedure-ask-correction")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#decide-button")
    citizen.reload()
    assert citizen.locator("#correction-card").is_visible()
    assert citizen.locator("#case-clock").get_attribute("data-alert") == "paused"
    assert "在职证明缺少单位公章" in _notice_text(citizen, base, "correction")
    shots(citizen, "procedure-correction-asked")

    # the citizen answers: the clock runs again
    citizen.set_input_files(
        "#c-employment",
        files=[{"name": "employment.png", "mimeType": "image/png", "buffer": journeys.blank_png()}],
    )
    citizen.fill("#note", "已重新上传盖章的在职证明")
    with citizen.expect_navigation():  # the POST is answered before the next look
        citizen.click("#correction-button")
    wait_jobs()
    citizen.reload()
    assert citizen.locator("#case-clock").get_attribute("data-alert") in ("green", "yellow")
    assert citizen.locator("#correction-card").count() == 0

    # the lead extends the limit once, with a reason the applicant is sent
    before = _case(app, app_id).due_at
    lead = _clerk_page(browser, base, "lead_public_security")
    lead.goto(f"{base}/clerk/tasks/{_open_task(app, app_id)}")
    lead.click("#clock-extend summary")
    lead.fill("#extend-reason", "需要现场核查居住情况")
    shots(lead, "procedure-extend")
    lead.click("#clock-extend button[type=submit]")
    lead.wait_for_selector("#case-clock")
    assert _case(app, app_id).due_at > before
    assert lead.locator("#clock-extend").count() == 0  # once only
    citizen.reload()
    assert "需要现场核查居住情况" in _notice_text(citizen, base, "extension")

    # the clerk approves: the decision is a written notice too
    clerk.goto(f"{base}/clerk/tasks/{_open_task(app, app_id)}")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#claim-button")
    clerk.check("#f-decision-approve")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#decide-button")
    wait_jobs()
    citizen.reload()
    assert citizen.locator("#decision").is_visible()
    shots(citizen, "procedure-approved")
    text = _notice_text(citizen, base, "approval")
    assert number in text and "准予" in text
    kinds = citizen.locator("#notices li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert set(kinds) == {"receipt", "acceptance", "correction", "extension", "approval"}
    assert _case(app, app_id).decision == "approved"


def test_refusal_to_accept_in_chromium(app, live_server, browser, shots, make_client, wait_jobs):
    base = live_server
    app_id, citizen = _citizen(browser, base, make_client, wait_jobs, 132, "13911113102", app)
    clerk = _clerk_page(browser, base, "clerk_public_security")
    clerk.goto(f"{base}/clerk/tasks/{_open_task(app, app_id)}")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#claim-button")
    clerk.check("#f-intake-refuse")
    clerk.fill("#f-comment", "申请事项不属于本机关职权范围")
    shots(clerk, "procedure-refuse")
    with clerk.expect_navigation():  # the POST is answered before the next look
        clerk.click("#decide-button")
    citizen.goto(f"{base}/cases/{app_id}")
    shots(citizen, "procedure-refused")
    text = _notice_text(citizen, base, "refusal")
    assert "申请事项不属于本机关职权范围" in text
    assert re.search(r"行政复议", text) and re.search(r"行政诉讼", text)  # the remedies
    case = _case(app, app_id)
    assert case.accepted_at is None and case.status.value == "refused"


def test_deemed_acceptance_after_five_working_days_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs
):
    from app.services.scheduler import fire_due_timers

    base = live_server
    app_id, citizen = _citizen(browser, base, make_client, wait_jobs, 133, "13911113103", app)
    received = _case(app, app_id).submitted_at
    with app.app_context():
        assert fire_due_timers(now=utcnow() + timedelta(days=2)) == 0  # not yet
        assert fire_due_timers(now=utcnow() + timedelta(days=9)) >= 1  # 5 working days passed
        db.session.remove()
    case = _case(app, app_id)
    assert case.accepted_at == received  # accepted from the day of receipt
    citizen.goto(f"{base}/cases/{app_id}")
    shots(citizen, "procedure-deemed-accepted")
    assert citizen.locator("#notices li[data-kind=acceptance]").count() == 1
    with app.app_context():
        assert db.session.execute(
            db.select(Notice.id).where(Notice.application_id == app_id, Notice.kind == "acceptance")
        ).scalar_one()
