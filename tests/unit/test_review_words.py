"""Review findings in words the reader understands: a sex mismatch says sex, a photo of
anything else is "not recognised" (never a document type at 0 %), fields by their label."""

from __future__ import annotations

from types import SimpleNamespace

from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = '{% from "macros.html" import review_summary with context %}{{ review_summary(att) }}'


def _render(app, review: dict, locale: str) -> str:
    att = SimpleNamespace(review=review, review_status="attention")
    with app.test_request_context(), force_locale(locale):
        return render_template_string(TEMPLATE, att=att)


def test_a_sex_mismatch_is_worded_as_a_sex_mismatch(app):
    review = {
        "doc_type": "id_card_front",
        "confidence": 0.93,
        "reasons": [{"code": "id_mismatch", "field": "sex", "evidence": {"text": "女"}}],
    }
    zh = _render(app, review, "zh")
    assert "身份证上印的性别" in zh and "(sex)" not in zh and "与您填写的不一致" not in zh
    en = _render(app, review, "en")
    assert "The sex printed on the ID card differs" in en and "(Sex)" in en


def test_a_photo_of_something_else_is_not_recognised(app):
    cat = {"doc_type": "lease_contract", "confidence": 0.0, "reasons": [{"code": "wrong_type"}]}
    zh = _render(app, cat, "zh")
    assert "未能识别" in zh and "房屋租赁合同" not in zh and "0%" not in zh
    other = {"doc_type": "other", "confidence": 0.8, "reasons": [{"code": "low_confidence"}]}
    assert "not recognised" in _render(app, other, "en")
    lease = {"doc_type": "lease_contract", "confidence": 0.91, "reasons": []}
    assert "91%" in _render(app, lease, "en") and "Lease" in _render(app, lease, "en")


def test_a_type_its_printed_features_decided_is_recognised_without_a_percentage(app):
    """A shop receipt typed `invoice` by its printed total and date, not by the model (whose
    probability for it is low on paper unlike its training layouts), is shown as an invoice,
    not as "not recognised", and without the model's low percentage."""
    receipt = {"doc_type": "invoice", "confidence": 0.06, "type_basis": "anchors", "reasons": []}
    en = _render(app, receipt, "en")
    assert "Invoice" in en and "not recognised" not in en and "6%" not in en
    assert "by its printed features" in en
    zh = _render(app, receipt, "zh")
    assert "未能识别" not in zh and "6%" not in zh
    guess = {"doc_type": "invoice", "confidence": 0.06, "type_basis": "model", "reasons": []}
    assert "not recognised" in _render(app, guess, "en")
