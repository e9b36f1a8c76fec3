"""In Chromium (issue 13): an administrator creates a division and a clerk in it; the clerk
logs in with the temporary password and must choose their own first; the administrator
suspends a running case with a reason and resumes it. No console error on the admin pages.
Screenshots go to test-output/e2e/."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, Department, User
from tests import decisions, journeys
from tests.e2e.steps import add_clerk, add_department, choose_own_password, login, watch_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TEMP = "Temp4grape!moss"
OWN = "Pine7cone!river"


def test_admin_creates_a_department_and_a_clerk_and_suspends_a_case(
    app, live_server, browser, shots, make_client, wait_jobs
):
    base = live_server
    citizen = make_client()
    app_id = journeys.submitted_case(
        citizen, wait_jobs, seed=91, mobile="13911119101", rendered=False
    )
    number = decisions.case_number(app, app_id)

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors = watch_errors(ctx)  # the admin's pages
    page = ctx.new_page()
    login(page, base, "admin")

    # a division of the tax bureau
    with app.app_context():
        tax_id = db.session.execute(
            db.select(Department.id).where(Department.code == "tax")
        ).scalar()
    add_department(page, base, "tax_audit", "稽查科", "Audit Division", parent_id=tax_id)
    assert "稽查科" in page.locator("tr[data-code='tax_audit']").inner_text()
    shots(page, "departments-with-a-division")

    # a clerk of that division
    with app.app_context():
        division = db.session.execute(
            db.select(Department.id).where(Department.code == "tax_audit")
        ).scalar()
    add_clerk(page, base, "clerk_audit", "周审计", division, TEMP)
    shots(page, "users-with-the-new-clerk")
    page.goto(f"{base}/admin/roles")
    page.wait_for_selector("tr[data-role='auditor']")

    # the clerk logs in and is sent to change the temporary password
    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    clerk = clerk_ctx.new_page()
    login(clerk, base, "clerk_audit", TEMP)
    clerk.wait_for_selector("#password-form")
    assert "/account" in clerk.url
    clerk.goto(f"{base}/clerk/")
    assert "/account" in clerk.url  # still sent back until the password is changed
    shots(clerk, "forced-password-change")
    choose_own_password(clerk, TEMP, OWN)
    clerk.goto(f"{base}/clerk/")
    assert "/clerk/" in clerk.url
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "clerk_audit")).scalar()
        assert not user.must_change_password and user.department_id == division
    clerk_ctx.close()

    # suspend and resume the running case
    page.goto(f"{base}/admin/cases")
    row = page.locator(f"tr[data-case='{number}']")
    row.locator("input[name=reason]").fill("材料真实性待核查")
    row.locator("button", has_text="暂停").click()
    page.wait_for_selector(f"tr[data-case='{number}'][data-instance-status='suspended']")
    assert "材料真实性待核查" in page.locator(f"tr[data-case='{number}']").inner_text()
    shots(page, "case-suspended")
    row = page.locator(f"tr[data-case='{number}']")
    row.locator("button", has_text="恢复").click()
    page.wait_for_selector(f"tr[data-case='{number}'][data-instance-status='waiting']")
    shots(page, "case-resumed")
    with app.app_context():
        assert db.session.get(Application, app_id).instance.status == "waiting"
    ctx.close()
    assert not errors, errors
