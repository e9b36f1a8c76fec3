"""The field-type registry: a type registered elsewhere works in forms end to end, and a form
naming an unregistered type is refused when loaded and by the start-up check."""

from __future__ import annotations

import json
import re

import pytest
from flask import render_template_string

from app.services import catalogue, fieldtypes, forms
from app.services.fieldtypes import FieldProblem, FieldType, FormSchemaError


def _six_digits(field, value):
    return None if re.fullmatch(r"\d{6}", value) else "six digits, please"


class PostalCode(FieldType):
    """A test-only type: spaces are dropped, six digits remain."""

    name = "postal_code"
    validators = (_six_digits,)
    input_attrs = {"type": "text", "inputmode": "numeric"}

    def parse(self, field, value):
        if not isinstance(value, str):
            raise FieldProblem("not text")
        return value.replace(" ", "")


@pytest.fixture()
def postal_code():
    fieldtypes.register(PostalCode)
    yield
    fieldtypes.unregister("postal_code")


FORM = {
    "code": "test",
    "fields": [
        {"name": "postcode", "type": "postal_code", "required": True, "label": {"en": "Postcode"}},
        {"name": "note", "type": "text", "label": {"en": "Note"}},
    ],
}


def _render_field(field, values, errors):
    return render_template_string(
        '{% from "macros.html" import field_input with context %}'
        "{{ field_input(field, values, errors) }}",
        field=field,
        values=values,
        errors=errors,
    )


def test_a_type_registered_outside_the_package_validates_and_renders(app, postal_code):
    assert fieldtypes.schema_problems(FORM["fields"]) == []
    clean, errors = forms.validate(FORM, {"postcode": " 200 120 ", "note": "hi"})
    assert errors == {} and clean == {"postcode": "200120", "note": "hi"}
    clean, errors = forms.validate(FORM, {"postcode": "2001"})
    assert errors == {"postcode": "six digits, please"} and clean == {}
    _, errors = forms.validate(FORM, {})
    assert list(errors) == ["postcode"]  # required-ness comes with every type
    with app.test_request_context("/?lang=en"):
        html = _render_field(FORM["fields"][0], {"postcode": "200120"}, {"postcode": "bad"})
    assert 'id="f-postcode"' in html and 'inputmode="numeric"' in html
    assert 'value="200120"' in html and "is-invalid" in html and "bad" in html


def test_a_name_is_registered_once(postal_code):
    with pytest.raises(ValueError, match="already registered"):
        fieldtypes.register(PostalCode)


def test_a_form_with_an_unknown_type_is_refused_at_load(app, tmp_path, monkeypatch):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "bad.json").write_text(json.dumps(FORM), encoding="utf-8")
    (tmp_path / "tasks" / "worse.json").write_text(
        json.dumps({"fields": [{"name": "pick", "type": "select", "options": []}]}),
        encoding="utf-8",
    )
    (tmp_path / "fine.json").write_text(json.dumps({"fields": [FORM["fields"][1]]}), "utf-8")
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    with app.app_context():
        assert catalogue.load_form("fine")["fields"][0]["name"] == "note"
        with pytest.raises(FormSchemaError) as refused:
            catalogue.load_form("bad")
        assert "bad.json: field 'postcode' has unknown type 'postal_code'" in str(refused.value)
        assert "registered: boolean, date" in str(refused.value)
        with pytest.raises(FormSchemaError) as refused:
            forms.check_forms()
    assert len(refused.value.problems) == 2
    assert "worse.json: field 'pick': needs a non-empty list of options" in str(refused.value)


def test_every_shipped_form_uses_registered_types_only(app):
    with app.app_context():
        checked = forms.check_forms()
        assert set(checked) == catalogue.known_forms()
    assert {"business_registration", "review_decision", "correction_request"} <= set(checked)


