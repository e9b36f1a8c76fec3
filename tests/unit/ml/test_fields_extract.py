"""Tests of ml.fields: extractors on OCR-like text (fast) and on rendered synthetic
documents through real OCR (slow)."""

import random

import pytest

from ml.doctypes import DOC_TYPES, FIELDS, extractor_for
from ml.fields import extract_fields
from ml.ocr.types import OcrPage, OcrResult, Word


def values(doc_type, text):
    return {key: rec["value"] for key, rec in extract_fields(doc_type, text).items()}


def test_every_type_but_other_has_an_extractor():
    assert {t for t in DOC_TYPES if extractor_for(t) is not None} == set(DOC_TYPES) - {"other"}
    assert extract_fields("other", "anything") == {}


def test_id_card_front_with_ocr_noise():
    text = (
        "姓名 ” 谢晨艳\n性别男民族汉 [\n出生 1995 年 10 月 1 日\n"
        "住址 江苏省南京市玄武区人民路 926\n"
        "公民身份号码 32O1O2l995lOO12559"
    )
    assert values("id_card_front", text) == {
        "name": "谢晨艳",
        "sex": "男",
        "birth_date": "1995-10-01",
        "id_number": "320102199510012559",
    }


def test_id_card_front_unlabelled_name_and_birth_from_id():
    text = "朱艳\n男民族汉\n1973 年 3 月 416 日\n公民身份号码 610113197303163492"
    got = values("id_card_front", text)
    assert got["name"] == "朱艳" and got["birth_date"] == "1973-03-16"


def test_id_card_back_ranges_and_long_term():
    assert values("id_card_back", "签发机关 北京市公安局\n有效期限 ”2016.07.26-2036.07.26") == {
        "valid_from": "2016-07-26",
        "valid_until": "2036-07-26",
    }
    assert values("id_card_back", "有效期限 2019-04-23 至 长期")["valid_until"] == "长期"


def test_business_license_rows():
    text = (
        "统一社会信用代码\n91440305C9W1JJP98K\n名称广东星辰教育咨询有限公司\n法定代表人 “有罗霞英\n"
        "成立日期 ”2007 年 06 月 11 日\n营业期限 2007 年 06 月 11 日至长期"
    )
    assert values("business_license", text) == {
        "credit_code": "91440305C9W1JJP98K",
        "company_name": "广东星辰教育咨询有限公司",
        "legal_rep": "罗霞英",
        "established": "2007-06-11",
    }


def test_lease_contract_variants():
    text = (
        "甲方〈出租方 ) : 司马鹏\n乙方 (承租方 ) ; 吴海超\n"
        "第一条租赁房屋位于四川省成都市武侯区南京路 904 号碧水湾"
        " 14 栋 2805 室，建筑面积 46 平方米。\n"
        "第三条租金为每月人民币 2100.00 元 (大写 : 贰仟壹佰元整 )"
    )
    assert values("lease_contract", text) == {
        "lessor": "司马鹏",
        "lessee": "吴海超",
        "address": "四川省成都市武侯区南京路904号碧水湾14栋2805室",
        "monthly_rent": "2100.00",
    }


def test_employment_and_degree_certificates():
    emp = (
        "在职证明\n兹证明宋华 (身份证号码 ; 510107196507272644) ，女，自 2016\n"
        "广州新源文化传媒股份有限公司"
    )
    assert values("employment_certificate", emp) == {
        "name": "宋华",
        "employer": "广州新源文化传媒股份有限公司",
    }
    deg = "学位证书\n蔡洋志，女，1981 年 6 月生，于山东大学工商管理专业修业期满"
    assert values("degree_certificate", deg) == {"name": "蔡洋志", "institution": "山东大学"}


