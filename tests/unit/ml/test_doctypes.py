"""Tests of the document type registry (ml.doctypes): its start-up check finds every gap,
and a type registered in one module is known everywhere (codes, fields, labels,
extraction, review, synthetic data, reports)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from PIL import Image

from ml import doctype_check, doctypes
from ml.doctypes import DocType, Field, SyntheticLayout, TypeCheck
from ml.doctypes.registry import check_labels, doc_type_labels, field_labels
from ml.evaluate import short_name
from ml.fields import extract_fields
from ml.ocr.types import OcrResult
from ml.review import review_document
from ml.synthetic import render, synthetic_types
from ml.validators import VALIDATORS

FAKE_CODE = "driving_licence"
# The order the committed classifier's training data and reports were built in.
ORIGINAL_ORDER = (
    "id_card_front",
    "id_card_back",
    "business_license",
    "household_register",
    "lease_contract",
    "employment_certificate",
    "degree_certificate",
    "invoice",
    "passport",
    "other",
)


def extract_driving_licence(doc):
    """Extractor of the fake type: the licence number after 证号."""
    for line in doc.lines:
        if "证号" in line.text:
            return {
                "licence_number": {
                    "value": line.text.split("证号")[-1].strip(),
                    "text": line.text,
                    "page": line.page,
                    "box": None,
                }
            }
    return {}


def render_driving_licence(rng, fonts, variant):
    """Synthetic generator of the fake type: a blank card and its ground truth."""
    return Image.new("RGB", (320, 200), "white"), {"licence_number": str(rng.randint(1, 9))}


def check_not_a_learner(doc_type, fields, today, report, ocr=None):
    """A type-level check of the fake type."""
    report.check("not_learner", "licence_number", True, "full licence")


FAKE_TYPE = DocType(
    code=FAKE_CODE,
    label="Driving licence",
    name_zh="机动车驾驶证",
    short="driving",
    fields=(
        Field("name", "Full name"),
        Field("licence_number", "Licence number", validator="date"),
    ),
    extractor=f"{__name__}:extract_driving_licence",
    synthetic=SyntheticLayout(f"{__name__}:render_driving_licence", variants=2),
    applicant_matches={"name": "name"},
    checks=(TypeCheck(f"{__name__}:check_not_a_learner", labels={"not_learner": "full licence"}),),
)


@pytest.fixture
def registered_fake_type():
    doctypes.register(FAKE_TYPE)
    try:
        yield FAKE_TYPE
    finally:
        doctypes.unregister(FAKE_CODE)


def test_the_registry_is_complete_and_knows_the_committed_classifiers_classes():
    doctype_check.check_registry()  # raises RegistryIncomplete listing the gaps


def test_registration_keeps_the_order_of_the_types():
    assert tuple(doctypes.DOC_TYPES) == ORIGINAL_ORDER
    assert doctypes.OTHER == ORIGINAL_ORDER[-1]


def test_every_field_check_and_type_has_a_label():
    labels = field_labels()
    for doc_type in doctypes.all_types():
        assert all(labels[key] for key in doc_type.field_keys), doc_type.code
    assert set(doc_type_labels()) == set(doctypes.DOC_TYPES)
    assert set(VALIDATORS) <= set(check_labels())


def test_registry_problems_names_each_gap():
    broken = DocType(
        code="half_declared",
        label="",
        name_zh="半成品",
        short="a_very_long_short_name",
        fields=(
            Field("name", "Name of the person"),  # "Full name" elsewhere
            Field("licence_number", "Licence number", validator="no_such_validator"),
        ),
        extractor=None,
        synthetic=SyntheticLayout("ml.synthetic.nowhere:render", variants=1),
        applicant_matches={"employer": "name", "licence_number": "shape"},
        checks=(TypeCheck("ml.review:no_such_check", labels={"x": ""}),),
    )
    doctypes.register(broken)
    try:
        problems = doctype_check.registry_problems(classifier_classes=["other", "ghost_type"])
        with pytest.raises(doctype_check.RegistryIncomplete):
            doctype_check.check_registry(classifier_classes=["other"])
    finally:
        doctypes.unregister("half_declared")
    text = "\n".join(problems)
    for expected in (
        "half_declared: a screen label and a Chinese name are both required",
        "short name 'a_very_long_short_name'",
        "field 'name' is labelled 'Name of the person' here but 'Full name' elsewhere",
        "unknown validator 'no_such_validator'",
        "applicant comparison on 'employer', which is not a field",
        "applicant comparison kind 'shape' is unknown",
        "has fields but no extractor",
        "'ml.synthetic.nowhere:render' cannot be imported",
        "needs 2+ variants",
        "'ml.review:no_such_check' cannot be imported",
        "check 'x' has no label",
        "the classifier predicts unregistered types ['ghost_type']",
    ):
        assert expected in text, expected
    assert doctype_check.registry_problems(classifier_classes=["other"]) == []


def test_a_type_registered_in_one_place_is_known_everywhere(registered_fake_type):
    assert doctypes.is_known(FAKE_CODE) and FAKE_CODE in doctypes.DOC_TYPES
    assert doctypes.FIELDS[FAKE_CODE] == ("name", "licence_number")
    assert doctypes.OCR_LANG[FAKE_CODE] == "chi_sim"
    assert doc_type_labels()[FAKE_CODE] == "Driving licence"
    assert field_labels()["licence_number"] == "Licence number"
    assert check_labels()["not_learner"] == "full licence"
    assert short_name(FAKE_CODE) == "driving"
    assert FAKE_CODE in synthetic_types()
    image, truth = render(FAKE_CODE, random.Random(0))
    assert image.size == (320, 200) and set(truth) == {"licence_number"}
    assert extract_fields(FAKE_CODE, "驾驶证\n证号 2020-02-29") == {
        "licence_number": {
            "value": "2020-02-29",
            "text": "证号 2020-02-29",
            "page": 0,
            "box": None,
        }
    }
    assert doctype_check.registry_problems(classifier_classes=["other"]) == []


def test_the_review_applies_a_registered_types_fields_and_checks(registered_fake_type):
    ocr = OcrResult(
        text="机动车驾驶证\n证号 2031-13-45",
        pages=[],
        seconds=0.0,
        engine="tesseract",
        lang="chi_sim",
    )
    result = review_document(
        "licence.png",
        expected_type=FAKE_CODE,
        ocr_result=ocr,
        classifier=None,
        today=dt.date(2026, 1, 15),
        applicant={"name": "王小明"},
    )
    checks = {(c["name"], c["field"]): c["ok"] for c in result["checks"]}
    assert checks[("present", "name")] is False  # a declared field that was not found
    assert checks[("date", "licence_number")] is False  # the field's validator ran
    assert checks[("not_learner", "licence_number")] is True  # the type's own check ran
    reasons = {(r["code"], r["field"]) for r in result["reasons"]}
    assert {("field_missing", "name"), ("low_confidence", "licence_number")} <= reasons


def test_unregistered_types_stay_unknown():
    assert not doctypes.is_known(FAKE_CODE) and not doctypes.is_known(None)
    assert extract_fields(FAKE_CODE, "证号 1") == {}
    with pytest.raises(ValueError):
        render(FAKE_CODE, random.Random(0))
    with pytest.raises(ValueError):
        review_document("x.png", expected_type=FAKE_CODE)
