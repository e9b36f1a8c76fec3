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


# --- Receipt rules added for issue 17 (synthetic text written for these tests) ---


@pytest.mark.parametrize(
    "lines",
    [
        "TOTAL 18.00\nCASH RM 18.00\nSST 6% included in total RM 1.02",
        "Dine-in Total 18.00\nTOTAL INCLUDES 6% SST 1.02",
    ],
)
def test_the_tax_share_of_a_total_is_not_the_total(lines):
    assert find_total(Document(lines))["value"] == "18.00"


@pytest.mark.parametrize(
    ("line", "total"),
    [
        ("AMOUNT DUE <RM_27,.45", "27.45"),  # point read twice
        ('TOTAL RM 12. "40', "12.40"),  # a quote mark read inside the figure
        ("TOTAL RM 12.  40", "12.40"),  # ... and folded away, leaving two spaces
        ("TOTAL NET 2,40kg RM 21.30", "21.30"),  # "2,40kg" is a weight, not 2.40
    ],
)
def test_a_total_figure_with_an_ocr_slip_in_its_decimal_point(line, total):
    assert find_total(Document(line))["value"] == total


def test_a_rounding_adjustment_before_the_payment_gives_the_sum_payable():
    text = "Total Sales (Incl GST) RM 45.67\nRounding Adj RM -.02\nCASH 50.00\nCHANGE 4.35"
    assert find_total(Document(text))["value"] == "45.65"


def test_a_rounding_adjustment_after_the_payment_only_rounds_the_change():
    text = "TOTAL (GST INCL) 27.43\nCASH 30.00\nROUNDING ADJ 0.02\nCHANGE DUE 2.55"
    assert find_total(Document(text))["value"] == "27.43"


@pytest.mark.parametrize(
    "summary",
    [
        "SR 34.34 2.06",  # net and tax that add up to what was paid
        "GST @6% included 2.06",  # 6% of 36.40 incl. tax is 2.06
        "1 x Gift box 36.40",  # the same figure on another line
    ],
)
def test_what_was_paid_beats_a_total_misread_by_one_digit_when_the_page_agrees(summary):
    text = f"Sub-total 36.40\nTOTAL 86.40\nCASH 50.00\nCHANGE 13.60\n{summary}"
    assert find_total(Document(text))["value"] == "36.40"


def test_a_read_total_stays_when_nothing_confirms_the_payment():
    text = "TOTAL 36.40\nCASH 50.00\nCHANGE 13.80\nThank you"
    assert find_total(Document(text))["value"] == "36.40"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Date : 14/O3/2019 9:15AM", "2019-03-14"),  # letter O read for a zero
        ("Bill Date: 2S/11/18", "2018-11-25"),  # S for 5
        ("Date :21704719", "2019-04-21"),  # both slashes read as 7
        ("Date: 83/09/2019 09:41", "2019-09-03"),  # impossible day: 8 for 0
        ("REG 2 63-11-18 10:31", "2018-11-03"),  # impossible day: 6 for 0
        ("Till 4 42.03.2020", "2020-03-12"),  # impossible day: 4 for 1
    ],
)
def test_dates_with_ocr_slips_are_repaired(text, iso):
    found = find_date(Document(f"SHOP\nTel 03-1234 5678\n{text}\nTOTAL 5.00"))
    assert found and found["value"] == iso


def test_a_cleanly_read_date_beats_a_repaired_one():
    doc = Document("Date: 48/09/2019\nItem 1.00\n09/09/2019 10:00 POS 3")
    assert find_date(doc)["value"] == "2019-09-09"


def test_a_slash_read_as_a_digit_is_repaired_only_after_a_date_label():
    assert find_date(Document("Member 21704719\nTOTAL 5.00")) is None


def test_a_date_printed_month_first_is_read_when_day_first_is_impossible():
    assert normalize_date("12/25/2018") == "2018-12-25"
    assert normalize_date("05/03/2018") == "2018-03-05"  # still day first when both fit
    assert find_date(Document("STORE 118\nDate 12/25/2018\nTOTAL 5.00"))["value"] == "2018-12-25"


def test_a_date_glued_to_its_time_is_read():
    doc = Document("Member since 01/02/2015\nPOS 3 25/12/201810:21 Cashier 4\nTOTAL 5.00")
    assert find_date(doc)["value"] == "2018-12-25"  # the one printed with a time
