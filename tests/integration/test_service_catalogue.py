"""The service catalogue edited in the browser: drafts, publishing, unpublishing, audit,
the form with a conditional field, and the portal's search and categories."""

from __future__ import annotations

import json

from app.extensions import db
from app.models import AuditRecord, Service, ServiceVersion
from app.services import catalogue

CITIZEN = "13800138000"

FORM = {
    "kind": "application",
    "sections": [
        {
            "title": {"zh": "申请信息", "en": "Application"},
            "fields": [
                {
                    "name": "reason",
                    "type": "select",
                    "required": True,
                    "label": {"zh": "原因", "en": "Reason"},
                    "options": [
                        {"value": "rent", "label": {"zh": "租房", "en": "Rent"}},
                        {"value": "buy", "label": {"zh": "购房", "en": "Buy"}},
                    ],
                },
                {
                    "name": "landlord",
                    "type": "text",
                    "required": True,
                    "max_length": 20,
                    "label": {"zh": "房东姓名", "en": "Landlord"},
                    "show_when": {"field": "reason", "equals": "rent"},
                },
                {
                    "name": "postcode",
                    "type": "text",
                    "pattern": "[0-9]{6}",
                    "label": {"zh": "邮编", "en": "Postcode"},
                },
            ],
        }
    ],
}


def _service_data(**over) -> dict:
    data = {
        "code": "bike_permit",
        "name_zh": "自行车停放许可",
        "name_en": "Bicycle parking permit",
        "category": "personal",
        "theme_zh": "交通出行",
        "theme_en": "Transport",
        "time_limit_days": "10",
        "promised_days": "5",
        "process_id": "business_registration",
        "lead_department": "market_regulation",
        "summary_zh": "在小区停放自行车的许可。",
        "summary_en": "A permit to park a bicycle.",
        "conditions_zh": "本人居住在本市。\n有自行车。",
        "conditions_en": "You live in the city.\nYou own a bicycle.",
        "fee_zh": "不收费",
        "fee_en": "Free",
        "legal_basis_zh": "《停车管理办法》",
        "legal_basis_en": "Parking rules",
        "result_zh": "停放许可",
        "result_en": "Parking permit",
        "material_slot": ["id_card_front", ""],
        "material_doc_type": ["id_card_front", "other"],
        "material_required": ["yes", "no"],
        "material_label_zh": ["身份证人像面", ""],
        "material_label_en": ["ID card (photo side)", ""],
        "form_json": json.dumps(FORM, ensure_ascii=False),
    }
    data.update(over)
    return data


def _create(client, **over):
    client.get("/admin/services/new")
    return client.post("/admin/services/new", _service_data(**over))


def test_an_admin_creates_publishes_and_unpublishes_a_service_all_audited(app, client):
    client.login("admin")
    resp = _create(client)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    # a draft is not on the portal
    assert 'data-service="bike_permit"' not in client.get("/").get_data(as_text=True)
    page = client.get("/admin/services/").get_data(as_text=True)
    assert 'data-service="bike_permit"' in page
    resp = client.post("/admin/services/bike_permit/publish")
    assert resp.status_code == 302
    with app.app_context():
        svc = db.session.execute(db.select(Service).where(Service.code == "bike_permit")).scalar()
        assert svc.active and svc.name_en == "Bicycle parking permit"
        assert svc.time_limit_days == 10 and svc.promised_days == 5
        assert svc.definition["guide"]["conditions"][1] == {
            "zh": "有自行车。",
            "en": "You own a bicycle.",
        }
        assert svc.definition["materials"] == [
            {
                "slot": "id_card_front",
                "doc_type": "id_card_front",
                "required": True,
                "label": {"zh": "身份证人像面", "en": "ID card (photo side)"},
            }
        ]
        assert catalogue.service_form(svc) == FORM
    client.logout()
    home = client.get("/").get_data(as_text=True)
    assert 'data-service="bike_permit"' in home
    guide = client.get("/services/bike_permit").get_data(as_text=True)
    assert "有自行车。" in guide and "身份证人像面" in guide

    client.login("admin")
    # edit: a second version as draft; the published one stays until published
    client.get("/admin/services/bike_permit/edit")
    resp = client.post(
        "/admin/services/bike_permit/edit", _service_data(name_zh="自行车停放许可（新）")
    )
    assert resp.status_code == 302
    with app.app_context():
        assert (
            db.session.execute(
                db.select(Service.name_zh).where(Service.code == "bike_permit")
            ).scalar()
            == "自行车停放许可"
        )
    client.post("/admin/services/bike_permit/publish")
    client.post("/admin/services/bike_permit/unpublish")
    with app.app_context():
        states = dict(
            db.session.execute(
                db.select(ServiceVersion.number, ServiceVersion.state).where(
                    ServiceVersion.service_code == "bike_permit"
                )
            ).all()
        )
        assert states == {1: "retired", 2: "published"}
        svc = db.session.execute(db.select(Service).where(Service.code == "bike_permit")).scalar()
        assert svc.name_zh == "自行车停放许可（新）" and not svc.active
        changes = [
            r.details["change"]
            for r in db.session.execute(
                db.select(AuditRecord)
                .where(AuditRecord.object_type == "service")
                .order_by(AuditRecord.seq)
            ).scalars()
        ]
        assert changes == ["save_draft", "publish", "save_draft", "publish", "unpublish"]
    assert client.get("/services/bike_permit").status_code == 404


