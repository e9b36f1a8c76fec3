"""免提交: an applicant who holds the business licence in the register fills the material
slot by reference, with one click, instead of uploading it (no file, no OCR job); the
form is prefilled from the verified identity and the licence; the clerk sees the verified
certificate with the register's data, and a revocation or expiry after submission is
flagged on the task page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Application, Attachment, ECertificate, Job, Notice, User
from app.models.materials import BY_CERTIFICATE, MaterialSubstitute
from app.services import ecertificates, notices, reuse, timeline
from app.services.periods import local_today
from tests import decisions, journeys, reuse_journey
from tests.unit.test_notice_documents import pdf_text

pytestmark = pytest.mark.slow


def _task_page(make_client, app, app_id: int) -> str:
    clerk = make_client()
    clerk.login("clerk_social_security")
    number = decisions.case_number(app, app_id)
    return clerk.get(f"/clerk/tasks/{journeys.open_task_id(clerk, number)}").get_data(as_text=True)


def test_licence_is_reused_by_reference_and_the_clerk_sees_it_verified(
    app, client, make_client, wait_jobs
):
    licence = reuse_journey.licensed_citizen(
        app, client, make_client, wait_jobs, seed=41, mobile="13911114101"
    )
    assert "e-certificate accepted" in client.get("/services/employer_insurance?lang=en").get_data(
        as_text=True
    )
    app_id = reuse_journey.start(client)

    values = reuse_journey.prefilled(app, app_id)  # identity and licence, before any typing
    assert values["company_name"] == licence["holder_name"]
    assert values["credit_code"] == licence["holder_code"]
    assert values["address"] == "上海市浦东新区世纪大道100号"  # printed on the licence
    assert values["legal_rep_id_number"] == licence["person"]["id_number"]
    assert values["legal_rep_name"] == licence["person"]["name"]
    reuse_journey.fill_form(client, app_id, values)

    page = client.get(f"/applications/{app_id}/materials?lang=en").get_data(as_text=True)
    assert f"Use my e-certificate {licence['number']}" in page
    with app.app_context():
        jobs_before = db.session.execute(db.select(db.func.count(Job.id))).scalar()
    assert reuse_journey.use_certificate(client, app_id, licence["id"]).status_code == 302
    with app.app_context():
        application = db.session.get(Application, app_id)
        sub = application.material_substitutes[0]
        assert (sub.slot, sub.kind, sub.certificate_id) == (
            "business_licence",
            BY_CERTIFICATE,
            licence["id"],
        )
        assert not application.attachments  # no file stored
        assert db.session.execute(db.select(db.func.count(Job.id))).scalar() == jobs_before
    page = client.get(f"/applications/{app_id}/materials?lang=en").get_data(as_text=True)
    assert 'data-kind="ecertificate"' in page and "Upload the file instead" in page

    reuse_journey.declare(client, app_id)
    journeys.upload(client, app_id, "id_card_front", journeys.blank_png(), "id.png")
    wait_jobs()
    confirm = client.get(f"/applications/{app_id}/confirm").get_data(as_text=True)
    assert 'id="missing-list"' not in confirm
    assert journeys.submit(client, app_id).status_code == 302
    wait_jobs()
    journeys.decide_intake(app, app_id)

    page = _task_page(make_client, app, app_id)
    assert f'data-certificate="{licence["number"]}" data-status="valid" data-flagged="no"' in page
    assert licence["holder_code"] in page and "市场监督管理局" in page
    with app.app_context():
        code = db.session.get(ECertificate, licence["id"]).verify_code
        assert reuse.avoided_uploads(db.session.get(Application, app_id)) == 2
    assert f"/verify/certificates/{code}" in page
    with app.app_context():  # the receipt says the licence was given by reference
        receipt = db.session.execute(
            db.select(Notice).where(Notice.application_id == app_id, Notice.kind == "receipt")
        ).scalar_one()
        text = pdf_text(notices.path_for(receipt).read_bytes())
    assert f"营业执照（电子证照{licence['number']}，免提交）" in text.replace("\n", "")


def test_revocation_and_expiry_after_submission_are_flagged(app, client, make_client, wait_jobs):
    licence = reuse_journey.licensed_citizen(
        app, client, make_client, wait_jobs, seed=42, mobile="13911114201"
    )
    app_id = reuse_journey.submitted(app, client, wait_jobs, licence)
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        ecertificates.revoke(licence["id"], admin, "登记事项虚假")
    page = _task_page(make_client, app, app_id)
    assert 'data-status="revoked" data-flagged="yes"' in page
    assert 'class="alert alert-danger py-1 my-1 small certificate-flag"' in page
    # …and the revocation is written on this case's timeline, for its clerks only.
    assert f'used-certificate-revoked">{licence["number"]}<' in page and "登记事项虚假" in page
    with app.app_context():
        public = timeline.public_events(db.session.get(Application, app_id))
        assert "certificate_revoked" not in {e.kind for e in public}

    with app.app_context():  # the same, for a certificate past its last valid day
        cert = db.session.get(ECertificate, licence["id"])
        cert.status, cert.valid_until = "valid", local_today() - timedelta(days=1)
        db.session.commit()
    page = _task_page(make_client, app, app_id)
    assert 'data-status="expired" data-flagged="yes"' in page


def test_a_certificate_that_cannot_fill_the_slot_is_refused(app, client, make_client, wait_jobs):
    licence = reuse_journey.licensed_citizen(
        app, client, make_client, wait_jobs, seed=43, mobile="13911114301"
    )
    app_id = reuse_journey.start(client)
    # A slot that takes no certificate, and a certificate number nobody holds.
    resp = reuse_journey.use_certificate(client, app_id, licence["id"], slot="id_card_front")
    assert resp.status_code == 302
    assert "cannot be replaced by a certificate" in client.get("/?lang=en").get_data(as_text=True)
    reuse_journey.use_certificate(client, app_id, licence["id"] + 999)
    assert "Certificate not found" in client.get("/?lang=en").get_data(as_text=True)
    # Someone else's licence is not theirs to use.
    other = make_client()
    journeys.register(other, journeys.make_materials(seed=44)["person"], mobile="13911114401")
    other_draft = reuse_journey.start(other)
    reuse_journey.use_certificate(other, other_draft, licence["id"])
    assert "Certificate not found" in other.get("/?lang=en").get_data(as_text=True)
    assert "Use my e-certificate" not in other.get(
        f"/applications/{other_draft}/materials?lang=en"
    ).get_data(as_text=True)
    # A revoked licence is neither offered nor accepted.
    with app.app_context():
        admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
        ecertificates.revoke(licence["id"], admin, "吊销")
    assert "Use my e-certificate" not in client.get(
        f"/applications/{app_id}/materials?lang=en"
    ).get_data(as_text=True)
    reuse_journey.use_certificate(client, app_id, licence["id"])
    assert "no longer valid" in client.get("/?lang=en").get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(MaterialSubstitute.id))).scalar() == 0
        assert (
            db.session.execute(
                db.select(db.func.count(Attachment.id)).where(
                    Attachment.application_id.in_((app_id, other_draft))
                )
            ).scalar()
            == 0
        )
    # Without the licence the slot must be uploaded: submission says what is missing.
    confirm = client.get(f"/applications/{app_id}/confirm").get_data(as_text=True)
    assert 'id="missing-list"' in confirm and 'data-missing="material:business_licence"' in confirm
