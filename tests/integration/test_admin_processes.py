"""Administrators: process versions, validating and deploying edited diagrams, case diagrams."""
from __future__ import annotations

from app.extensions import db
from app.models import ProcessVersion


def _xml(client, pid="business_registration", version=1):
    resp = client.get(f"/admin/processes/{pid}/versions/{version}.bpmn")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    return resp.get_data(as_text=True)


def _post_xml(client, url, xml):
    return client.http.post(url, data=xml.encode(), content_type="application/xml",
                            headers={"X-CSRFToken": client.token, "Accept": "application/json"})


def test_admin_sees_processes_and_versions(client):
    client.login("admin")
    page = client.get("/admin/processes/").get_data(as_text=True)
    assert 'data-process="business_registration"' in page
    page = client.get("/admin/processes/business_registration").get_data(as_text=True)
    assert 'data-version="1"' in page
    assert client.get("/admin/processes/business_registration/edit").status_code == 200


def test_an_edited_diagram_deploys_as_a_new_version_and_unchanged_is_a_no_op(app, client):
    client.login("admin")
    client.get("/admin/processes/business_registration/edit")
    xml = _xml(client)
    edited = xml.replace("税务审核 Review by tax", "税务登记审核 Tax registration review")
    assert edited != xml
    url = "/admin/processes/business_registration/versions/1"
    body = _post_xml(client, url + "/validate", edited).get_json()
    assert body["ok"] is True
    body = _post_xml(client, url + "/deploy", edited).get_json()
    assert body == {"ok": True, "version": 2, "created": True,
                    "url": "/admin/processes/business_registration"}
    body = _post_xml(client, url + "/deploy", edited).get_json()
    assert body["ok"] and body["version"] == 2 and body["created"] is False
    with app.app_context():
        current = db.session.execute(db.select(ProcessVersion).where(
            ProcessVersion.is_current.is_(True),
            ProcessVersion.process_id == "business_registration")).scalar()
        assert current.version == 2


def test_broken_diagrams_are_refused_with_element_ids(app, client):
    client.login("admin")
    client.get("/admin/processes/business_registration/edit")
    xml = _xml(client)
    url = "/admin/processes/business_registration/versions/1"
    bad_lane = xml.replace('name="tax"', 'name="ministry_of_magic"')
    body = _post_xml(client, url + "/deploy", bad_lane).get_json()
    assert body["ok"] is False
    assert any(i["code"] == "unknown_lane" for i in body["issues"])
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<d>&x;</d>')
    body = _post_xml(client, url + "/validate", xxe).get_json()
    assert body["ok"] is False and body["issues"][0]["code"] in ("xml_entities", "xml_parse")
    assert "root:" not in str(body)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ProcessVersion).where(
            ProcessVersion.process_id == "business_registration")).scalar() == 1


def test_deploy_needs_an_admin_and_a_csrf_token(client, make_client):
    client.login("clerk_tax")
    assert client.get("/admin/processes/").status_code == 403
    admin = make_client()
    admin.login("admin")
    xml = _xml(admin)
    resp = admin.http.post("/admin/processes/business_registration/versions/1/deploy",
                           data=xml.encode(), content_type="application/xml")
    assert resp.status_code == 400  # no CSRF token