def test_bad_input_is_refused_field_by_field_and_nothing_is_lost(app, client):
    client.login("admin")
    resp = _create(
        client,
        code="Bad Code",
        name_en="",
        promised_days="12",
        form_json='{"sections": [{"fields": [{"name": "x", "type": "colour"}]}]}',
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    for name in ("code", "name_en", "promised_days", "form"):
        assert f'data-error="{name}"' in page
    assert "colour" in page and "自行车停放许可" in page  # what was typed is shown again
    with app.app_context():
        assert db.session.execute(db.select(ServiceVersion)).first() is None


def test_a_new_material_row_has_no_document_type_until_one_is_chosen(app, client):
    client.login("admin")
    page = client.get("/admin/services/new").get_data(as_text=True)
    blank = '<option value="" selected>—</option>'
    assert page.count(blank) == page.count('name="material_doc_type"') == 3
    resp = _create(client, material_doc_type=["", "other"])  # a named material, no type
    assert resp.status_code == 422
    assert 'data-error="materials"' in resp.get_data(as_text=True)
    filled = client.get("/admin/services/residence_permit/edit").get_data(as_text=True)
    # the shipped materials keep their types; only the three empty rows offer "—"
    assert filled.count(blank) == 3 < filled.count('name="material_doc_type"')


def test_publishing_needs_a_deployed_process(app, client):
    client.login("admin")
    assert _create(client, process_id="not_deployed_yet").status_code == 302
    resp = client.post("/admin/services/bike_permit/publish", follow_redirects=True)
    assert "not_deployed_yet" in resp.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(db.select(Service).where(Service.code == "bike_permit")).first()
            is None
        )


def test_an_edited_shipped_service_is_not_overwritten_by_the_seed(app, client):
    client.login("admin")
    client.get("/admin/services/residence_permit/edit")
    data = _service_data(name_zh="居住证申领")
    data.pop("code")
    data["process_id"] = "residence_permit"
    data["lead_department"] = "public_security"
    assert client.post("/admin/services/residence_permit/edit", data).status_code == 302
    client.post("/admin/services/residence_permit/publish")
    with app.app_context():
        catalogue.sync_services()
        svc = catalogue.get_service("residence_permit")
        assert svc.name_zh == "居住证申领"
        # what the editor does not show is kept (its e-certificate)
        assert svc.definition["certificate"]["type"] == "residence_permit"
        db.session.rollback()


def test_a_conditional_field_is_required_only_when_shown_and_dropped_when_hidden(ctx):
    from app.services import forms

    clean, errors = forms.validate(FORM, {"reason": "rent"})
    assert set(errors) == {"landlord"}
    clean, errors = forms.validate(FORM, {"reason": "buy", "landlord": "王五"})
    assert errors == {} and clean == {"reason": "buy"}
    clean, errors = forms.validate(FORM, {"reason": "rent", "landlord": "王五"})
    assert errors == {} and clean["landlord"] == "王五"
    clean, errors = forms.validate(FORM, {"reason": "buy", "postcode": "12a"})
    assert set(errors) == {"postcode"}


def test_form_problems_name_show_when_pointing_forward_and_bad_patterns(ctx):
    from app.services import forms

    bad = json.loads(json.dumps(FORM))
    fields = bad["sections"][0]["fields"]
    fields[0]["show_when"] = {"field": "landlord", "equals": "x"}
    fields[2]["pattern"] = "[0-9"
    problems = " ".join(forms.form_problems(bad))
    assert "show_when must name a field that comes before it" in problems
    assert "not a regular expression" in problems
    assert forms.form_problems(FORM) == []


def test_a_form_field_named_like_a_process_variable_is_refused(ctx):
    from app.services import service_editor
    from app.workflow.variables import RESERVED_VARIABLES

    reserved = sorted(RESERVED_VARIABLES)[0]
    form = json.loads(json.dumps(FORM))
    form["sections"][0]["fields"][2]["name"] = reserved
    definition = {**service_editor.blank(), "form_schema": form}
    assert reserved in str(service_editor.check(definition)["form"])


