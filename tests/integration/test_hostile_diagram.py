"""A diagram whose script misbehaves at run time: the case stays where it was, an incident is
shown to administrators, the server is unharmed; a fixed version lets the case move on."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Application, HumanTask, Incident, TaskStatus
from tests.integration.test_access_and_bad_input import _submitted_case
from tests.integration.test_admin_processes import _post_xml, _xml

HOSTILE = {
    "infinite_loop": "while True:\n    pass",
    "subclasses_walk": "x = ().__class__.__base__.__subclasses__()",
    "huge_allocation": "x = 'a' * (10 ** 10)",
    # undecidable before running: only the run-time limits can stop these
    "data_driven_loop": "n = 1\nwhile n > 0:\n    n = n + 1",
    "data_driven_allocation": "k = len(comment) + 10 ** 4\nx = [0] * (k * k * k)",
}
DEPLOY_REFUSABLE = {"subclasses_walk"}  # the others are stopped by run-time limits


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_script_is_refused_or_fails_safely(app, client, make_client, wait_jobs, kind):
    admin = make_client()
    admin.login("admin")
    admin.get("/admin/processes/business_registration/edit")
    xml = _xml(admin)
    old = "tax_approved = approved\n"
    assert old in xml
    hostile = xml.replace(old, old + HOSTILE[kind] + "\n", 1)
    url = "/admin/processes/business_registration/versions/1"
    body = _post_xml(admin, url + "/deploy", hostile).get_json()
    if not body["ok"]:  # refused at deploy, naming the element: the best outcome
        assert kind in DEPLOY_REFUSABLE
        assert any(i["element_id"] == "review_tax" for i in body["issues"]), body
        return
    assert kind not in DEPLOY_REFUSABLE
    app_id = _submitted_case(client, wait_jobs, seed=17, mobile="13911110003")
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
    tax = make_client()
    tax.login("clerk_tax")
    resp = tax.post(f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": ""})
    assert resp.status_code == 302
    page = tax.get(resp.headers["Location"]).get_data(as_text=True)
    assert "review_tax" in page  # the clerk is told where the process failed
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.OPEN  # not lost
        incident = db.session.execute(db.select(Incident)).scalars().one()
        assert incident.element_id == "review_tax"
        expected = ("timed out",) if "loop" in kind else ("too large", "memory limit")
        assert any(e in incident.message for e in expected), incident.message
        assert db.session.get(Application, app_id).status.value == "in_review"
    assert "review_tax" in admin.get("/admin/").get_data(as_text=True)
    assert client.get("/").status_code == 200  # the server is unharmed
