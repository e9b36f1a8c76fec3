"""Tests of ml.review.review_document: verdicts and reason codes, with a stand-in
classifier and text-only OCR results (fast), plus real OCR on rendered images."""

import datetime as dt
from dataclasses import dataclass, field

import pytest

from ml.ocr.types import OcrResult
from ml.review import REASON_CODES, review_document
from ml.validators import validate
from tests.fixtures.ml.documents import cat_photo, make_id_number, png_bytes, render_id_card

TODAY = dt.date(2026, 1, 15)
GOOD_ID = make_id_number("11010519900307123")


@dataclass
class FakePrediction:
    doc_type: str
    confidence: float
    probabilities: dict = field(default_factory=dict)


class FakeClassifier:
    """Always predicts the configured type; records what it was asked."""

    def __init__(self, doc_type, confidence=0.95):
        self.doc_type, self.confidence, self.seen = doc_type, confidence, []

    def predict(self, text, image_features=None):
        self.seen.append(text)
        return FakePrediction(self.doc_type, self.confidence)


def ocr_text(text):
    return OcrResult(text=text, pages=[], seconds=0.01, engine="tesseract", lang="chi_sim")


def id_front_text(name="王小明", id_number=GOOD_ID, sex="男", birth="1990年3月7日"):
    return ocr_text(
        f"姓名 {name}\n性别 {sex} 民族 汉\n出生 {birth}\n住址 北京市东城区景山前街4号\n"
        f"公民身份号码 {id_number}"
    )


def review(text_result, doc_type="id_card_front", expected="id_card_front", **kw):
    return review_document(
        "card.png",
        expected_type=expected,
        ocr_result=text_result,
        classifier=FakeClassifier(doc_type),
        today=TODAY,
        **kw,
    )


def codes(result):
    return [(r["code"], r["field"]) for r in result["reasons"]]


def test_clean_matching_document_passes():
    result = review(id_front_text(), applicant={"name": "王 小明", "id_number": GOOD_ID.lower()})
    assert result["verdict"] == "pass", result["reasons"]
    assert result["doc_type"] == "id_card_front" and result["confidence"] == 0.95
    assert result["fields"]["id_number"]["value"] == GOOD_ID
    assert all(check["ok"] for check in result["checks"])
    for key in (
        "file",
        "doc_type",
        "confidence",
        "fields",
        "checks",
        "verdict",
        "reasons",
        "ocr_seconds",
        "text",
        "pages",
    ):
        assert key in result


def test_wrong_type_is_attention():
    result = review(
        ocr_text("营业执照\n统一社会信用代码 91350100M000100Y43"), doc_type="business_license"
    )
    assert result["verdict"] == "attention"
    assert ("wrong_type", None) in codes(result)
    assert result["doc_type"] == "business_license"


def test_bad_check_digit_is_attention_with_evidence():
    bad = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    result = review(id_front_text(id_number=bad))
    assert result["verdict"] == "attention"
    reason = next(r for r in result["reasons"] if r["code"] == "checksum_invalid")
    assert reason["field"] == "id_number" and bad in reason["evidence"]["text"]


def test_expired_id_card_back():
    text = ocr_text(
        "中华人民共和国\n居民身份证\n签发机关 北京市公安局\n有效期限 2005.03.05-2025.03.05"
    )
    result = review(text, doc_type="id_card_back", expected="id_card_back")
    assert result["verdict"] == "attention"
    assert ("expired", "valid_until") in codes(result)
    still_valid = review_document(
        "b.png",
        expected_type="id_card_back",
        ocr_result=text,
        classifier=FakeClassifier("id_card_back"),
        today=dt.date(2025, 3, 5),
    )
    assert still_valid["verdict"] == "pass", still_valid["reasons"]


def test_name_and_number_mismatch():
    result = review(id_front_text(), applicant={"name": "王小名"})
    assert result["verdict"] == "attention" and ("name_mismatch", "name") in codes(result)
    other_id = make_id_number("11010519900307125")
    result = review(id_front_text(), applicant={"id_number": other_id})
    assert ("id_mismatch", "id_number") in codes(result)


def test_card_internal_consistency():
    result = review(id_front_text(sex="女"))  # digit 17 of GOOD_ID is odd -> male
    assert ("id_mismatch", "sex") in codes(result)
    result = review(id_front_text(birth="1991年3月7日"))
    assert ("id_mismatch", "birth_date") in codes(result)


def test_missing_field_and_low_classifier_confidence():
    result = review(ocr_text("姓名 王小明\n性别 男"))
    assert ("field_missing", "id_number") in codes(result)
    abstained = review(id_front_text(), doc_type="other")
    assert abstained["verdict"] == "attention"
    assert ("low_confidence", None) in codes(abstained)
    assert abstained["fields"]["id_number"]["value"] == GOOD_ID  # fields of expected type


def test_no_model_falls_back_to_expected_type():
    result = review_document(
        "x.png",
        expected_type="id_card_front",
        ocr_result=id_front_text(),
        classifier=None,
        today=TODAY,
    )
    assert result["doc_type"] == "id_card_front" and result["confidence"] == 0.0
    assert result["verdict"] == "attention" and ("low_confidence", None) in codes(result)