def test_the_preview_draws_the_form_with_the_portal_macro(client):
    client.login("admin")
    client.get("/admin/services/new")
    resp = client.http.post(
        "/admin/services/form-preview",
        json={"form": FORM},
        headers={"X-CSRFToken": client.token},
    )
    body = resp.get_json()
    assert body["problems"] == []
    assert 'name="landlord"' in body["html"]
    assert 'data-show-when-field="reason" data-show-when-values="[&#34;rent&#34;]"' in body["html"]
    resp = client.http.post(
        "/admin/services/form-preview",
        json={"form": {"sections": [{"fields": [{"name": "a", "type": "nope"}]}]}},
        headers={"X-CSRFToken": client.token},
    )
    body = resp.get_json()
    assert body["html"] == "" and "unknown type" in body["problems"][0]


def test_the_portal_searches_and_filters_by_category_and_theme(client):
    def shown(url):
        page = client.get(url).get_data(as_text=True)
        return {
            code
            for code in (
                "business_registration",
                "residence_permit",
                "housing_fund_withdrawal",
                "talent_settlement",
            )
            if f'data-service="{code}"' in page
        }

    assert shown("/?category=legal_person") == {"business_registration"}
    assert "business_registration" not in shown("/?category=personal")
    assert shown("/?q=公积金") == {"housing_fund_withdrawal"}
    assert shown("/?q=HOUSING+fund") == {"housing_fund_withdrawal"}
    assert shown("/?theme=户籍居住") == {"residence_permit", "talent_settlement"}
    page = client.get("/?q=nothing-like-this").get_data(as_text=True)
    assert 'id="no-services"' in page
    assert client.get("/?category=<script>").status_code == 200


def test_a_task_form_edited_in_the_browser_replaces_its_file_and_is_audited(app, client):
    client.login("admin")
    page = client.get("/admin/services/task-forms/review_decision").get_data(as_text=True)
    assert "approved" in page  # the file's form, as the editor starts
    with app.app_context():
        form = catalogue.load_form("review_decision")
    form["fields"][1]["help"] = {"zh": "请写明依据", "en": "Give the grounds"}
    resp = client.post(
        "/admin/services/task-forms/review_decision",
        {"form_json": json.dumps(form, ensure_ascii=False)},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True).split("data-error")[1][:300]
    with app.app_context():
        from app.services import approvals  # noqa: F401  (the clerk's page reads it so)

        assert catalogue.load_form("review_decision")["fields"][1]["help"]["zh"] == "请写明依据"
        record = db.session.execute(
            db.select(AuditRecord).where(AuditRecord.object_type == "task_form")
        ).scalar()
        assert record.details == {"change": "save", "version": 1}
    # a new task form becomes known to deploys; a broken one is refused, nothing lost
    new = {
        "title": {"zh": "复核", "en": "Second look"},
        "fields": [FORM["sections"][0]["fields"][0]],
    }
    resp = client.post("/admin/services/task-forms/second_look", {"form_json": json.dumps(new)})
    assert resp.status_code == 302
    with app.app_context():
        assert "second_look" in catalogue.known_forms()
    resp = client.post("/admin/services/task-forms/second_look", {"form_json": "{not json"})
    assert resp.status_code == 422 and "{not json" in resp.get_data(as_text=True)


