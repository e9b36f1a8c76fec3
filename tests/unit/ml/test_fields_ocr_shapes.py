"""Field extraction on the OCR text shapes that failed on the held-out synthetic set
(issue 4): look-alike digits in dates, ID numbers with an inserted digit, ID-back dates
with mangled separators, garbled invoice totals, MRZ glyph slips, and forms that OCR
reads column by column (label and value on different text lines, matched by boxes)."""

from ml.fields import Document, extract_fields
from ml.ocr.types import OcrPage, OcrResult, Word
from ml.validators import validate
from tests.fixtures.ml.documents import make_id_number


def values(doc_type, text):
    return {k: r["value"] for k, r in extract_fields(doc_type, text).items()}


def words_result(rows):
    """OcrResult from (text, box, line) rows: one word each."""
    words = [Word(text, 90.0, box, line) for text, box, line in rows]
    return OcrResult(
        text="", pages=[OcrPage(1000, 1400, words)], seconds=0.1, engine="tesseract", lang="chi_sim"
    )


def test_id_number_with_one_inserted_digit_is_recovered_only_when_unambiguous():
    good = make_id_number("11010519900307123")
    # A digit inserted by OCR: exactly one deletion validates -> the printed number.
    inserted = good[:9] + "7" + good[9:]
    valid = {
        inserted[:i] + inserted[i + 1 :]
        for i in range(19)
        if validate("resident_id", inserted[:i] + inserted[i + 1 :]).ok
    }
    assert valid == {good}  # the premise of this case
    text = f"姓名王小明\n公民身份号码\n{inserted}"
    assert values("id_card_front", text)["id_number"] == good
    # Seen on the held-out set: two deletions validate, so nothing is chosen.
    ambiguous = "4401061973020524387"
    assert (
        len(
            {
                ambiguous[:i] + ambiguous[i + 1 :]
                for i in range(19)
                if validate("resident_id", ambiguous[:i] + ambiguous[i + 1 :]).ok
            }
        )
        == 2
    )
    assert "id_number" not in values("id_card_front", f"公民身份号码\n{ambiguous}")


def test_id_back_dates_with_mangled_separators():
    got = values("id_card_back", "签发机关天津市公安局和平分局\n有效期限 2017-01=17 至 2037=01=-17")
    assert got == {"valid_from": "2017-01-17", "valid_until": "2037-01-17"}
    got = values("id_card_back", "有效期限 _2018:03-19 至 2028-03-19")
    assert got == {"valid_from": "2018-03-19", "valid_until": "2028-03-19"}


def test_bracket_read_for_one_in_chinese_dates():
    text = (
        "统一社会信用代码 :\n91320102541TF33L0U\n名称江苏新源网络科技股份有限公司\n"
        "成立日期 2012 年 0] 月 29 日\n营业期限 ”2012 年 0] 月 29 日至长期\n2016 件 4 月 7 日"
    )
    assert values("business_license", text)["established"] == "2012-01-29"
    misread_label = "名称江苏新源网络科技股份有限公司\n成立日其 2006 年 12 月 18 日"
    assert values("business_license", misread_label)["established"] == "2006-12-18"
    invoice = "发票号码 : 22584853254901965752\n和开票日期 : 2020 年 1] 月 16 日"
    assert values("invoice", invoice)["issue_date"] == "2020-11-16"


def test_invoice_total_with_space_before_cents():
    text = "发票号码 : 35125876573046688885\n开票日期 : 2021 年 05 月 24 日\n(小写 ) #37359 .61"
    assert values("invoice", text)["total"] == "37359.61"


def test_invoice_total_rebuilt_from_item_columns_when_first_digit_lost():
    rows = [(2846.49, 370.04), (13662.16, 1776.08), (15775.76, 2050.85)]
    net, tax = sum(r[0] for r in rows), sum(r[1] for r in rows)
    lines = [f"* 服务 * 服务项 3 948.83 {a:.2f} 13% {b:.2f}" for a, b in rows]
    true_total = f"{net + tax:.2f}"
    text = "\n".join(
        [
            "发票号码 : 22584853254901965752",
            *lines,
            f"合计 {net:.2f} 到 {str(tax)[1:]}",  # the tax total garbled too
            f"价税合计〈大写 ) 参万陆任 (小写 ) 如 {true_total[1:]}",
        ]
    )
    assert values("invoice", text)["total"] == true_total


def test_invoice_total_from_amounts_read_with_a_stray_leading_digit():
    text = (
        "发票号码 : 50469663218429399422\n人和 845302.69 3453.02\n"
        "价税合计《大写 ) 肆万伍作业佰伍拾伍元迷角壹分 (小写 ) 到 5755.71"
    )
    assert values("invoice", text)["total"] == f"{45302.69 + 453.02:.2f}"


def test_receipt_total_from_cash_line_when_total_label_misread():
    text = (
        "永辉超市〈文化路店 )\n单号 : 3512839326\n日期 : 2022-10-01 13:20\n"
        "会计 591.30\n现金 : 391.30"
    )
    assert values("invoice", text)["total"] == "391.30"


def test_passport_mrz_glyph_slips():
    mrz2 = "E870264227CHN7805031F2912109<<<<<<<<<<<<<<<Q"
    got = values("passport", f"P<CHNFENG<<Y IWEl <<<<<<<<<<<<<<<<<<<<<<<<<<<<\n{mrz2}")
    assert got["given_names"] == "YIWEI" and got["surname"] == "FENG"
    got = values("passport", "P ， CHN FE95400402\n£954004028CHN7405040F 3508046<<<<<<<<<<<<<<<6")
    assert got["passport_number"] == "E95400402"


