"""Invoice and receipt fields found without Chinese labels (ml.fields.receipts, issue 17):
dates of every format, English total labels, amounts in words, unlabelled code/number."""

import pytest

from ml.fields import Document
from ml.fields.business import extract_invoice
from ml.fields.receipts import find_date, find_total
from ml.normalize import normalize_date

RECEIPT = """UNIHAKKA INTERNATIONAL SDN BHD
12, Jalan Tampoi 7/4, Kawasan Perindustrian
TAX INVOICE
Invoice#: OR18053002160412
Date: 30/05/2018 18:24
Item Qty Total
Veggies $1.60 1 $1.60
Meat+3Vege $7.10 1 $7.10
Total Qty: 2
Sub Total: $8.21
Total GST @6%: $0.49
Rounding Adj: -0.01
Rounded Total: $8.70
CASH $10.00
Change $1.30
Thank You & Come Again"""


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("28/02/2016", "2016-02-28"),
        ("22-04-16", "2016-04-22"),
        ("19/05/16", "2016-05-19"),
        ("2016/05/01", "2016-05-01"),
        ("2026年1月2日", "2026-01-02"),
        ("02 Jan 2026", "2026-01-02"),
        ("01-NOV-2017", "2017-11-01"),
        ("OCT 3, 2016", "2016-10-03"),
        ("2026-01-02", "2026-01-02"),
    ],
)
def test_dates_of_every_format(printed, iso):
    assert normalize_date(printed) == iso
    found = find_date(Document(f"SHOP NAME\nTel 03-1234 5678\nDate {printed} 10:21\nTOTAL 5.00"))
    assert found and found["value"] == iso and found["text"].startswith(printed[:2])


def test_labelled_date_wins_over_an_earlier_one():
    doc = Document("Promo valid until 31/12/2030\nPrinted 01/01/2018\nDate: 05/03/2018\n")
    assert find_date(doc)["value"] == "2018-03-05"


def test_a_date_printed_with_a_time_wins_over_an_earlier_one():
    doc = Document("Member since 15/02/2015\nInvoice 0070177\n27/05/2018 13:48 1010 007\n")
    assert find_date(doc)["value"] == "2018-05-27"


def test_english_receipt_fields():
    fields = extract_invoice(Document(RECEIPT))
    assert fields["issue_date"]["value"] == "2018-05-30"
    assert fields["total"]["value"] == "8.70"  # rounded total, not the sub total or the cash
    assert "8.70" in fields["total"]["text"]


@pytest.mark.parametrize(
    ("lines", "total"),
    [
        ("SUBTOTAL 10.00\nTOTAL 10.60\nCASH 20.00\nCHANGE 9.40", "10.60"),
        ("Total Sales (Excluding GST) 9.43\nTotal GST 0.57\nTOTAL AMOUNT DUE 10.00", "10.00"),
        ("GRAND TOTAL\nRM 33.90\nCASH 50.00", "33.90"),
        ("Total Qty 3\nTotal (RM): 1,234.50", "1234.50"),
        ("Amount due: 7.20", "7.20"),
        ("TOTAL INCL. GST RM 12,50\nCASH RM 15.00", "12.50"),
        ("Item 2 X 5.50 11.00\nCASH 20.00\nCHANGE 5.60", "14.40"),  # no total label read
    ],
)
def test_english_total_labels(lines, total):
    assert find_total(Document(lines))["value"] == total


def test_amount_in_words_corrects_a_misread_figure():
    text = (
        "北京增值税普通发票\n发票代码 011001900111 发票号码 12345678\n开票日期 2021年03月05日\n"
        "金额 1000.00 税额 130.00\n价税合计(大写) 壹仟壹佰叁拾元整 (小写) ¥1180.00\n1130.00"
    )
    fields = extract_invoice(Document(text))
    assert fields["total"]["value"] == "1130.00"  # the words, confirmed by a figure on the page
    alone = extract_invoice(Document("收据\n合计人民币(大写) 叁仟伍佰元整\n日期 2021-03-05"))
    assert alone["total"]["value"] == "3500.00"


def test_unlabelled_invoice_code_and_number():
    text = (
        "上海增值税专用发票\n031001800204 No 0518 3461\n开桑日期: 2019年06月12日\n"
        "购买方 名称 某某公司\n价税合计 (小写) ¥226.00"
    )
    fields = extract_invoice(Document(text.replace("No 0518 3461", "05183461")))
    assert fields["invoice_code"]["value"] == "031001800204"
    assert fields["invoice_number"]["value"] == "05183461"
    assert fields["issue_date"]["value"] == "2019-06-12"  # label garbled: 开桑日期
