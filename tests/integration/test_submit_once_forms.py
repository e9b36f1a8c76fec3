"""Forms whose second submit would repeat an action carry `data-submit-once`, so that
app/static/js/submit-once.js ignores a double click (the server refuses repeats too; the
browser-side lock itself is exercised in tests/e2e/test_browser_ratings.py)."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Application
from tests import journeys

DEMO_CITIZEN = "13800138000"


def _form_tag(page: str, marker: str) -> str:
    """The opening <form ...> tag that contains *marker* (an action or id)."""
    for tag in re.findall(r"<form\b[^>]*>", page):
        if marker in tag:
            return tag
    raise AssertionError(f"no form with {marker!r} on the page")


def test_register_and_apply_forms_are_locked_after_one_submit(client):
    page = client.get("/register").get_data(as_text=True)
    assert "data-submit-once" in _form_tag(page, 'method="post" class="card card-body"')
    client.login(DEMO_CITIZEN)
    page = client.get(f"/services/{journeys.SERVICE}").get_data(as_text=True)
    assert "data-submit-once" in _form_tag(page, f"/services/{journeys.SERVICE}/apply")


def test_clerk_claim_and_decide_forms_are_locked_after_one_submit(
    app, client, make_client, wait_jobs
):
    app_id = journeys.submitted_case(client, wait_jobs, rendered=False)
    clerk = make_client()
    code = journeys.DEPARTMENTS[0]
    clerk.login(f"clerk_{code}")
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number
    task_id = journeys.open_task_id(clerk, case_number)
    page = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    tags = [
        tag
        for tag in re.findall(r"<form\b[^>]*>", page)
        if f"/clerk/tasks/{task_id}/claim" in tag or 'id="decide-form"' in tag
    ]
    assert tags and all("data-submit-once" in tag for tag in tags)