def test_passport_printed_name_wins_over_equally_long_mrz_reading():
    text = (
        "名 /Given names\n涛文 /TAOWEN\nP<CHNHE<<TAQWEN<<<<<<<<<<<<<<<<<<<<\n"
        "EA97258209CHN7109119M3007240<<<<<<<<<<<<<<<<2"
    )
    assert values("passport", text)["given_names"] == "TAOWEN"


def test_passport_misread_labels_with_value_on_next_line():
    text = "姓 /Sumame\n何 /HE\n名 /Given narmes\n晨 /CHEN"
    assert values("passport", text) | {} == {"surname": "HE", "given_names": "CHEN"}


def test_household_register_read_column_by_column_matches_name_by_box():
    # Labels first, values later (how tesseract reads the form); the 姓名 cell was lost.
    result = words_result(
        [
            ("本市(县)其他住址", (60, 400, 200, 30), 0),
            ("常住人口登记卡", (430, 70, 280, 40), 1),
            ("谢嘉", (286, 206, 48, 25), 2),
            ("430104202201285345", (286, 470, 300, 25), 3),
            ("户主或与户主关系", (571, 205, 157, 20), 4),
            ("夫", (756, 207, 23, 24), 4),
        ]
    )
    got = extract_fields("household_register", result)
    assert got["name"]["value"] == "谢嘉" and got["name"]["box"] == [286, 206, 48, 25]
    # With the 姓名 label read, the value right of it in the same row is taken.
    result = words_result(
        [
            ("姓名", (60, 206, 50, 25), 0),
            ("曾用名", (60, 260, 70, 25), 1),
            ("郭平", (286, 208, 48, 25), 2),
        ]
    )
    assert extract_fields("household_register", result)["name"]["value"] == "郭平"


def test_beside_needs_boxes_and_the_same_row():
    doc = Document(words_result([("姓名", (60, 206, 50, 25), 0), ("郭平", (286, 400, 48, 25), 1)]))
    assert doc.beside(["姓名"], r"[\u4e00-\u9fff]{2,4}") is None  # another row
    assert Document("姓名\n郭平").beside(["姓名"], r"[\u4e00-\u9fff]{2,4}") is None  # no boxes


def test_half_read_name_label_is_not_part_of_the_name():
    text = "常住人口登记卡\n二姓高兰怡户主或 5 疡主关系 ”户主\n国。。。痢用名性别男"
    assert values("household_register", text)["name"] == "高兰怡"


def test_invoice_total_with_yuan_sign_read_as_a_digit():
    rows = [(21763.00, 2829.19), (189.14, 24.59), (18664.30, 2426.36)]
    net, tax = sum(r[0] for r in rows), sum(r[1] for r in rows)
    lines = [
        f"* 住宿服务 * 住宿服务天 14 1554.50 {a:.2f} 13% {b:.2f}".replace(".00 ", ". 00 ")
        for a, b in rows
    ]
    text = "\n".join(
        [
            *lines,
            f"合计 {net:.2f} 琶 {str(round(tax, 2))[1:]}",
            f"价税合计 (大写 ) 建万伍什拥佰玫拾陆元伍角抽分 (小写 ) 3{net + tax:.2f}",
        ]
    )
    assert values("invoice", text)["total"] == f"{net + tax:.2f}"


def test_lease_party_whose_last_character_was_dropped_in_one_mention():
    text = (
        "甲方 (出租方 ) : 曾梓轩\n乙方 (承租方 ) : 何浩\n"
        "第四条租赁期间，水、电、燃气、物业等费用由乙方承担。\n"
        "甲方 (签字 ) : 曾梓轩乙方 (签字 ) : 何浩桂"
    )
    got = values("lease_contract", text)
    assert got["lessee"] == "何浩桂" and got["lessor"] == "曾梓轩"
    # Two different people are not merged: the first mention stays.
    other = "乙方 (承租方 ) : 何浩\n乙方 (签字 ) : 王小明"
    assert values("lease_contract", other)["lessee"] == "何浩"


def test_two_column_licence_date_whose_day_character_was_misread():
    text = (
        "统一社会信用代码\n92500103424681BQ9L\n重庆恒通贸易有限公司\n3000 万元人民币\n"
        "2013 年 04 月 17 晶\n2013 年 04 月 17 日至长期\n注册资本\n成立日期"
    )
    assert values("business_license", text)["established"] == "2013-04-17"


def test_name_label_with_specks_between_its_glyphs():
    # held-out ID card photos and scans (issue 17): 姓 - 名 谢建思, 姓名 = 田洋博
    number = make_id_number("42010619561130825")
    for line, name in (("姓 - 名 谢建思", "谢建思"), ("姓名 = 田洋博", "田洋博")):
        text = f"{line}\n性别 男 民族 汉\n公民身份号码\n{number}"
        assert values("id_card_front", text)["name"] == name


def test_unlabelled_name_is_a_surname_line_above_every_figure():
    number = make_id_number("37020219881002330")
    # the name's line lost: the address's first line is no name (山东省 once was)
    lost = f"1988 年 10 月 2 日\n山东省\n公民身份号码\n{number}"
    assert "name" not in values("id_card_front", lost)
    found = f"王小明\n性别 男\n1988 年 10 月 2 日\n公民身份号码\n{number}"
    assert values("id_card_front", found)["name"] == "王小明"
    assert "name" not in values("id_card_front", f"提得\n性别 男\n{number}")  # no surname
