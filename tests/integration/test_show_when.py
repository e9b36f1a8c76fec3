"""Conditional fields and material slots (`show_when`, issue 13): the housing-fund form asks
for the lease only when the reason is rent and for the purchase invoice only when buying;
the server decides in validation and in the completeness check, the pages show only what
is asked for, and a hidden field is neither required nor kept."""

from __future__ import annotations

from app.extensions import db
from app.models import Application
from app.services import applications, forms
from app.services.fieldtypes import schema_problems
from tests import journeys

FORM = {
    "fields": [
        {
            "name": "reason",
            "type": "select",
            "required": True,
            "options": [{"value": "rent", "label": "r"}, {"value": "purchase", "label": "p"}],
        },
        {
            "name": "landlord",
            "type": "text",
            "required": True,
            "show_when": {"field": "reason", "equals": "rent"},
        },
    ]
}


def test_a_hidden_field_is_neither_required_nor_kept():
    clean, errors = forms.validate(FORM, {"reason": "purchase", "landlord": "王五"})
    assert clean == {"reason": "purchase"} and errors == {}
    clean, errors = forms.validate(FORM, {"reason": "rent", "landlord": ""})
    assert "landlord" in errors
    clean, errors = forms.validate(FORM, {"reason": "rent", "landlord": "王五"})
    assert clean == {"reason": "rent", "landlord": "王五"} and errors == {}


def test_show_when_must_name_a_field_of_the_form():
    bad = [dict(FORM["fields"][1], show_when={"field": "nowhere", "equals": "x"})]
    assert any("show_when" in p for p in schema_problems(bad))
    assert not schema_problems(FORM["fields"])


BASE = {
    "depositor_name": "张三",
    "depositor_id_number": "11010519491231002X",
    "fund_account": "123456",
    "contact_phone": "13800138000",
    "amount": "30000",
    "bank_account": "6222000011112222",
    "bank_name": "工商银行",
}


def _draft(client, reason: str) -> int:
    client.login("13800138000")
    resp = client.post("/services/housing_fund_withdrawal/apply")
    app_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    resp = client.post(f"/applications/{app_id}", {**BASE, "reason": reason})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    return app_id


def _missing(app, app_id) -> dict:
    with app.app_context():
        return applications.check_complete(db.session.get(Application, app_id))


def test_the_materials_asked_for_follow_the_reason(app, client, wait_jobs):
    app_id = _draft(client, "purchase")
    page = client.get(f"/applications/{app_id}/materials").get_data(as_text=True)
    assert 'data-slot="invoice"' in page and 'data-slot="lease"' not in page
    journeys.upload(client, app_id, "id_card_front", journeys.blank_png(), "id.png")
    missing = _missing(app, app_id)
    assert "material:invoice" in missing and "material:lease" not in missing
    journeys.upload(client, app_id, "invoice", journeys.blank_png(), "invoice.png")
    wait_jobs()
    assert _missing(app, app_id) == {}

    # the reason becomes rent: now the lease is asked for, and the invoice no longer counts
    client.post(f"/applications/{app_id}", {**BASE, "reason": "rent"})
    missing = _missing(app, app_id)
    assert "material:lease" in missing, missing
    page = client.get(f"/applications/{app_id}/materials").get_data(as_text=True)
    assert 'data-slot="lease"' in page
    assert 'data-slot="invoice"' in page  # kept in view: it holds a file to delete


def test_the_edit_page_marks_conditional_fields_for_the_browser(app, client):
    app_id = _draft(client, "rent")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "js/conditional-fields.js" in page
