"""Browser test (issue 13's journey, no file touched): an administrator creates a department
and its clerk, a new service with a form holding a conditional field, uploads a two-lane
Camunda Modeler diagram, maps its lanes to departments in the dialog and deploys it, gives
the second lane to the tax bureau with the modeler's properties panel and deploys again,
publishes the service; a citizen finds it by search, sees the
conditional field only while its condition holds, uploads the material and submits; the new
clerk (after choosing their own password) and then a tax clerk decide in their queues, and
the citizen sees the approval. No console error on any page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Application, Department, ProcessVersion, Service
from tests import journeys
from tests.e2e.steps import add_clerk, add_department, choose_own_password, login, watch_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "workflows" / "two_lanes_foreign.bpmn"
TEMP = "Temp4bike!lane"
OWN = "Own7bike!river"


def _card(page, n: int):
    return page.locator("#form-editor [data-field]").nth(n)


def _decide(browser, base: str, user: str, password: str, case_number: str, errors, shots):
    """A clerk opens the case from their queue, takes the task and approves it."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    watch_errors(ctx, errors)
    page = ctx.new_page()
    login(page, base, user, password)
    page.goto(f"{base}/clerk/")
    page.locator(f"tr[data-case={case_number}]").locator("a").first.click()
    page.click("#claim-button")
    page.check("#f-approved-true")
    page.fill("#f-comment", "同意")
    shots(page, f"decided-by-{user}")
    with page.expect_navigation():  # answered before the next look
        page.click("#decide-button")
    page.wait_for_url(re.compile(r".*/clerk/?$"))
    assert page.locator(f"tr[data-case={case_number}]").count() == 0
    ctx.close()


