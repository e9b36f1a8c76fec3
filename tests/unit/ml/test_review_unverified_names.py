"""A name with nothing to compare it with is only as good as its reading (issue 17): read with
low OCR confidence, or not starting with a Chinese surname, it is never a `pass`."""

from ml.names import plausible_chinese_name
from ml.ocr.types import OcrPage, OcrResult, Word
from ml.review import review_document
from ml.synthetic.values import SURNAMES
from tests.unit.ml.test_review_verdicts import (
    GOOD_ID,
    TODAY,
    FakeClassifier,
    codes,
    id_front_text,
    review,
)


def card_with_boxes(name_conf: float, name: str = "王小明") -> OcrResult:
    """An ID card front as OCR words with boxes; the name's word read at *name_conf*."""
    rows = [
        [("姓名", 95), (name, name_conf)],
        [("性别", 95), ("男", 93), ("民族", 94), ("汉", 92)],
        [("出生", 95), ("1990年3月7日", 91)],
        [("住址", 96), ("北京市东城区景山前街4号", 90)],
        [("公民身份号码", 95), (GOOD_ID, 96)],
    ]
    words = [
        Word(text, conf, (40 + 200 * col, 40 + 60 * line, 180, 40), line)
        for line, row in enumerate(rows)
        for col, (text, conf) in enumerate(row)
    ]
    text = "\n".join(" ".join(t for t, _ in row) for row in rows)
    page = OcrPage(width=1000, height=400, words=words)
    return OcrResult(text=text, pages=[page], seconds=0.01, engine="tesseract", lang="chi_sim")


def run(ocr: OcrResult, applicant=None) -> dict:
    return review_document(
        "card.png",
        expected_type="id_card_front",
        ocr_result=ocr,
        classifier=FakeClassifier("id_card_front"),
        today=TODAY,
        applicant=applicant,
    )


def test_low_confidence_name_without_applicant_is_never_pass():
    result = run(card_with_boxes(name_conf=41))
    assert result["fields"]["name"]["value"] == "王小明"
    assert result["verdict"] == "attention"
    assert ("low_confidence", "name") in codes(result)
    reason = next(r for r in result["reasons"] if r["field"] == "name")
    assert reason["evidence"]["box"] and "王小明" in reason["evidence"]["text"]
    check = next(c for c in result["checks"] if c["field"] == "name")
    assert check["name"] == "name_reading" and not check["ok"]


def test_clear_name_without_applicant_still_passes():
    result = run(card_with_boxes(name_conf=92))
    assert result["verdict"] == "pass", result["reasons"]


def test_low_confidence_name_matching_the_applicant_passes():
    # the comparison with what the applicant typed is the evidence, not the reading alone
    result = run(card_with_boxes(name_conf=41), applicant={"name": "王小明"})
    assert result["verdict"] == "pass", result["reasons"]
    wrong = run(card_with_boxes(name_conf=41), applicant={"name": "王晓明"})
    assert ("name_mismatch", "name") in codes(wrong)


def test_applicant_without_a_name_is_nothing_to_compare():
    result = run(card_with_boxes(name_conf=41), applicant={"id_number": GOOD_ID})
    assert result["verdict"] == "attention" and ("low_confidence", "name") in codes(result)


def test_misread_name_without_applicant_is_not_reported_pass():
    # 熊秀萱 read as 驴秀曹 on an unseen font: no surname starts with 驴
    wrong = review(id_front_text(name="驴秀曹"))
    assert wrong["verdict"] == "attention" and ("low_confidence", "name") in codes(wrong)
    right = review(id_front_text(name="熊秀萱"))
    assert right["verdict"] == "pass", right["reasons"]


def test_plausible_chinese_names():
    assert plausible_chinese_name("欧阳娜娜") and plausible_chinese_name("司马光")
    assert plausible_chinese_name("王小明") and plausible_chinese_name("阿依古丽·买买提")
    assert plausible_chinese_name("WANG XIAOMING") and plausible_chinese_name("")
    assert not plausible_chinese_name("驴秀曹") and not plausible_chinese_name("的小明")
    assert all(plausible_chinese_name(surname + "明") for surname, _ in SURNAMES)
