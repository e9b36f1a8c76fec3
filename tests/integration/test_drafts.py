"""Unfinished drafts under 我的办件: listed with "continue" and "delete"; deleting removes the
draft and its uploaded files; a submitted case is never deleted."""

from __future__ import annotations

import re

import pytest

from app.domain.errors import Conflict
from app.extensions import db
from app.models import Application, ApplicationStatus, Attachment
from app.services import applications, uploads
from tests import journeys


def _stored_names(app_id: int) -> list[str]:
    return list(
        db.session.execute(
            db.select(Attachment.stored_name).where(Attachment.application_id == app_id)
        ).scalars()
    )


def _row(page: str, app_id: int) -> str:
    match = re.search(rf'<tr [^>]*data-application="{app_id}".*?</tr>', page, re.S)
    return match.group(0) if match else ""


def test_a_draft_is_listed_and_deleted_with_its_files(app, client, wait_jobs):
    materials = journeys.make_materials(seed=31)
    journeys.register(client, materials["person"], mobile="13911118101")
    app_id = journeys.start_application(client)
    journeys.fill_form(client, app_id, materials["person"])
    journeys.upload(client, app_id, "lease", journeys.blank_png(), "lease.png")
    wait_jobs()
    with app.app_context():
        stored = _stored_names(app_id)
        assert len(stored) == 1 and uploads.path_for(stored[0]).exists()

    row = _row(client.get("/cases").get_data(as_text=True), app_id)
    assert f'href="/applications/{app_id}"' in row and "继续填写" in row
    assert f'action="/applications/{app_id}/delete"' in row and "确认删除草稿" in row

    resp = client.post(f"/applications/{app_id}/delete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/cases")
    page = client.get("/cases").get_data(as_text=True)
    assert "草稿已删除" in page and _row(page, app_id) == ""
    with app.app_context():
        assert db.session.get(Application, app_id) is None
        assert _stored_names(app_id) == []
        assert not uploads.path_for(stored[0]).exists()  # removed after the commit
    assert client.get(f"/applications/{app_id}").status_code == 404


def test_a_submitted_case_cannot_be_deleted(app, client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=32, mobile="13911118102", rendered=False
    )
    row = _row(client.get("/cases").get_data(as_text=True), app_id)
    assert row and "/delete" not in row  # no delete button on a case
    resp = client.post(f"/applications/{app_id}/delete")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "该申请已提交，不能再删除" in page
    with app.app_context():
        application = db.session.get(Application, app_id)
        assert application is not None and application.case_number
        stored = _stored_names(app_id)
        assert len(stored) == 3 and all(uploads.path_for(s).exists() for s in stored)
        with pytest.raises(Conflict):  # the service refuses too, whatever the page showed
            applications.delete_draft(application.citizen, app_id)
        assert db.session.get(Application, app_id) is not None


def test_someone_elses_draft_cannot_be_deleted(app, client, make_client):
    client.login("13800138000")
    app_id = journeys.start_application(client)
    other = make_client()
    journeys.register(other, journeys.make_materials(seed=33)["person"], mobile="13911118103")
    assert other.post(f"/applications/{app_id}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(Application, app_id) is not None
    assert client.post(f"/applications/{app_id}/delete").status_code == 302  # the owner may
    with app.app_context():
        assert db.session.get(Application, app_id) is None


def test_a_draft_submitted_after_the_page_was_read_is_not_deleted(app, client, wait_jobs):
    materials = journeys.make_materials(seed=34)
    journeys.register(client, materials["person"], mobile="13911118104")
    app_id = journeys.start_application(client)
    journeys.fill_form(client, app_id, materials["person"])
    for slot in materials["files"]:
        journeys.upload(client, app_id, slot, journeys.blank_png(), f"{slot}.png")
    wait_jobs()
    with app.app_context():
        draft = db.session.get(Application, app_id)  # read while still a draft…
        citizen = draft.citizen
        assert draft.status == ApplicationStatus.DRAFT
        with app.app_context():  # …then submitted, in another session
            applications.submit(db.session.get(Application, app_id))
        with pytest.raises(Conflict):
            applications.delete_draft(citizen, app_id)
    wait_jobs()
    with app.app_context():
        assert db.session.get(Application, app_id).status != ApplicationStatus.DRAFT
        stored = _stored_names(app_id)
        assert len(stored) == 3 and all(uploads.path_for(s).exists() for s in stored)
