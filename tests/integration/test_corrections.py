"""Residence permit: the department asks for corrections (补正), the citizen answers once with
replacement files, the case resumes through a BPMN message and is approved."""

from __future__ import annotations

import io
import random

import pytest

from app.extensions import db
from app.models import Application, ApplicationStatus, HumanTask, TaskStatus
from ml.synthetic import render
from tests import journeys


def _png(doc_type, seed):
    image, fields = render(doc_type, random.Random(seed), capture="clean")
    return journeys.png_bytes(image), fields


@pytest.mark.slow
def test_correction_loop_then_approval(app, client, make_client, wait_jobs):
    front, person = _png("id_card_front", 1)
    files = {
        "id_card_front": front,
        "id_card_back": _png("id_card_back", 2)[0],
        "lease": _png("lease_contract", 3)[0],
        "employment": _png("other", 4)[0],
    }
    app_id = journeys.submitted_residence_permit(client, wait_jobs, person, "13911117777", files)
    with app.app_context():
        case_number = db.session.get(Application, app_id).case_number

    police = make_client()
    police.login("clerk_public_security")
    task_id = journeys.open_task_id(police, case_number)
    resp = police.post(
        f"/clerk/tasks/{task_id}/decide", {"decision": "correct", "correction_items": ""}
    )
    assert resp.status_code == 400  # the items to correct are required
    resp = police.post(
        f"/clerk/tasks/{task_id}/decide",
        {"decision": "correct", "correction_items": "在职证明不清晰，请重新上传加盖公章的在职证明"},
    )
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Application, app_id).status == ApplicationStatus.CORRECTION

    page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="correction-card"' in page and "在职证明不清晰" in page
    new_cert, _ = _png("employment_certificate", 5)
    resp = client.post(
        f"/cases/{app_id}/correction",
        {
            "note": "已重新上传在职证明",
            "file:employment": (io.BytesIO(new_cert), "employment2.png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    wait_jobs()  # review of the new file, then the auto_review service task again
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.IN_REVIEW
        employment = [a for a in application.attachments if a.slot == "employment"]
        assert [a.superseded for a in employment] == [True, False]
        open_tasks = (
            db.session.execute(
                db.select(HumanTask).where(
                    HumanTask.application_id == app_id, HumanTask.status == TaskStatus.OPEN
                )
            )
            .scalars()
            .all()
        )
        assert len(open_tasks) == 1

    resp = client.post(f"/cases/{app_id}/correction", {"note": "again"})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "无需补正" in page

    task_id = journeys.open_task_id(police, case_number)
    resp = police.post(f"/clerk/tasks/{task_id}/decide", {"decision": "approve"})
    assert resp.status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == ApplicationStatus.APPROVED
        kinds = [
            e.kind for e in __import__("app.services.timeline", fromlist=["x"]).events(application)
        ]
        assert "correction_submitted" in kinds and kinds.count("task_done") == 3  # with intake
