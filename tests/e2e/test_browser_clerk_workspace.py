"""Browser test of the clerks' workspace: filter the queue, open a task, take it; the
decision form then appears beside the documents (two columns at desktop width)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Department
from tests import queue_data
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_clerk_filters_the_queue_and_takes_a_task(app, live_server, browser, shots):
    with app.app_context():
        source = queue_data.real_case(citizen_name="张三")
        tax = db.session.execute(db.select(Department.id).where(Department.code == "tax")).scalar()
        citizens = [queue_data.citizen_named(n).id for n in ("李四", "王五")]
        db.session.commit()
        queue_data.clone_tasks(source, tax, 6, first_number=1, citizens=citizens)
        wanted = "YW90000000000002"  # an even number: 李四's
        db.session.remove()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, live_server, "clerk_tax")
    assert page.locator("#queue-table tbody tr[data-task]").count() == 7
    assert page.locator('[data-count="department"]').inner_text() == "7"

    page.fill("#q-applicant", "李")
    page.click("#filter-button")
    assert page.locator("#queue-table tbody tr[data-task]").count() == 3
    page.fill("#q-case", wanted)
    page.click("#filter-button")
    rows = page.locator("#queue-table tbody tr[data-task]")
    assert rows.count() == 1 and rows.first.get_attribute("data-case") == wanted
    shots(page, "queue-filtered")

    rows.first.locator("a").click()
    assert page.locator("#decide-form").count() == 0  # not before the task is held
    page.fill("#claim-reason", "熟悉该企业")
    page.click("#claim-button")
    page.wait_for_selector("#decide-form")
    shots(page, "task-held")
    materials = page.locator("#materials").bounding_box()
    decision = page.locator("#decision-card").bounding_box()
    assert decision["x"] >= materials["x"] + materials["width"] - 1  # side by side
    assert decision["y"] < materials["y"] + 200  # at the top, not below the documents

    page.goto(f"{live_server}/clerk/?tab=mine")
    assert page.locator("#queue-table tbody tr[data-task]").get_attribute("data-case") == wanted
    ctx.close()
