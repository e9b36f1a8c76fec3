"""Masking and reveal on the clerk's case page: personal values (declared sensitive in the
form schema, the applicant's account, the auto-review's findings) are masked everywhere in
the HTML; a reveal needs a reason, only for a case the clerk may see, and writes an audit
record that keeps the hash chain whole."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Application, Attachment, AuditRecord, Department, HumanTask, User
from app.services import privacy
from tests import privacy_data
from tests.privacy_data import ID_NUMBER, LESSOR, MOBILE, REP_ID, REP_PHONE


@pytest.fixture()
def case(app, demo):
    """See `tests.privacy_data.sensitive_case`."""
    with app.app_context():
        ids = privacy_data.sensitive_case()
        db.session.remove()
    return ids


def _reveals() -> list[AuditRecord]:
    return list(
        db.session.execute(
            db.select(AuditRecord).where(AuditRecord.action == "reveal").order_by(AuditRecord.seq)
        ).scalars()
    )


def _clerk(make_client, username="clerk_tax"):
    client = make_client()
    client.login(username)
    return client


def test_clerk_sees_every_personal_value_masked(case, make_client):
    _app_id, task_id, _card = case
    body = _clerk(make_client).get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    for full in (ID_NUMBER, REP_ID, REP_PHONE, MOBILE, "李小龙", "张江路88号", "1949-12-31"):
        assert full not in body, full
    assert "110***********1234" in body  # the representative's ID number, from the form
    assert "139****5678" in body
    assert "李*龙" in body
    assert "110***********002X" in body  # the ID card's, in its fields, text and evidence
    assert "上海市浦东新区****" in body and "1949-**-**" in body
    assert "张*" in body  # the applicant in the header
    # the masked findings are not editable as corrections (a masked value would be saved)
    assert 'name="field:id_number"' not in body and 'name="field:sex"' in body
    assert len(re.findall(r'data-reveal="form\.', body)) == 3
    assert 'data-reveal="file.' in body and 'data-reveal="applicant.real_name"' in body
    # the lease's landlord and address, in its fields and in its recognised text (which OCR
    # spaced as the paper does: "滨江大道 261 号"), and no recognised text before a reveal
    assert LESSOR not in body and "周*刚" in body
    assert "滨江大道" not in body and "浙江省杭州市西湖区****" in body
    assert "ow-ocr-text-hidden" in body and 'class="ow-ocr-text"' not in body


def test_the_recognised_text_shows_once_its_file_is_revealed(app, case, make_client):
    app_id, task_id, _card = case
    with app.app_context():
        lease = db.session.execute(
            db.select(Attachment.id).where(
                Attachment.application_id == app_id, Attachment.slot == "lease"
            )
        ).scalar_one()
    clerk = _clerk(make_client)
    clerk.post(f"/clerk/tasks/{task_id}/reveal", {"field": f"file.{lease}", "reason": "decide"})
    body = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert f"出租方 {LESSOR}" in body and "滨江大道 261 号" in body
    assert body.count('class="ow-ocr-text"') == 1  # the lease's; the ID card's stays hidden


def test_queue_masks_the_applicant(case, make_client):
    body = _clerk(make_client).get("/clerk/").get_data(as_text=True)
    assert "张*" in body and "张三" not in body


def test_reveal_without_a_reason_is_refused(case, make_client, app):
    _app_id, task_id, _card = case
    clerk = _clerk(make_client)
    for data in ({}, {"reason": "nonsense"}, {"reason": "other", "note": "  "}):
        resp = clerk.post(
            f"/clerk/tasks/{task_id}/reveal", {"field": "form.legal_rep_id_number", **data}
        )
        assert resp.status_code == 302
        page = clerk.get(resp.headers["Location"]).get_data(as_text=True)
        assert REP_ID not in page
        assert "A value is revealed only with a reason." not in page  # the field's own words
        assert ("Choose why" in page or "选择" in page) or ("Say why" in page or "说明" in page)
    with app.app_context():
        assert _reveals() == []


def test_reveal_with_a_reason_shows_the_value_and_is_audited(case, make_client, app):
    app_id, task_id, card = case
    clerk = _clerk(make_client)
    resp = clerk.post(
        f"/clerk/tasks/{task_id}/reveal",
        {"field": "form.legal_rep_id_number", "reason": "check_document", "note": "核对原件"},
    )
    assert resp.status_code == 302
    body = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert REP_ID in body and 'data-revealed="form.legal_rep_id_number"' in body
    assert REP_PHONE not in body and ID_NUMBER not in body  # only that value
    other = _clerk(make_client, "clerk_tax")  # another session of the same clerk: masked
    assert REP_ID not in other.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)

    clerk.post(
        f"/clerk/tasks/{task_id}/reveal",
        {"field": f"file.{card}", "reason": "other", "note": "证件照片模糊"},
    )
    body = clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    assert ID_NUMBER in body and 'name="field:id_number"' in body
    with app.app_context():
        records = _reveals()
        assert [r.details["field"] for r in records] == ["form.legal_rep_id_number", f"file.{card}"]
        first = records[0]
        assert first.actor_username == "clerk_tax" and first.object_id == str(app_id)
        assert first.details["reason"] == "check_document" and first.details["note"] == "核对原件"
        assert REP_ID not in str(first.details)  # the trail records the look, not the value
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_reveal_lasts_a_limited_time(case, make_client, monkeypatch):
    _app_id, task_id, _card = case
    clerk = _clerk(make_client)
    clerk.post(
        f"/clerk/tasks/{task_id}/reveal",
        {"field": "form.contact_phone", "reason": "contact_applicant"},
    )
    assert REP_PHONE in clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)
    import time

    later = time.time() + privacy.REVEAL_SECONDS + 1
    monkeypatch.setattr(privacy.time, "time", lambda: later)
    assert REP_PHONE not in clerk.get(f"/clerk/tasks/{task_id}").get_data(as_text=True)


def test_only_a_clerk_who_may_see_the_case_reveals(case, make_client, app):
    app_id, task_id, _card = case
    with app.app_context():
        outsider = db.session.execute(db.select(HumanTask.department_id)).scalars().all()
        departments = db.session.execute(db.select(Department.code)).scalars().all()
        seen = set(outsider)
        stranger = next(c for c in departments if privacy_data.dept(c) not in seen)
    other = _clerk(make_client, f"clerk_{stranger}")
    resp = other.post(
        f"/clerk/tasks/{task_id}/reveal",
        {"field": "form.legal_rep_id_number", "reason": "decide"},
    )
    assert resp.status_code == 403
    with app.app_context():
        assert _reveals() == []
        # the service refuses too, whatever the view did
        user = db.session.execute(
            db.select(User).where(User.username == f"clerk_{stranger}")
        ).scalar_one()
        application = db.session.get(Application, app_id)
        from app.domain.errors import Forbidden

        with app.test_request_context():
            with pytest.raises(Forbidden):
                privacy.reveal(user, application, "form.legal_rep_id_number", "decide")


def test_reveal_of_a_value_the_case_does_not_hold_is_not_found(case, make_client, app):
    _app_id, task_id, _card = case
    clerk = _clerk(make_client)
    for field in ("form.company_name", "form.nope", "applicant.password_hash", "file.999999"):
        resp = clerk.post(f"/clerk/tasks/{task_id}/reveal", {"field": field, "reason": "decide"})
        assert resp.status_code == 404, field
    with app.app_context():
        assert _reveals() == []
