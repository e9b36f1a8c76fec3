"""Browser test: an administrator edits a process in the bpmn-js modeler, deploys it, and a
new case starts on the new version."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, HumanTask, ProcessVersion
from tests import journeys
from tests.e2e.steps import login, watch_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_admin_edits_deploys_and_new_case_uses_new_version(
    app, live_server, browser, shots, client, wait_jobs
):
    base = live_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    console_errors = watch_errors(ctx)
    page = ctx.new_page()
    login(page, base, "admin")
    page.goto(f"{base}/admin/processes/business_registration/edit")
    page.wait_for_selector("#canvas[data-ready='1']")
    assert console_errors == []  # bpmn-js 18 refused keyboard.bindTo on every load
    shots(page, "modeler-open")

    # Rename the tax review task by direct editing, as a person would: double-click, type.
    page.dblclick("[data-element-id=review_tax]")
    editor = page.locator(".djs-direct-editing-parent")
    editor.wait_for()
    page.keyboard.press("Control+A")
    page.keyboard.type("税务登记审核 Tax registration review")
    page.mouse.click(5, 300)  # click on empty canvas to finish editing
    page.click("#validate-button")
    page.wait_for_selector("#modeler-status.alert-success")
    page.click("#deploy-button")
    page.wait_for_selector("#modeler-status[data-version='2']")
    shots(page, "modeler-deployed")

    # Break it: a lane no department owns is refused, and marked on the diagram.
    page.evaluate("""() => {
      const m = window.owModeler, reg = m.get('elementRegistry');
      m.get('modeling').updateProperties(reg.get('Lane_tax'), {name: 'ministry_of_magic'});
    }""")
    page.click("#validate-button")
    page.wait_for_selector("#modeler-status.alert-danger")
    assert page.locator("#modeler-issues li[data-code=unknown_lane]").count() == 1
    shots(page, "modeler-invalid")
    ctx.close()

    with app.app_context():
        assert (
            db.session.execute(
                db.select(ProcessVersion.version).where(
                    ProcessVersion.is_current.is_(True),
                    ProcessVersion.process_id == "business_registration",
                )
            ).scalar()
            == 2
        )

    app_id = journeys.submitted_case(client, wait_jobs, seed=5, mobile="13911116666")
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.instance.process_version.version == 2
        names = {
            t.name
            for t in db.session.execute(
                db.select(HumanTask).where(HumanTask.application_id == app_id)
            ).scalars()
        }
        assert "税务登记审核 Tax registration review" in names

    # The case's diagram (bpmn-js viewer) draws under the Content-Security-Policy too: the
    # browser fixture fails the test on any violation.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    login(page, base, "admin")
    page.goto(f"{base}/admin/processes/cases/{app_id}/diagram")
    page.wait_for_selector("#canvas[data-ready='1']")
    assert page.locator("#canvas .djs-element.ow-active").count() >= 1
    shots(page, "case-diagram")
    ctx.close()
