"""告知承诺 and 容缺受理 in 单位参保登记: the proof of premises is replaced by a signed
declaration (text, time and who recorded; the clerk sees it and checks it afterwards), and
the list of staff follows after acceptance (the citizen uploads it on the case page; the
scheduler reminds them before the deadline and flags the case to the clerks after it)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import (
    Application,
    ApplicationStatus,
    AuditRecord,
    CaseEvent,
    Notice,
    Notification,
    User,
)
from app.models.materials import BY_DECLARATION, CHECK_FALSE, CHECK_PENDING, DEFERRED
from app.services import deferred, material_rules, notices, retention, scheduler
from tests import decisions, journeys, reuse_journey
from tests.unit.test_notice_documents import pdf_text

pytestmark = pytest.mark.slow

FORM = json.loads(
    (Path(__file__).parents[2] / "forms" / "employer_insurance.json").read_text("utf-8")
)
LEASE_TEXT = {m["slot"]: m for m in FORM["materials"]}["lease"]["declarable"]


def _substitutes(app, app_id: int) -> dict:
    with app.app_context():
        application = db.session.get(Application, app_id)
        return {
            s.slot: {
                "kind": s.kind,
                "statement": s.statement,
                "created_by": s.created_by_id,
                "created_at": s.created_at,
                "check": s.check_status,
                "note": s.check_note,
                "supplied_at": s.supplied_at,
                "overdue_at": s.overdue_at,
                "reminded_at": s.reminded_at,
            }
            for s in application.material_substitutes
        }


def _clerk_page(make_client, app, app_id: int, login: str = "clerk_social_security") -> str:
    clerk = make_client()
    clerk.login(login)
    number = decisions.case_number(app, app_id)
    return clerk.get(f"/clerk/tasks/{journeys.open_task_id(clerk, number)}").get_data(as_text=True)


def test_a_declaration_replaces_the_material_and_is_checked_afterwards(
    app, client, make_client, wait_jobs
):
    person = journeys.make_materials(seed=51)["person"]
    journeys.register(client, person, mobile="13911115101")
    draft = reuse_journey.start(client)
    guide = client.get("/services/employer_insurance?lang=en").get_data(as_text=True)
    assert 'data-mark="declarable"' in guide and LEASE_TEXT["en"] in guide
    reuse_journey.declare(client, draft, agree=False)  # the box not ticked: nothing recorded
    assert "Tick the box" in client.get("/?lang=en").get_data(as_text=True)
    assert _substitutes(app, draft) == {}
    client.post(f"/applications/{draft}/delete")

    client2 = make_client()
    app_id = reuse_journey.submitted_with_uploads(
        app, client2, wait_jobs, seed=52, mobile="13911115201"
    )
    lease = _substitutes(app, app_id)["lease"]
    assert lease["kind"] == BY_DECLARATION and lease["check"] == CHECK_PENDING
    assert lease["statement"] == LEASE_TEXT["en"]  # the text as it was shown and signed
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert lease["created_by"] == application.citizen_id and lease["created_at"]
        assert not [a for a in application.attachments if a.slot == "lease"]

    page = _clerk_page(make_client, app, app_id)
    assert (
        'class="border border-info rounded p-2 mb-2 declaration-given" data-check="pending"' in page
    )
    assert LEASE_TEXT["en"] in page

    number = decisions.case_number(app, app_id)
    clerk = make_client()
    clerk.login("clerk_social_security")
    listing = clerk.get("/clerk/commitments").get_data(as_text=True)
    row = f'data-case="{number}" data-check="pending"'
    assert row in listing
    other = make_client()
    other.login("clerk_tax")  # no task of this case in the tax bureau
    assert number not in other.get("/clerk/commitments").get_data(as_text=True)

    sub_id = int(listing.split(row)[0].rsplit('data-declaration="', 1)[1].split('"')[0])
    resp = clerk.post(f"/clerk/commitments/{sub_id}?lang=en", {"outcome": "false", "note": ""})
    assert resp.status_code == 302
    assert "Say what the check found" in clerk.get("/clerk/commitments?lang=en").get_data(
        as_text=True
    )
    assert _substitutes(app, app_id)["lease"]["check"] == CHECK_PENDING
    clerk.post(
        f"/clerk/commitments/{sub_id}",
        {"outcome": "false", "note": "实地核查：该地址为住宅，无经营场所"},
    )
    assert _substitutes(app, app_id)["lease"]["check"] == CHECK_FALSE
    assert number not in clerk.get("/clerk/commitments").get_data(as_text=True)
    checked = clerk.get("/clerk/commitments?status=false").get_data(as_text=True)
    assert f'data-case="{number}" data-check="false"' in checked and "无经营场所" in checked
    with app.app_context():
        record = db.session.execute(
            db.select(AuditRecord).where(AuditRecord.object_type == "declaration")
        ).scalar_one()
        assert record.details["outcome"] == "false"
        # Past its retention, the closed case keeps the check's outcome but not its note.
        db.session.get(Application, app_id).status = ApplicationStatus.WITHDRAWN
        db.session.commit()
        assert retention.anonymise_case(app_id)
        db.session.remove()
    lease = _substitutes(app, app_id)["lease"]
    assert lease["check"] == CHECK_FALSE and lease["note"] is None


def test_a_non_key_material_follows_after_acceptance(app, client, make_client, wait_jobs):
    app_id = reuse_journey.submitted_with_uploads(
        app, client, wait_jobs, seed=53, mobile="13911115301"
    )
    staff = _substitutes(app, app_id)["staff_list"]
    assert staff["kind"] == DEFERRED and staff["supplied_at"] is None
    with app.app_context():  # the receipt (受理回执) lists how each material was given
        receipt = db.session.execute(
            db.select(Notice).where(Notice.application_id == app_id, Notice.kind == "receipt")
        ).scalar_one()
        text = pdf_text(notices.path_for(receipt).read_bytes())
    assert "住所使用证明（房屋租赁合同）（告知承诺）" in text
    assert "参保职工花名册（容缺受理，受理后补交）" in text
    case_page = client.get(f"/cases/{app_id}?lang=en").get_data(as_text=True)
    assert 'id="outstanding"' in case_page and 'data-slot="staff_list"' in case_page
    with app.app_context():
        application = db.session.get(Application, app_id)
        due = deferred.due_at(application)
        assert application.accepted_at is not None and due > application.accepted_at
    assert "due by" in case_page
    assert 'data-state="outstanding"' in _clerk_page(make_client, app, app_id)

    resp = client.post(
        f"/cases/{app_id}/materials/staff_list",
        {"file": (journeys.io.BytesIO(journeys.blank_png()), "staff.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    wait_jobs()
    staff = _substitutes(app, app_id)["staff_list"]
    assert staff["supplied_at"] is not None
    with app.app_context():
        application = db.session.get(Application, app_id)
        files = [a for a in application.attachments if a.slot == "staff_list"]
        assert len(files) == 1 and files[0].review_status != "pending"  # reviewed like others
        kinds = [
            e.kind
            for e in db.session.execute(
                db.select(CaseEvent).where(CaseEvent.application_id == app_id)
            ).scalars()
        ]
        assert "material_supplied" in kinds
    assert 'id="outstanding"' not in client.get(f"/cases/{app_id}").get_data(as_text=True)
    page = _clerk_page(make_client, app, app_id)
    assert 'data-state="supplied"' in page and "staff.png" in page
    # Nothing outstanding any more: a second upload is refused, nothing is stored.
    client.post(
        f"/cases/{app_id}/materials/staff_list?lang=en",
        {"file": (journeys.io.BytesIO(journeys.blank_png()), "again.png")},
        content_type="multipart/form-data",
    )
    assert "not outstanding" in client.get("/?lang=en").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Application, app_id).attachments) == 3


def test_the_deadline_reminds_the_citizen_then_flags_the_case(app, client, make_client, wait_jobs):
    app_id = reuse_journey.submitted_with_uploads(
        app, client, wait_jobs, seed=54, mobile="13911115401"
    )
    with app.app_context():
        application = db.session.get(Application, app_id)
        rule = material_rules.deferral_rule(application.service)
        assert rule == {"working_days": 10, "remind_days_before": 2, "on_missing": "flag"}
        remind, due = deferred.remind_at(application, rule), deferred.due_at(application, rule)
        citizen_id = application.citizen_id
        assert deferred.check_deadlines(remind - timedelta(minutes=1)) == {
            "reminded": 0,
            "flagged": 0,
        }
        assert deferred.check_deadlines(remind + timedelta(minutes=1))["reminded"] == 1
        assert deferred.check_deadlines(remind + timedelta(minutes=2))["reminded"] == 0  # once
        reminders = (
            db.session.execute(
                db.select(Notification).where(
                    Notification.recipient_id == citizen_id,
                    Notification.kind == "material_reminder",
                )
            )
            .scalars()
            .all()
        )
        assert len(reminders) == 1 and reminders[0].application_id == app_id
        assert deferred.check_deadlines(due + timedelta(minutes=1)) == {
            "reminded": 0,
            "flagged": 1,
        }
        leads = (
            db.session.execute(
                db.select(Notification.recipient_id).where(Notification.kind == "material_overdue")
            )
            .scalars()
            .all()
        )
        lead = db.session.execute(
            db.select(User).where(User.username == "lead_social_security")
        ).scalar_one()
        assert leads == [lead.id]  # nobody holds the review yet: the department's lead
        assert scheduler.tick(app)["materials_flagged"] == 0  # flagged once
        db.session.remove()
    assert _substitutes(app, app_id)["staff_list"]["overdue_at"] is not None
    page = _clerk_page(make_client, app, app_id)
    assert 'data-state="overdue"' in page
    case_page = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'data-overdue="yes"' in case_page  # the citizen may still send it, late


def test_a_deferred_material_sent_with_corrections_counts_as_supplied(
    app, client, make_client, wait_jobs
):
    app_id = reuse_journey.submitted_with_uploads(
        app, client, wait_jobs, seed=55, mobile="13911115501"
    )
    clerk = make_client()
    clerk.login("clerk_social_security")
    number = decisions.case_number(app, app_id)
    resp = clerk.post(
        f"/clerk/tasks/{journeys.open_task_id(clerk, number)}/decide",
        {"decision": "correct", "correction_items": "请上传参保职工花名册"},
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/cases/{app_id}/correction",
        {"note": "已上传", "file:staff_list": (journeys.io.BytesIO(journeys.blank_png()), "s.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    wait_jobs()
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert deferred.outstanding(application) == []
        far = deferred.due_at(application) + timedelta(days=30)
        assert deferred.check_deadlines(far) == {"reminded": 0, "flagged": 0}
        db.session.remove()
    assert 'id="outstanding"' not in client.get(f"/cases/{app_id}").get_data(as_text=True)
