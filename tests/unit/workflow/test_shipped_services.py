"""Every shipped service deploys with the app's departments, forms and operators, and its
application form and catalogue entry are well formed."""

from __future__ import annotations

import json

import pytest
from wf_helpers import DEPARTMENTS, ROOT, WORKFLOWS

from app.services import fieldtypes
from app.workflow.engine import deploy_bundle
from app.workflow.operators import registry
from ml import doctypes

SERVICES = json.loads((WORKFLOWS / "services.json").read_text(encoding="utf-8"))["services"]
APP_FORMS = {p.stem for p in (ROOT / "forms").glob("*.json")} | {
    p.stem for p in (ROOT / "forms" / "tasks").glob("*.json")
}
APP_OPERATORS = registry().names()
# A material asks for a real document type: anything registered but the catch-all `other`.
DOC_TYPES = set(doctypes.DOC_TYPES) - {doctypes.OTHER}


def _bilingual(value) -> bool:
    return isinstance(value, dict) and set(value) == {"zh", "en"} and all(value.values())


def test_every_shipped_diagram_is_listed():
    listed = {name for s in SERVICES for name in s["files"]}
    shipped = {p.name for p in WORKFLOWS.glob("*.bpmn")} | {p.name for p in WORKFLOWS.glob("*.dmn")}
    assert shipped == listed
    assert [s["code"] for s in SERVICES][:1] == ["business_registration"]
    assert len({s["code"] for s in SERVICES}) == len(SERVICES) >= 4


@pytest.mark.parametrize("service", SERVICES, ids=[s["code"] for s in SERVICES])
def test_service_deploys_with_app_settings(service):
    files = {name: (WORKFLOWS / name).read_bytes() for name in service["files"]}
    bundle = deploy_bundle(
        files,
        process_id=service["process_id"],
        departments=DEPARTMENTS,
        forms=APP_FORMS,
        operators=APP_OPERATORS,
    )
    assert bundle.process_id == service["process_id"]
    assert bundle.warnings == []
    assert service["lead_department"] in bundle.lanes
    assert {op for _, op in bundle.service_tasks} <= APP_OPERATORS
    assert all(t.form for t in bundle.user_tasks)


@pytest.mark.parametrize("service", SERVICES, ids=[s["code"] for s in SERVICES])
def test_application_form_and_entry_are_well_formed(service):
    assert service["form"] == service["code"] and service["time_limit_days"] > 0
    assert service["lead_department"] in DEPARTMENTS and _bilingual(service["name"])
    guide = service["guide"]
    assert all(_bilingual(guide[k]) for k in ("summary", "fee", "legal_basis", "result"))
    assert guide["conditions"] and all(_bilingual(c) for c in guide["conditions"])
    form = json.loads((ROOT / "forms" / f"{service['form']}.json").read_text(encoding="utf-8"))
    assert form["code"] == service["code"] and form["kind"] == "application"
    fields = [f for section in form["sections"] for f in section["fields"]]
    assert all(_bilingual(s["title"]) for s in form["sections"])
    assert len({f["name"] for f in fields}) == len(fields)
    assert fieldtypes.schema_problems(fields) == []  # registered types, well defined
    for field in fields:
        assert _bilingual(field["label"]), field["name"]
        if field["type"] == "select":
            assert all(_bilingual(o["label"]) for o in field["options"])
    assert {"name", "id_number"} <= {f.get("applicant_key") for f in fields}
    materials = form["materials"]
    assert len({m["slot"] for m in materials}) == len(materials)
    assert all(m["doc_type"] in DOC_TYPES and _bilingual(m["label"]) for m in materials)
    assert any(m["required"] for m in materials)


def test_residence_permit_asks_for_the_briefed_materials():
    form = json.loads((ROOT / "forms" / "residence_permit.json").read_text(encoding="utf-8"))
    assert {m["doc_type"] for m in form["materials"] if m["required"]} == {
        "id_card_front",
        "id_card_back",
        "lease_contract",
        "employment_certificate",
    }


def test_housing_fund_needs_invoice_or_lease():
    form = json.loads((ROOT / "forms" / "housing_fund_withdrawal.json").read_text(encoding="utf-8"))
    by_type = {m["doc_type"]: m for m in form["materials"]}
    assert by_type["id_card_front"]["required"] is True
    assert by_type["invoice"]["required_group"] == by_type["lease_contract"]["required_group"]
    assert not by_type["invoice"]["required"] and not by_type["lease_contract"]["required"]