def test_cleaned_values_stay_valid_when_checked_again(app):
    """Submission re-validates the stored draft (`applications.check_complete`)."""
    context = app.app_context()  # the graduation date's bound is today, in the local zone
    context.push()
    form = catalogue.load_form("talent_settlement")
    raw = {
        "applicant_name": "张三",
        "applicant_id_number": "11010519491231002x",
        "contact_phone": "13800138000",
        "current_household_address": "北京市",
        "degree": "master",
        "institution": "复旦大学",
        "graduation_date": "2024-06-30",
        "employer": "上海示例科技有限公司",
        "shortage_occupation": "on",
        "settle_address": "上海市浦东新区",
    }
    clean, errors = forms.validate(form, raw)
    assert errors == {}
    assert clean["applicant_id_number"] == "11010519491231002X"
    assert clean["shortage_occupation"] is True
    assert forms.validate(form, clean) == (clean, {})
    context.pop()


def test_booleans_as_tick_box_and_as_yes_no_choice(app):
    with app.app_context():
        review = catalogue.load_form("review_decision")
    assert (
        forms.validate(review, {"approved": "false", "comment": "缺材料"})[0]["approved"] is False
    )
    clean, errors = forms.validate(review, {"approved": "false"})
    assert "comment" in errors  # required_if: a rejection gives its reason
    assert "approved" in forms.validate(review, {})[1]
    tick = {"fields": [{"name": "ok", "type": "boolean", "required": True}]}
    clean, errors = forms.validate(tick, {})
    assert clean == {"ok": False} and list(errors) == ["ok"]  # kept, and asked to confirm
    assert forms.validate(tick, {"ok": "1"}) == ({"ok": True}, {})


def test_read_only_values_are_shown_by_their_type(app):
    field = {
        "name": "kind",
        "type": "select",
        "options": [{"value": "llc", "label": {"zh": "有限责任公司", "en": "LLC"}}],
    }
    with app.test_request_context("/?lang=en"):
        shown = render_template_string(
            "{{ field_value(field, 'llc') }}|{{ field_value(number, 0) }}|"
            "{{ field_value(number, none) }}",
            field=field,
            number={"name": "n", "type": "number"},
        )
    assert shown == "LLC|0|—"


def test_a_date_outside_its_bounds_is_refused_with_the_bound_as_a_date(app):
    from datetime import timedelta

    from app.services.periods import local_today

    form = {
        "fields": [
            {"name": "since", "type": "date", "required": True, "max": "today-183"},
            {"name": "until", "type": "date", "min": "today", "max": "2100-12-31"},
        ]
    }
    with app.test_request_context("/?lang=en"):
        today = local_today()
        latest = today - timedelta(days=183)
        clean, errors = forms.validate(form, {"since": latest.isoformat(), "until": ""})
        assert errors == {} and clean["since"] == latest.isoformat()
        later = (latest + timedelta(days=1)).isoformat()
        _clean, errors = forms.validate(form, {"since": later, "until": "2101-01-01"})
        assert str(errors["since"]) == f"Enter {latest.isoformat()} or an earlier date."
        assert str(errors["until"]) == "Enter 2100-12-31 or an earlier date."
        yesterday = (today - timedelta(days=1)).isoformat()
        _clean, errors = forms.validate(form, {"since": "2000-01-01", "until": yesterday})
        assert str(errors["until"]) == f"Enter {today.isoformat()} or a later date."
        # the date picker offers only the days within the bounds
        widget = fieldtypes.widget_for(form["fields"][0])
        assert widget.attrs == {"type": "date", "max": latest.isoformat()}
        bad = [{"name": "d", "type": "date", "max": "yesterday"}]
        problems = fieldtypes.schema_problems(bad)
    assert problems and "yesterday" in problems[0]


def test_the_residence_permit_refuses_a_future_start_of_residence(app):
    with app.test_request_context():
        form = catalogue.load_form("residence_permit")
        field = next(f for f in catalogue.form_fields(form) if f["name"] == "residence_since")
        assert fieldtypes.type_of(field).clean(field, "2030-01-01")[1] is not None
        assert fieldtypes.type_of(field).clean(field, "2020-01-01") == ("2020-01-01", None)
