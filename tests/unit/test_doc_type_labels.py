"""The screens' labels of document types, fields and checks come from ml.doctypes and are
translated when shown: a registered type appears without touching the app."""

from __future__ import annotations

import pytest

from app.blueprints import context
from ml import doctypes
from ml.doctypes import DocType, Field

LICENCE = DocType(
    code="driving_licence",
    label="Driving licence",
    name_zh="机动车驾驶证",
    short="driving",
    fields=(Field("licence_number", "Licence number"),),
    extractor="ml.fields.identity:extract_passport",
    synthetic=None,
)


@pytest.fixture
def licence_registered():
    doctypes.register(LICENCE)
    try:
        yield LICENCE
    finally:
        doctypes.unregister(LICENCE.code)


def test_labels_are_translated_from_the_registry(app):
    with app.test_request_context("/?lang=zh"):
        assert context.doc_type_label("business_license") == "营业执照"
        assert context.field_label("credit_code") == "统一社会信用代码"
        assert context.check_label("resident_id") == "身份证校验位"  # a validator's label
        assert context.check_label("applicant_name") == "与申请人一致"
        assert list(context.doc_type_labels()) == list(doctypes.DOC_TYPES)
    with app.test_request_context("/?lang=en"):
        assert context.doc_type_label("business_license") == "Business licence"
        assert context.field_label("passport_expiry") == "Passport expiry"
        assert context.check_label("applicant_company_name") == "matches the applicant"
        assert context.doc_type_label(None) == "—"
        assert context.field_label("no_such_field") == "no_such_field"


def test_a_registered_type_is_on_the_screens(app, licence_registered):
    with app.test_request_context("/?lang=en"):
        assert context.doc_type_labels()["driving_licence"] == "Driving licence"
        assert context.doc_type_label("driving_licence") == "Driving licence"
        assert context.field_label("licence_number") == "Licence number"