def test_household_register_accepts_any_listed_member():
    text = ocr_text(
        f"常住人口登记卡\n姓名 张伟 户主或与户主关系 户主\n公民身份证件编号 {GOOD_ID}\n"
        "姓名 李娜 户主或与户主关系 妻"
    )
    result = review(
        text,
        doc_type="household_register",
        expected="household_register",
        applicant={"name": "李娜"},
    )
    assert result["verdict"] == "pass", result["reasons"]


def test_reason_codes_are_from_the_fixed_vocabulary():
    result = review(id_front_text(id_number="123"), applicant={"name": "赵六"})
    assert result["reasons"] and all(r["code"] in REASON_CODES for r in result["reasons"])


def test_unknown_expected_type_is_rejected():
    with pytest.raises(ValueError):
        review_document("x.png", expected_type="driving_licence", ocr_result=ocr_text("x"))


def test_unreadable_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", "off")
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    result = review_document(path, expected_type="id_card_front", classifier=None)
    assert result["verdict"] == "attention" and codes(result) == [("unreadable", None)]


def test_real_ocr_id_card_passes_and_cat_photo_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path / "cache"))
    card = tmp_path / "card.png"
    card.write_bytes(png_bytes(render_id_card(id_number=GOOD_ID)))
    result = review_document(
        card,
        expected_type="id_card_front",
        today=TODAY,
        classifier=FakeClassifier("id_card_front"),
        applicant={"name": "王小明", "id_number": GOOD_ID},
    )
    assert result["verdict"] == "pass", result["reasons"]
    assert result["pages"][0]["words"] and result["ocr_seconds"] > 0
    cat = tmp_path / "cat.jpg"
    cat_photo().save(cat, quality=90)
    for clf in (None, FakeClassifier("other", 0.3)):
        verdict = review_document(cat, expected_type="id_card_front", classifier=clf, today=TODAY)
        assert verdict["verdict"] == "attention"
    default_model = review_document(cat, today=TODAY)  # whatever model is committed (or none)
    assert default_model["verdict"] == "attention"


def test_expired_passport_from_mrz():
    text = ocr_text(
        "中华人民共和国护照 PASSPORT\nP<CHNWANG<<GANGBO<<<<<<<<<<<<<<<<<<<<<<<<\n"
        "EA79039510CHN8812289F2012032<<<<<<<<<<<<<<<6"
    )
    expired = review(text, doc_type="passport", expected="passport")
    assert ("expired", "passport_expiry") in codes(expired)
    valid = review(
        ocr_text(text.text.replace("F2012032", "F3012039")),
        doc_type="passport",
        expected="passport",
    )
    assert valid["verdict"] == "pass", valid["reasons"]


def test_passport_expiry_from_printed_date_when_mrz_check_fails():
    # MRZ expiry 280420 with check digit 8 (a 6 read as 0): the printed date decides.
    base = (
        "中华人民共和国护照 PASSPORT\n姓 /Surname\n欧阳 /OUYANG\n名 /Given names\n新博 /XINBO\n"
        "08 JUN 1956\n26 APR 2018\n有效期至 /Date of expiry 签发机关 /Authority\n"
        "{expiry} 国家移民管理局\n"
        "P<CHNOUYANG<<XINBO<<<<<<<<<<<<<<<<<<<<<<<<<\nEA39480532CHN5606083M2804208<<<<<<<<<<<<<<<4"
    )
    expired = review(
        ocr_text(base.format(expiry="26 APR 2025")), doc_type="passport", expected="passport"
    )
    assert ("expired", "passport_expiry") in codes(expired)
    valid = review(
        ocr_text(base.format(expiry="26 APR 2028")), doc_type="passport", expected="passport"
    )
    assert not [r for r in valid["reasons"] if r["field"] == "passport_expiry"], valid["reasons"]


def test_passport_whose_expiry_cannot_be_read_is_not_a_pass():
    text = ocr_text(
        "中华人民共和国护照 PASSPORT\n姓 /Surname\n何 /HE\n名 /Given names\n晨 /CHEN\n"
        "护照号 /Passport No\nE70802179"
    )
    result = review(text, doc_type="passport", expected="passport")
    assert result["verdict"] == "attention"
    assert ("field_missing", "passport_expiry") in codes(result)


def test_bad_check_digit_read_with_an_inserted_digit_is_not_repaired_into_a_pass():
    # A household register (or ID card) printed 110105199003071234, a wrong check
    # character, and read with one extra digit: dropping another digit than the extra one
    # gives a valid number (110105199003071124). The check digit chose it among 19
    # numbers, no reading showed it: never a pass unless a re-reading confirms it.
    bad, reading = "110105199003071234", "1101051990030711234"
    assert not validate("resident_id", bad).ok
    register = ocr_text(
        f"常住人口登记卡\n姓名 王小明 户主或与户主关系 户主\n公民身份证件编号 {reading}"
    )
    result = review(register, doc_type="household_register", expected="household_register")
    assert result["fields"]["id_number"]["value"] == "110105199003071124"
    assert result["fields"]["id_number"]["unconfirmed"]
    assert result["verdict"] == "attention"
    assert ("checksum_invalid", "id_number") in codes(result)
    front = review(id_front_text(id_number=reading))
    assert front["verdict"] == "attention" and ("checksum_invalid", "id_number") in codes(front)
