"""The modeler's check-as-you-edit: the validate endpoint runs the deploy check on what the
properties panel writes, answers in the admin's language and deploys nothing; the choices the
panel offers are the ones the check accepts."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.models import ProcessVersion

URL = "/admin/processes/business_registration/versions/1"
CHOICES_RE = re.compile(
    r'<script type="application/json" id="modeler-choices">(.*?)</script>', re.S
)


@pytest.fixture()
def admin(client):
    client.login("admin")
    page = client.get("/admin/processes/business_registration/edit").get_data(as_text=True)
    client.choices = json.loads(CHOICES_RE.search(page).group(1))
    client.xml = client.get(URL + ".bpmn").get_data(as_text=True)
    return client


def _check(client, xml, *, csrf=True):
    headers = {"Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = client.token
    return client.http.post(
        URL + "/validate", data=xml.encode(), content_type="application/xml", headers=headers
    )


def _codes(resp) -> set[tuple[str, str]]:
    return {(i["code"], i["element_id"]) for i in resp.get_json()["issues"]}


def _set_form(xml: str, form: str) -> str:
    """review_tax's form, as the panel writes it (spiffworkflow:property formKey)."""
    start = xml.index('<bpmn:userTask id="review_tax"')
    end = xml.index("</bpmn:userTask>", start)
    task = re.sub(r'(name="formKey" value=")[^"]*"', rf'\g<1>{form}"', xml[start:end])
    return xml[:start] + task + xml[end:]


def test_every_offered_choice_passes_the_check(admin):
    choices = admin.choices
    assert {"market_regulation", "tax", "housing_fund"} <= {
        d["value"] for d in choices["departments"]
    }
    assert "review_decision" in choices["forms"] and "auto_review" in choices["operators"]
    assert _check(admin, admin.xml).get_json() == {"ok": True, "issues": []}
    for department in [d["value"] for d in choices["departments"]] + [choices["applicant_lane"]]:
        xml = admin.xml.replace('id="Lane_tax" name="tax"', f'id="Lane_tax" name="{department}"')
        assert _check(admin, xml).get_json()["ok"], department
    for form in choices["forms"]:
        assert _check(admin, _set_form(admin.xml, form)).get_json()["ok"], form
    for operator in choices["operators"]:
        xml = admin.xml.replace(
            '<spiffworkflow:serviceTaskOperator id="auto_review"',
            f'<spiffworkflow:serviceTaskOperator id="{operator}"',
            1,
        )
        assert _check(admin, xml).get_json()["ok"], operator


def test_what_the_panel_writes_wrong_is_named_with_a_chinese_hint(admin):
    xml = admin.xml.replace('id="Lane_tax" name="tax"', 'id="Lane_tax"')
    xml = _set_form(xml, "no_such_form")
    xml = xml.replace(
        '<spiffworkflow:serviceTaskOperator id="auto_review"',
        '<spiffworkflow:serviceTaskOperator id="no_such_operator"',
        1,
    )
    # A condition as bpmn-js writes a new one (typed formal expression), refused by the check.
    xml = xml.replace(
        "<bpmn:conditionExpression>intake == 'accept'</bpmn:conditionExpression>",
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        "__import__('os')</bpmn:conditionExpression>",
    ).replace(
        "<bpmn:definitions ",
        '<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ',
        1,
    )
    resp = _check(admin, xml)
    assert resp.status_code == 200 and resp.get_json()["ok"] is False
    codes = _codes(resp)
    assert ("unknown_lane", "Lane_tax") in codes
    assert ("missing_form", "review_tax") in codes
    assert ("unknown_operator", "task_auto_review") in codes
    assert any(code == "condition_refused" for code, _ in codes)
    hints = {i["code"]: i["hint"] for i in resp.get_json()["issues"]}
    assert "部门" in hints["unknown_lane"]  # zh is the admin's (default) language


def test_timer_duration_as_the_panel_writes_it(admin):
    xml = admin.get("/admin/processes/employer_insurance/versions/1.bpmn").get_data(as_text=True)
    assert '<bpmn:timeDuration>"P10D"</bpmn:timeDuration>' in xml
    url = "/admin/processes/employer_insurance/versions/1/validate"
    headers = {"X-CSRFToken": admin.token, "Accept": "application/json"}

    def check(duration):
        edited = xml.replace(
            '<bpmn:timeDuration>"P10D"</bpmn:timeDuration>',
            f"<bpmn:timeDuration>{duration}</bpmn:timeDuration>",
        )
        return admin.http.post(
            url, data=edited.encode(), content_type="application/xml", headers=headers
        ).get_json()

    accepted = check("P5D")  # bare ISO 8601, as typed in the panel
    assert accepted["ok"], accepted
    refused = check("five days")
    assert not refused["ok"] and refused["issues"][0]["code"] == "bad_timer"


def test_the_check_deploys_nothing_and_needs_the_csrf_token(app, admin):
    broken = admin.xml.replace('id="Lane_tax" name="tax"', 'id="Lane_tax" name="nobody"')
    assert not _check(admin, broken).get_json()["ok"]
    assert _check(admin, admin.xml).get_json()["ok"]
    assert _check(admin, admin.xml, csrf=False).status_code == 400
    with app.app_context():
        versions = db.session.execute(
            db.select(ProcessVersion.version).where(
                ProcessVersion.process_id == "business_registration"
            )
        ).scalars()
        assert list(versions) == [1]