def test_a_case_keeps_the_form_it_was_started_on_when_the_service_is_published_again(app, client):
    """Forms are frozen per case: a new required field published later is asked of new
    applications only; the draft begun before keeps its form, and so does its check."""
    import re

    client.login("admin")
    _create(client)
    client.post("/admin/services/bike_permit/publish")
    client.logout()

    client.login(CITIZEN)
    started = client.post("/services/bike_permit/apply")
    draft_id = int(re.search(r"/applications/(\d+)", started.headers["Location"]).group(1))
    client.logout()

    newer = json.loads(json.dumps(FORM))
    newer["sections"][0]["fields"].append(
        {
            "name": "bike_colour",
            "type": "text",
            "required": True,
            "max_length": 20,
            "label": {"zh": "车辆颜色", "en": "Colour"},
        }
    )
    client.login("admin")
    client.get("/admin/services/bike_permit/edit")
    resp = client.post(
        "/admin/services/bike_permit/edit",
        _service_data(form_json=json.dumps(newer, ensure_ascii=False)),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    client.post("/admin/services/bike_permit/publish")
    client.logout()

    client.login(CITIZEN)
    page = client.get(f"/applications/{draft_id}").get_data(as_text=True)
    assert 'name="reason"' in page and 'name="bike_colour"' not in page
    saved = client.post(f"/applications/{draft_id}", {"reason": "buy"})
    assert saved.status_code == 302  # complete under the form it was started on
    with app.app_context():
        from app.models import Application
        from app.services import applications

        draft = db.session.get(Application, draft_id)
        assert "bike_colour" not in applications.check_complete(draft)
        assert catalogue.case_form(draft) == FORM
        # a case started now gets the new form
        service = db.session.execute(
            db.select(Service).where(Service.code == "bike_permit")
        ).scalar_one()
        assert "bike_colour" in json.dumps(catalogue.service_form(service))


def test_a_material_asked_for_only_for_some_answers_is_edited_in_the_browser(app, client):
    client.login("admin")
    resp = _create(
        client,
        material_slot=["id_card_front", "lease"],
        material_doc_type=["id_card_front", "lease_contract"],
        material_required=["yes", "yes"],
        material_label_zh=["身份证人像面", "租赁合同"],
        material_label_en=["ID card", "Lease"],
        material_show_field=["", "reason"],
        material_show_values=["", "rent，buy"],  # a Chinese comma is a comma too
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    client.post("/admin/services/bike_permit/publish")
    with app.app_context():
        svc = db.session.execute(db.select(Service).where(Service.code == "bike_permit")).scalar()
        lease = svc.definition["materials"][1]
        assert lease["show_when"] == {"field": "reason", "in": ["rent", "buy"]}
        assert "show_when" not in svc.definition["materials"][0]
    page = client.get("/admin/services/bike_permit/edit").get_data(as_text=True)
    assert 'value="rent, buy"' in page  # shown again as typed

    bad = _create(
        client,
        code="bike_permit_two",
        material_slot=["lease"],
        material_doc_type=["lease_contract"],
        material_required=["yes"],
        material_label_zh=["租赁合同"],
        material_label_en=["Lease"],
        material_show_field=["no_such_field"],
        material_show_values=["x"],
    )
    assert bad.status_code in (400, 422)
    assert "至少一个取值" in bad.get_data(as_text=True) or "values" in bad.get_data(as_text=True)


def test_a_form_asked_one_section_per_page_keeps_each_page_and_links_back_to_it(app, client):
    stepped = {
        "kind": "application",
        "steps": True,
        "sections": [
            {"title": {"zh": "原因", "en": "Reason"}, "fields": [FORM["sections"][0]["fields"][0]]},
            {
                "title": {"zh": "房屋", "en": "Home"},
                "fields": FORM["sections"][0]["fields"][1:],
            },
        ],
    }
    client.login("admin")
    resp = _create(client, form_json=json.dumps(stepped, ensure_ascii=False))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    client.post("/admin/services/bike_permit/publish")
    client.logout()

    client.login(CITIZEN)
    started = client.post("/services/bike_permit/apply")
    url = started.headers["Location"]
    first = client.get(url).get_data(as_text=True)
    assert 'data-step="0"' in first and 'name="reason"' in first and 'name="landlord"' not in first
    nxt = client.post(f"{url}?step=0", {"reason": "rent"})
    assert nxt.status_code == 302 and nxt.headers["Location"].endswith("step=1")
    second = client.post(f"{url}?step=1", {"postcode": "200000"})  # landlord: asked (rent)
    assert second.status_code == 400 and 'name="landlord"' in second.get_data(as_text=True)
    assert 'name="reason"' not in second.get_data(as_text=True)
    done = client.post(f"{url}?step=1", {"landlord": "王房东", "postcode": "200000"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/materials")
    app_id = int(url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        from app.models import Application

        data = db.session.get(Application, app_id).form_data
        assert data == {"reason": "rent", "landlord": "王房东", "postcode": "200000"}
    # back on page one, buying: the landlord asked on page two is no longer kept
    client.post(f"{url}?step=0", {"reason": "buy"})
    with app.app_context():
        assert "landlord" not in db.session.get(Application, app_id).form_data
    confirm = client.get(f"{url}/confirm").get_data(as_text=True)
    assert f'href="{url}?step=1#f-postcode"' in confirm  # "change" goes to the answer's page


def test_the_home_page_keeps_the_service_list_and_drops_it_when_a_service_changes(
    app, client, monkeypatch
):
    """Each process keeps the list the home page shows (no query per visit); a commit that
    changes a service, here renaming and then unpublishing one, shows on the next visit."""
    from sqlalchemy import event

    monkeypatch.setitem(app.config, "CATALOGUE_CACHE_SECONDS", 3600)
    assert 'data-service="business_registration"' in client.get("/").get_data(as_text=True)
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/?q=营业执照").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []  # an anonymous visitor's home page reads nothing from the database

    with app.app_context():
        svc = db.session.execute(
            db.select(Service).where(Service.code == "business_registration")
        ).scalar_one()
        svc.name_zh = "企业设立登记（一网通办）"
        db.session.commit()
    assert "企业设立登记（一网通办）" in client.get("/").get_data(as_text=True)

    with app.app_context():
        svc = db.session.execute(
            db.select(Service).where(Service.code == "business_registration")
        ).scalar_one()
        svc.active = False
        db.session.commit()
    assert 'data-service="business_registration"' not in client.get("/").get_data(as_text=True)
