"""An English page read by the chi_sim pass gets the English reading (issue 17): a long run
of capitals on a receipt (GOODS SOLD ARE NOT RETURNABLE) is no passport MRZ, so it must not
keep the garbled chi_sim words nor limit the English pass to a two-line band."""

from ml.ocr.pipeline import _merge_eng_pass
from ml.ocr.types import Word


def words(lines: list[str], conf: float) -> list[Word]:
    return [
        Word(text, conf, (10 + 120 * col, 10 + 40 * row, 110, 30), row)
        for row, line in enumerate(lines)
        for col, text in enumerate(line.split())
    ]


def test_receipt_capitals_are_not_an_mrz():
    chi = words(["号 IN THYE 攻切口 MPANY", "6HB-TOTAL 103.29", "TOTAL 了口下后 L 110D-6o"], 50)
    eng = words(
        ["SIN THYE & COMPANY", "SUB-TOTAL 103.77", "TOTAL 110.00", "GOODSSOLDARENOTRETURNABLE,"],
        78,
    )
    merged = _merge_eng_pass(chi, eng)
    assert [w.text for w in merged] == [w.text for w in eng]


def test_a_real_mrz_line_is_still_merged_into_the_chinese_reading():
    chi = words(["中华人民共和国 护照", "姓 WANG"], 90)
    eng = words(["P<CHNWANG<<GANGBO<<<<<<<<<<<<<<<<<<<<<<<<"], 70)
    merged = _merge_eng_pass(chi, eng)
    texts = [w.text for w in merged]
    assert "护照" in texts and "P<CHNWANG<<GANGBO<<<<<<<<<<<<<<<<<<<<<<<<" in texts