def test_invoice_and_receipt():
    vat = (
        "发票代码：044001900111\n发票号码：12345678\n开票日期：2021年03月05日\n"
        "价税合计（大写）叁仟伍佰元整 （小写）¥3,500.00"
    )
    assert values("invoice", vat) == {
        "invoice_code": "044001900111",
        "invoice_number": "12345678",
        "issue_date": "2021-03-05",
        "total": "3500.00",
    }
    receipt = "单号 : 6340377897\n日期 : 2024-03-12 08:28\n合计 : 394.70"
    assert values("invoice", receipt) == {
        "invoice_number": "6340377897",
        "issue_date": "2024-03-12",
        "total": "394.70",
    }


def test_passport_from_mrz_with_check_digit():
    text = (
        "中华人民共和国护照\nP<CHNWANG<<GANGBO<<<<<<<<<<<<<<<<<<<<<<<<\n"
        "EA79039510CHN8812289F3012039<<<<<<<<<<<<<<<6"
    )
    assert values("passport", text) == {
        "passport_number": "EA7903951",
        "surname": "WANG",
        "given_names": "GANGBO",
    }
    bad = text.replace("EA79039510CHN", "EA79039513CHN")  # wrong MRZ check digit
    assert "passport_number" not in values("passport", bad.replace("EA7903951", "XX"))


def test_fields_carry_evidence_boxes_from_words():
    words = [
        Word("公民身份号码", 95, (10, 400, 150, 30), 0),
        Word("110105194912310O2X", 90, (200, 400, 300, 30), 0),
    ]
    result = OcrResult(
        text="", pages=[OcrPage(856, 540, words)], seconds=0.1, engine="tesseract", lang="chi_sim"
    )
    record = extract_fields("id_card_front", result)["id_number"]
    assert record["value"] == "11010519491231002X"
    assert record["box"] == [200, 400, 300, 30] and record["page"] == 0


@pytest.mark.slow
def test_rendered_synthetic_documents_through_ocr(tmp_path, monkeypatch):
    synthetic = pytest.importorskip("ml.synthetic")
    from ml.ocr import ocr_many

    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path))
    types = [t for t in DOC_TYPES if t != "other"]
    samples = [
        synthetic.render(t, random.Random(100 + i), capture="clean") for i, t in enumerate(types)
    ]
    results = ocr_many([image for image, _ in samples], workers=2)
    exact = total = 0
    key_misses = []
    for doc_type, (_, truth), ocr in zip(types, samples, results):
        got = {k: r["value"] for k, r in extract_fields(doc_type, ocr).items()}
        for key in FIELDS[doc_type]:
            if key not in truth:
                continue
            total += 1
            exact += got.get(key) == str(truth[key])
            if (
                key in {"id_number", "credit_code", "passport_number"}
                and got.get(key) != truth[key]
            ):
                key_misses.append((doc_type, key, got.get(key), truth[key]))
    assert not key_misses
    assert exact / total >= 0.75, f"{exact}/{total} fields exact"


def test_invoice_total_repaired_from_net_plus_tax():
    text = (
        "发票代码 : 422379542432\n发票号码 ; 56290713\n开票日期 : 2021 年 11 月 10 日\n"
        "半 14436.77\n(小写 ) 光 6313.55\n半 1876.78"
    )
    assert values("invoice", text)["total"] == "16313.55"


def test_credit_code_with_one_inserted_character():
    got = values(
        "business_license",
        "统一社会信用代码 :\n91430104BNM3KE0OT14\n名称湖南瑞丰电子商务股份有限公司",
    )
    assert got["credit_code"] == "91430104BNM3KE0T14"


def test_passport_prefers_complete_printed_name_over_truncated_mrz():
    text = (
        "姓 /Surname\n曾 /ZENG\n名 /Given names\n超 /CHAO\n"
        "P<CHNZENG<<CHA<<<<<<<<<<<<cceeeececeeecccceec<\n"
        "E682515434CHNO0608129M3202089<<<<<<<<<<<<<<<6"
    )
    got = values("passport", text)
    assert got["surname"] == "ZENG" and got["given_names"] == "CHAO"


def test_names_never_contain_label_words():
    got = values("id_card_front", "姓名 人性别\n公民身份号码 11010519491231002X")
    assert "name" not in got or "性别" not in got["name"]