def test_admin_builds_a_service_that_a_citizen_applies_for_and_the_new_clerk_decides(
    app, live_server, browser, shots, tmp_path
):
    base = live_server
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    errors = watch_errors(ctx)
    page = ctx.new_page()
    login(page, base, "admin")

    # 0. a new department and its first clerk, with a temporary password
    add_department(page, base, "bike_office", "非机动车管理所", "Bicycle Office")
    with app.app_context():
        office = db.session.execute(
            db.select(Department.id).where(Department.code == "bike_office")
        ).scalar_one()
    add_clerk(page, base, "clerk_bike", "吴单车", office, TEMP)

    # 1. the service: guide, limits, process binding, a material, a form with a condition
    page.goto(f"{base}/admin/services/")
    page.click("#new-service")
    page.fill("#code", "bike_permit")
    page.fill("#name_zh", "自行车停放许可")
    page.fill("#name_en", "Bicycle parking permit")
    page.select_option("#category", "personal")
    page.fill("#theme_zh", "交通出行")
    page.fill("#theme_en", "Transport")
    page.fill("#time_limit_days", "10")
    page.fill("#promised_days", "5")
    page.fill("#process_id", "bike_permit_flow")
    page.fill("#summary_zh", "在小区停放自行车的许可。")
    page.fill("#conditions_zh", "本人居住在本市。")
    page.locator("[name=material_slot]").first.fill("id_card_front")
    page.locator("[name=material_doc_type]").first.select_option("id_card_front")
    page.locator("[name=material_label_zh]").first.fill("身份证人像面")

    page.click("#form-editor .add-field")
    first = _card(page, 0)
    first.locator("[data-role=name]").fill("reason")
    first.locator("[data-role=label-zh]").fill("申请原因")
    first.locator("[data-role=type]").select_option("select")
    first = _card(page, 0)
    first.locator("[data-role=options]").fill("rent|租房|Renting\nbuy|购房|Buying")
    first.locator("[data-role=required]").check()
    page.click("#form-editor .add-field")
    second = _card(page, 1)
    second.locator("[data-role=name]").fill("landlord")
    second.locator("[data-role=label-zh]").fill("房东姓名")
    second.locator("[data-role=show-field]").select_option("reason")
    _card(page, 1).locator("[data-role=show-equals]").fill("rent")
    _card(page, 1).locator("[data-role=required]").check()

    # the live preview is the portal's form, and applies the condition
    preview = page.locator("#form-preview")
    preview.locator("select[name=reason]").wait_for()
    page.wait_for_selector("#form-preview [data-show-when-field=reason]", state="attached")
    preview.locator("input[name=landlord]").wait_for(state="hidden")  # once the script ran
    preview.locator("select[name=reason]").select_option("rent")
    preview.locator("input[name=landlord]").wait_for(state="visible")
    shots(page, "service-editor")
    page.click("#save-draft")
    page.wait_for_selector("#draft-note")

    # 2. the process: uploaded, lanes mapped in the dialog, deployed
    page.goto(f"{base}/admin/processes/")
    page.set_input_files("#bpmn-file", str(FIXTURE))
    page.click("#upload-button")
    page.wait_for_selector("#mapping-dialog")
    page.locator("tr[data-lane='Front desk'] select").select_option("bike_office")
    page.locator("tr[data-lane='Approvals office'] select").select_option("market_regulation")
    page.select_option("select[name=form_value]", "review_decision")
    # the diagram has one end and no gateway: reaching it means approved (a clerk's "no"
    # still makes the case rejected: engine/outcome.py)
    page.select_option("select[name=end_value]", "approved")
    shots(page, "mapping-dialog")
    page.click("#deploy-upload")
    page.wait_for_selector("tr[data-version='1']")

    # ... then changed in the modeler: the properties panel gives the second lane to the tax
    # bureau, the deploy check (run as the admin edits) agrees, and version 2 is deployed
    page.goto(f"{base}/admin/processes/bike_permit_flow/edit")
    page.wait_for_selector("#canvas[data-ready='1']")
    page.wait_for_selector("#live-check[data-state=ok]")
    lane = page.locator(".djs-element[data-element-id=Lane_back]").bounding_box()
    page.mouse.click(lane["x"] + lane["width"] - 30, lane["y"] + lane["height"] / 2)
    department = page.locator("#properties-panel select[name=ow-department]")
    department.wait_for()
    assert department.input_value() == "Approvals office"  # its name, mapped at upload
    department.select_option("tax")
    page.wait_for_selector("#live-check[data-state=ok]")
    shots(page, "modeler-panel")
    page.click("#deploy-button")
    page.wait_for_selector("#modeler-status[data-version='2']")

    # 3. publish
    page.goto(f"{base}/admin/services/bike_permit/edit")
    page.click("#publish")
    page.wait_for_selector("tr[data-service=bike_permit]")

    # a task form opens in the same editor (its fields without sections)
    page.goto(f"{base}/admin/services/task-forms/review_decision")
    page.locator("#form-preview [name=approved]").first.wait_for(state="attached")
    assert page.locator("#form-editor [data-field]").count() == 2
    ctx.close()

    with app.app_context():
        svc = db.session.execute(db.select(Service).where(Service.code == "bike_permit")).scalar()
        assert svc.active and svc.process_id == "bike_permit_flow"
        lanes = db.session.execute(
            db.select(ProcessVersion.info).where(
                ProcessVersion.process_id == "bike_permit_flow", ProcessVersion.is_current
            )
        ).scalar()["lanes"]
        assert sorted(lanes) == ["bike_office", "tax"]

    # 4. a citizen finds it and meets the condition
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    watch_errors(ctx, errors)
    page = ctx.new_page()
    login(page, base, "13800138000")
    page.goto(f"{base}/")
    page.fill("#q", "自行车")
    page.click("#service-search button[type=submit]")
    page.wait_for_selector("[data-service=bike_permit]")
    assert page.locator("[data-service]").count() == 1
    page.click("[data-service=bike_permit] a")
    page.click("#apply-button")
    page.wait_for_selector("#application-form")
    landlord = page.locator("#application-form input[name=landlord]")
    assert not landlord.is_visible()
    page.select_option("#f-reason", "rent")
    landlord.wait_for(state="visible")
    page.select_option("#f-reason", "buy")
    landlord.wait_for(state="hidden")
    page.select_option("#f-reason", "rent")
    page.fill("#application-form input[name=landlord]", "王房东")
    shots(page, "citizen-form")
    page.click("#application-form button[type=submit]")
    page.wait_for_url("**/materials")

    # 5. the material, then submit
    id_card = tmp_path / "id_card_front.png"
    id_card.write_bytes(journeys.make_materials(seed=33)["files"]["id_card_front"])
    page.set_input_files("[data-slot=id_card_front] input[type=file]", str(id_card))
    page.click("[data-slot=id_card_front] .upload-form button")
    page.wait_for_selector('[data-status="pending"]', state="detached", timeout=120_000)
    page.click("#to-confirm")
    page.click("#submit-button")
    page.wait_for_url(re.compile(r".*/cases/\d+"))
    case_number = re.search(r"YW\d{14}", page.content()).group(0)
    case_url = page.url

    # 6. the new clerk chooses their own password, then decides; then the tax bureau
    clerk_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    watch_errors(clerk_ctx, errors)
    clerk = clerk_ctx.new_page()
    login(clerk, base, "clerk_bike", TEMP)
    choose_own_password(clerk, TEMP, OWN)
    clerk_ctx.close()
    _decide(browser, base, "clerk_bike", OWN, case_number, errors, shots)
    _decide(browser, base, "clerk_tax", "Demo12345", case_number, errors, shots)

    page.goto(case_url)
    page.wait_for_selector("#decision")
    shots(page, "citizen-sees-the-decision")
    ctx.close()
    with app.app_context():
        case = db.session.execute(
            db.select(Application).where(Application.case_number == case_number)
        ).scalar_one()
        assert case.decision == "approved" and case.status.value == "approved"
    assert errors == []
