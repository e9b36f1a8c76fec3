"""Uploading a .bpmn file in the browser: the mapping dialog names the lanes and form keys
that are not this system's, deploy applies what was chosen, and the diff between versions."""

from __future__ import annotations

import io

from app.extensions import db
from app.models import AuditRecord, ProcessVersion


def _upload(client, data: bytes, name="two_lanes.bpmn"):
    client.get("/admin/processes/")
    return client.post(
        "/admin/processes/upload",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _dialog_fields(xml: str, **chosen) -> dict:
    data = {
        "process_id": "bike_permit_flow",
        "xml": xml,
        "lane_name": ["Front desk", "Approvals office"],
        "lane_value": [chosen.get("front", ""), chosen.get("back", "")],
        "form_name": ["permit_approval"],
        "form_value": [chosen.get("form", "")],
        "end_name": ["End_1"],
        "end_value": [""],
        "outcome_variable": "",
        "outcome_otherwise": "completed",
        "default_department": "",
    }
    return data


def test_an_upload_asks_for_its_lanes_and_forms_then_deploys_what_was_chosen(
    app, client, fixtures_dir
):
    client.login("admin")
    raw = (fixtures_dir / "workflows" / "two_lanes_foreign.bpmn").read_bytes()
    page = _upload(client, raw).get_data(as_text=True)
    assert 'data-lane="Front desk"' in page and 'data-lane="Approvals office"' in page
    assert "permit_approval" in page  # a form key that is no form here
    xml = raw.decode()
    # unmapped: refused, with the reason, and the dialog again with the file kept
    resp = client.post("/admin/processes/upload/deploy", _dialog_fields(xml))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="deploy-issues"' in page and 'data-lane="Front desk"' in page
    with app.app_context():
        assert (
            db.session.execute(
                db.select(ProcessVersion).where(ProcessVersion.process_id == "bike_permit_flow")
            ).first()
            is None
        )
    fields = _dialog_fields(xml, front="market_regulation", back="tax", form="review_decision")
    resp = client.post("/admin/processes/upload/deploy", fields)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert resp.headers["Location"].endswith("/admin/processes/bike_permit_flow")
    with app.app_context():
        version = db.session.execute(
            db.select(ProcessVersion).where(ProcessVersion.process_id == "bike_permit_flow")
        ).scalar()
        assert version.version == 1 and version.is_current
        assert sorted(version.info["lanes"]) == ["market_regulation", "tax"]
        forms = {t["element_id"]: t["form"] for t in version.info["user_tasks"]}
        assert forms["Task_approve"] == "review_decision"
        assert db.session.execute(
            db.select(AuditRecord).where(
                AuditRecord.object_type == "process", AuditRecord.object_id == "bike_permit_flow"
            )
        ).first()
    # the same content again is no new version
    resp = client.post("/admin/processes/upload/deploy", fields)
    assert resp.status_code == 302


def test_an_uploaded_diagram_edited_in_the_modeler_keeps_its_mapping(app, client, fixtures_dir):
    """The modeler checks and deploys an edit of a mapped upload with the upload's mapping:
    the lanes still named as in the other tool stay mapped, a lane renamed to a department
    code is that department."""
    from app.services import processes

    client.login("admin")
    raw = (fixtures_dir / "workflows" / "two_lanes_foreign.bpmn").read_bytes()
    _upload(client, raw)
    fields = _dialog_fields(
        raw.decode(), front="market_regulation", back="tax", form="review_decision"
    )
    assert client.post("/admin/processes/upload/deploy", fields).status_code == 302
    edited = raw.decode().replace('name="Approvals office"', 'name="housing_fund"')
    with app.app_context():
        base = processes.get_version("bike_permit_flow")
        assert processes.validate_edit(base, raw.decode()) == []  # as uploaded: deployable
        assert processes.validate_edit(base, edited) == []
    client.get("/admin/processes/bike_permit_flow/edit")  # the page's CSRF token
    resp = client.http.post(
        "/admin/processes/bike_permit_flow/versions/1/deploy",
        data=edited.encode(),
        headers={"X-CSRFToken": client.token, "Content-Type": "application/xml"},
    )
    assert resp.status_code == 200 and resp.get_json()["version"] == 2, resp.get_data()[:2000]
    with app.app_context():
        current = processes.get_version("bike_permit_flow")
        assert current.version == 2
        assert sorted(current.info["lanes"]) == ["housing_fund", "market_regulation"]
        forms = {t["element_id"]: t["form"] for t in current.info["user_tasks"]}
        assert forms["Task_approve"] == "review_decision"  # the form key stays mapped


def test_a_file_that_is_not_bpmn_is_refused_with_a_reason(client):
    client.login("admin")
    resp = _upload(client, b"<html>not a diagram</html>")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "BPMN" in page
    resp = _upload(client, b"")
    assert resp.status_code == 302


def test_the_diff_lists_changed_elements_and_the_xml_lines(client):
    client.login("admin")
    client.get("/admin/processes/business_registration/edit")
    xml = client.get("/admin/processes/business_registration/versions/1.bpmn").get_data(
        as_text=True
    )
    edited = xml.replace("税务审核 Review by tax", "税务登记审核 Tax registration review")
    client.http.post(
        "/admin/processes/business_registration/versions/1/deploy",
        data=edited.encode(),
        content_type="application/xml",
        headers={"X-CSRFToken": client.token, "Accept": "application/json"},
    )
    page = client.get("/admin/processes/business_registration/diff?old=1&new=2").get_data(
        as_text=True
    )
    changed = page.split('id="diff-changed"')[1].split("</ul>")[0]
    assert "<code>" in changed
    assert "登记" in page.split('id="xml-diff"')[1]  # the changed words are marked
    versions = client.get("/admin/processes/business_registration").get_data(as_text=True)
    assert 'data-diff="2"' in versions
    assert client.get("/admin/processes/business_registration/diff?old=9").status_code == 404
