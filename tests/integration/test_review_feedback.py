"""Clerks correct the auto-review (type and fields): kept as feedback, counted for admins,
exported for retraining."""

from __future__ import annotations

import json

from app.extensions import db
from app.models import Attachment, HumanTask
from app.services import reviews
from tests import decisions, journeys


def test_clerk_corrections_are_feedback(app, client, make_client, wait_jobs, tmp_path):
    app_id = journeys.submitted_case(client, wait_jobs, seed=13, mobile="13911110002")
    with app.app_context():
        task_id = db.session.execute(
            db.select(HumanTask.id).where(
                HumanTask.application_id == app_id, HumanTask.lane == "tax"
            )
        ).scalar()
        front = db.session.execute(
            db.select(Attachment).where(
                Attachment.application_id == app_id, Attachment.slot == "id_card_front"
            )
        ).scalar()
        assert front.review["doc_type"] and front.review["text"]
        extracted_name = (front.review["fields"].get("name") or {}).get("value")
        assert extracted_name  # a clean ID card: the name is read
    clerk = make_client()
    clerk.login("clerk_tax")
    page = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    # the name read from the ID card is personal data: masked, not editable, until revealed
    assert 'name="field:name"' not in page and extracted_name not in page
    clerk.post(
        f"/clerk/tasks/{task_id}/reveal",
        {"field": f"file.{front.id}", "reason": "check_document"},
    )
    page = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert 'name="field:name"' in page
    # labels come from the document type registry (ml.doctypes), translated on the page
    assert '<option value="passport"' in page and "护照" in page
    assert 'aria-label="姓名"' in page  # the field "name"
    assert "身份证（人像面）" in page  # the expected type of the slot
    unknown = clerk.post(
        f"/clerk/tasks/{task_id}/attachments/{front.id}/type", {"doc_type": "driving_licence"}
    )
    assert unknown.status_code == 400
    resp = clerk.post(
        f"/clerk/tasks/{task_id}/attachments/{front.id}/type",
        {"doc_type": "passport", "field:name": "王五"},
    )
    assert resp.status_code == 302
    with app.app_context():
        att = db.session.get(Attachment, front.id)
        assert att.corrected_type == "passport"
        assert att.corrected_fields == {"name": "王五"}
        rate = reviews.agreement_rate()
        assert rate["reviewed"] == 3 and rate["corrected"] == 1
        assert abs(rate["agreement"] - 2 / 3) < 1e-9
    out = tmp_path / "feedback.jsonl"
    result = app.test_cli_runner().invoke(args=["ml", "export-feedback", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1 and records[0]["doc_type"] == "passport" and records[0]["text"]
    admin = make_client()
    admin.login("admin")
    # the landing page counts the files of decided cases: none yet, then this one's
    assert "66.7" not in admin.get("/admin/").get_data(as_text=True)
    decisions.decide_all(app, make_client, app_id)
    assert "66.7" in admin.get("/admin/").get_data(as_text=True)
    # another department's clerk cannot correct this case's files
    other = make_client()
    other.login("clerk_housing_fund")
    assert (
        other.post(
            f"/clerk/tasks/{task_id}/attachments/{front.id}/type", {"doc_type": "other"}
        ).status_code
        == 403
    )
