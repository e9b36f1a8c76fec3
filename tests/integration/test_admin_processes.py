"""Administrators: process versions, validating and deploying edited diagrams, case diagrams."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditRecord, ProcessVersion


def _xml(client, pid="business_registration", version=1):
    resp = client.get(f"/admin/processes/{pid}/versions/{version}.bpmn")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    return resp.get_data(as_text=True)


def _post_xml(client, url, xml):
    return client.http.post(
        url,
        data=xml.encode(),
        content_type="application/xml",
        headers={"X-CSRFToken": client.token, "Accept": "application/json"},
    )


def test_admin_sees_processes_and_versions(client):
    client.login("admin")
    page = client.get("/admin/processes/").get_data(as_text=True)
    assert 'data-process="business_registration"' in page
    # each process names the services that run it, in the page's language
    row = page.split('data-process="business_registration"')[1].split("</tr>")[0]
    assert "用于：企业开办" in row
    english = client.get("/admin/processes/?lang=en").get_data(as_text=True)
    row = english.split('data-process="business_registration"')[1].split("</tr>")[0]
    assert "Used by: Business registration" in row
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
    assert body == {
        "ok": True,
        "version": 2,
        "created": True,
        "rolled_back": False,
        "url": "/admin/processes/business_registration",
        "issues": [],  # no warnings: nothing in the edit is left unapplied
    }
    body = _post_xml(client, url + "/deploy", edited).get_json()
    assert body["ok"] and body["version"] == 2 and body["created"] is False
    with app.app_context():
        current = db.session.execute(
            db.select(ProcessVersion).where(
                ProcessVersion.is_current.is_(True),
                ProcessVersion.process_id == "business_registration",
            )
        ).scalar()
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
    xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    body = _post_xml(client, url + "/validate", xxe).get_json()
    assert body["ok"] is False and body["issues"][0]["code"] in ("xml_entities", "xml_parse")
    assert "root:" not in str(body)
    huge = xml.replace(
        "</bpmn:definitions>", "<!--" + "x" * (2 * 1024 * 1024) + "--></bpmn:definitions>"
    )
    for action in ("/validate", "/deploy"):
        resp = _post_xml(client, url + action, huge)
        assert resp.status_code == 413, action
        [issue] = resp.get_json()["issues"]
        assert issue["code"] == "too_large" and "2 MB" in issue["message"], action
    with app.app_context():
        assert (
            db.session.execute(
                db.select(db.func.count())
                .select_from(ProcessVersion)
                .where(ProcessVersion.process_id == "business_registration")
            ).scalar()
            == 1
        )


def test_deploy_needs_an_admin_and_a_csrf_token(client, make_client):
    client.login("clerk_tax")
    assert client.get("/admin/processes/").status_code == 403
    admin = make_client()
    admin.login("admin")
    xml = _xml(admin)
    resp = admin.http.post(
        "/admin/processes/business_registration/versions/1/deploy",
        data=xml.encode(),
        content_type="application/xml",
    )
    assert resp.status_code == 400  # no CSRF token


def test_running_case_can_move_to_a_compatible_version_only(app, client, make_client, wait_jobs):
    from app.models import Application
    from tests import journeys

    app_id = journeys.submitted_case(client, wait_jobs, seed=9, mobile="13911118888")

    admin = make_client()
    admin.login("admin")
    admin.get("/admin/processes/business_registration/edit")
    xml = _xml(admin)
    url = "/admin/processes/business_registration/versions/1/deploy"
    renamed = xml.replace("发放营业执照 Issue certificate", "发放电子营业执照 Issue e-licence")
    assert _post_xml(admin, url, renamed).get_json()["version"] == 2
    page = admin.get(f"/admin/processes/cases/{app_id}/diagram").get_data(as_text=True)
    assert 'id="migration-card"' in page and "data-active" in page
    resp = admin.post(f"/admin/processes/cases/{app_id}/migrate", {"version": "2"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Application, app_id).instance.process_version.version == 2

    # v3 changes the tax review the case is waiting at (another form): refused, stays on v2.
    start = xml.index('<bpmn:userTask id="review_tax"')
    end = xml.index("</bpmn:userTask>", start)
    changed = (
        xml[:start]
        + xml[start:end].replace('value="review_decision"', 'value="correction_request"')
        + xml[end:]
    )
    body = _post_xml(admin, url, changed).get_json()
    assert body["ok"] and body["version"] == 3
    page = admin.get(f"/admin/processes/cases/{app_id}/diagram").get_data(as_text=True)
    resp = admin.post(f"/admin/processes/cases/{app_id}/migrate", {"version": "3"})
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "alert-danger" in page and "review_tax" in page
    with app.app_context():
        assert db.session.get(Application, app_id).instance.process_version.version == 2
        # the audit trail names the administrator of the request (the services took none)
        changes = [
            (r.object_type, r.details["change"], r.details["version"], r.actor_username)
            for r in db.session.execute(
                db.select(AuditRecord)
                .where(AuditRecord.action == "admin_change", AuditRecord.actor_id.is_not(None))
                .order_by(AuditRecord.seq)
            ).scalars()
        ]
        assert changes == [
            ("process", "deploy", 2, "admin"),
            ("case", "migrate", 2, "admin"),
            ("process", "deploy", 3, "admin"),
        ]  # the refused move to v3 is not there


def test_admin_maintains_the_holiday_calendar_used_for_due_dates(app, client):
    from datetime import date

    from app.models import Holiday

    client.login("admin")
    client.get("/admin/holidays")
    assert (
        client.post("/admin/holidays", {"day": "2026-12-31", "name": "测试假日"}).status_code == 302
    )
    assert client.post("/admin/holidays", {"day": "not-a-date", "name": "x"}).status_code == 302
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert 'data-day="2026-12-31"' in page
    with app.app_context():
        assert db.session.get(Holiday, date(2026, 12, 31)).name == "测试假日"
    client.post("/admin/holidays/2026-12-31/delete")
    with app.app_context():
        assert db.session.get(Holiday, date(2026, 12, 31)) is None


def test_diagram_source_reaches_the_modeler_as_data_never_as_markup(app, client):
    """A deployed diagram whose text holds `</Script><script>…` (any case) cannot close the
    data element and run: the XML is embedded as JSON and comes back byte for byte."""
    import json
    import re

    client.login("admin")
    client.get("/admin/processes/business_registration/edit")
    hostile = "</Script><script>alert(document.cookie)</script>"
    edited = _xml(client).replace(
        "税务审核 Review by tax", "税务审核 Review by tax " + hostile.replace("<", "&lt;")
    )
    edited = edited.replace("</bpmn:definitions>", f"<!-- {hostile} --></bpmn:definitions>")
    body = _post_xml(
        client, "/admin/processes/business_registration/versions/1/deploy", edited
    ).get_json()
    assert body["ok"], body
    page = client.get("/admin/processes/business_registration/edit").get_data(as_text=True)
    assert "alert(document.cookie)</script>" not in page
    assert not re.search(r"</script>\s*<script>alert", page, re.IGNORECASE)
    data = re.search(r'<script type="application/json" id="diagram-xml">(.*?)</script>', page, re.S)
    assert json.loads(data.group(1)) == edited


def test_redeploying_an_old_versions_content_rolls_back_to_it(app, client):
    """Version 2 is broken in practice; re-deploying version 1's file makes version 1 current
    again (before: "unchanged", and version 2 stayed current), recorded as a rollback."""
    client.login("admin")
    client.get("/admin/processes/business_registration/edit")
    original = _xml(client)
    edited = original.replace("税务审核 Review by tax", "税务登记审核 Tax registration review")
    url = "/admin/processes/business_registration/versions/1/deploy"
    assert _post_xml(client, url, edited).get_json()["version"] == 2

    def current():
        with app.app_context():
            return (
                db.session.execute(
                    db.select(ProcessVersion.version).where(
                        ProcessVersion.is_current.is_(True),
                        ProcessVersion.process_id == "business_registration",
                    )
                )
                .scalars()
                .all()
            )

    assert current() == [2]
    body = _post_xml(client, url, original).get_json()
    assert body["ok"] and body["version"] == 1
    assert body["rolled_back"] is True and body["created"] is False
    assert current() == [1]
    with app.app_context():
        from app.workflow import runtime

        assert runtime.current_version("business_registration").version == 1
        record = (
            db.session.execute(
                db.select(AuditRecord)
                .where(AuditRecord.object_type == "process")
                .order_by(AuditRecord.seq.desc())
            )
            .scalars()
            .first()
        )
        assert record.details == {"change": "rollback", "version": 1, "previous": 2}
    # the same content again is a no-op; the newer content makes version 2 current again
    body = _post_xml(client, url, original).get_json()
    assert body["created"] is False and body["rolled_back"] is False
    assert _post_xml(client, url, edited).get_json()["rolled_back"] is True
    assert current() == [2]
