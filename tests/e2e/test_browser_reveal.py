"""Browser test of masking and reveal: a clerk sees a representative's ID number masked,
opens "reveal" with the keyboard, is refused without a reason, gives one, and sees the value;
the reveal is in the audit trail."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditRecord
from tests import privacy_data
from tests.e2e.steps import login
from tests.privacy_data import REP_ID

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KEY = "form.legal_rep_id_number"


def test_clerk_reveals_a_masked_value_with_a_reason(app, live_server, browser, shots):
    with app.app_context():
        _app_id, task_id, _card = privacy_data.sensitive_case()
        db.session.remove()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, live_server, "clerk_tax")
    page.goto(f"{live_server}/clerk/tasks/{task_id}")
    masked = page.locator(f'[data-masked="{KEY}"]')
    assert masked.inner_text() == "110***********1234"
    assert REP_ID not in page.content()

    control = page.locator(f'details[data-reveal="{KEY}"]')
    control.locator("summary").focus()
    page.keyboard.press("Enter")  # the keyboard opens it
    reason = control.locator("select[name=reason]")
    assert reason.is_visible()
    assert control.locator("label", has_text="查看理由").count() == 1  # translated, labelled
    # without a reason the browser refuses the form (required) and nothing is revealed
    control.locator("button").click()
    assert page.locator(f'[data-masked="{KEY}"]').count() == 1
    shots(page, "reveal-asked")

    reason.select_option("check_document")
    control.locator("input[name=note]").fill("核对营业执照原件")
    control.locator("button").press("Enter")
    page.wait_for_selector(f'[data-revealed="{KEY}"]')
    assert page.locator(f'[data-revealed="{KEY}"]').inner_text() == REP_ID
    assert page.locator('[data-masked="form.contact_phone"]').count() == 1  # only that one
    shots(page, "reveal-shown")
    ctx.close()

    with app.app_context():
        records = db.session.execute(
            db.select(AuditRecord).where(AuditRecord.action == "reveal")
        ).scalars()
        assert [(r.actor_username, r.details["field"], r.details["reason"]) for r in records] == [
            ("clerk_tax", KEY, "check_document")
        ]
