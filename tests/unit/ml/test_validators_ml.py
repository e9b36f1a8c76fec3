"""Tests of ml.validators (check digits, dates, expiry, amounts, passports) and
ml.normalize (width, look-alikes, dates, amounts)."""

import datetime as dt

import pytest

from ml import normalize as N
from ml.validators import (
    VALIDATORS,
    mrz_check_digit,
    register,
    resident_id_check_char,
    uscc_check_char,
    validate,
)

# Published examples: GB 11643 sample ID and a real-format credit code.
VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


def test_resident_id_check_char_known_example():
    assert resident_id_check_char(VALID_ID[:17]) == "X"


def test_resident_id_valid_and_every_wrong_check_char_fails():
    assert validate("resident_id", VALID_ID).ok
    for wrong in "0123456789":
        result = validate("resident_id", VALID_ID[:17] + wrong)
        assert not result.ok and "expected X" in result.detail


def test_resident_id_single_digit_slip_is_caught():
    slipped = VALID_ID[:5] + "6" + VALID_ID[6:]  # an OCR 5->6 slip in the region code
    assert not validate("resident_id", slipped).ok


def test_resident_id_rejects_impossible_and_future_birth_dates():
    feb30 = "11010519900230" + "123"
    assert "does not exist" in validate("resident_id", feb30 + resident_id_check_char(feb30)).detail
    future = "11010520990101" + "123"
    result = validate(
        "resident_id", future + resident_id_check_char(future), today=dt.date(2026, 1, 1)
    )
    assert not result.ok and "plausible" in result.detail


@pytest.mark.parametrize("value", ["", "123", "11010519491231002", "A1010519491231002X", None])
def test_resident_id_bad_shapes(value):
    assert not validate("resident_id", value).ok


def test_credit_code_valid_and_invalid():
    assert uscc_check_char(VALID_USCC[:17]) == "3"
    assert validate("credit_code", VALID_USCC).ok
    assert not validate("credit_code", VALID_USCC[:17] + "4").ok
    assert not validate("credit_code", "91350100M000100I43").ok  # I is not in the alphabet


def test_date_plausibility_with_injected_today():
    today = dt.date(2025, 6, 1)
    assert validate("date", "2025-05-31", today=today).ok
    assert not validate("date", "2025-06-02", today=today).ok
    assert not validate("date", "1850-01-01", today=today).ok
    assert not validate("date", "2021-02-30", today=today).ok  # does not exist -> failed check


def test_expiry_uses_injected_today_and_accepts_long_term():
    assert validate("not_expired", "2030-01-01", today=dt.date(2029, 12, 31)).ok
    result = validate("not_expired", "2030-01-01", today=dt.date(2030, 1, 2))
    assert not result.ok and "expired on 2030-01-01" in result.detail
    assert validate("not_expired", "长期", today=dt.date(2099, 1, 1)).ok


def test_amount_plausibility():
    assert validate("amount", "3500.00").ok
    assert not validate("amount", "0.00").ok
    assert not validate("amount", "3500").ok
    assert not validate("amount", "999999999.00").ok


def test_passport_number_and_mrz_check_digit():
    # ICAO 9303 specimen: document number L898902C3, check digit 6.
    assert mrz_check_digit("L898902C3") == "6"
    assert validate("passport_number", "E12345678", country="CHN").ok
    assert validate("passport_number", "L898902C3", check_digit="6").ok
    assert not validate("passport_number", "L898902C3", check_digit="5").ok
    assert not validate("passport_number", "X1234", country="CHN").ok
    assert not validate("passport_number", "ABCDEFGHI").ok


def test_registry_rejects_duplicates_and_unknown_names():
    with pytest.raises(ValueError):
        register("resident_id", label="ID check digit")(lambda value, **_: None)
    with pytest.raises(KeyError):
        validate("no_such_validator", "x")
    assert {
        "resident_id",
        "credit_code",
        "date",
        "not_expired",
        "amount",
        "passport_number",
    } <= set(VALIDATORS)


@pytest.mark.parametrize(
    "printed",
    [
        "2021年3月5日",
        "2021.03.05",
        "05/03/2021",
        "05 MAR 2021",
        "2021-3-5",
        "二〇二一年三月五日",
        "20210305",
        "5 March 2021",
        "2O21.O3.O5",
    ],
)
def test_normalize_date_styles(printed):
    assert N.normalize_date(printed) == "2021-03-05"


def test_normalize_date_rejects_nonsense_and_month_first_option():
    assert N.normalize_date("2021年2月30日") is None
    assert N.normalize_date("no date here") is None
    assert N.normalize_date("03/05/2021", day_first=False) == "2021-03-05"


@pytest.mark.parametrize(
    "printed,expected",
    [
        ("¥3,500.00", "3500.00"),
        ("3500元", "3500.00"),
        ("RMB 12,345.6", "12345.60"),
        ("叁仟伍佰元整", "3500.00"),
        ("壹万贰仟元伍角", "12000.50"),
        ("n/a", None),
    ],
)
def test_normalize_amount(printed, expected):
    assert N.normalize_amount(printed) == expected


def test_id_number_lookalikes_and_check_char_x():
    assert N.normalize_id_number("11O1O5l949l23lOO2x") == VALID_ID
    assert N.normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID_ID
    assert N.normalize_id_number("11010519491231002") is None


def test_credit_code_lookalikes():
    assert N.normalize_credit_code("9135O1OOMOOO1OOY43") == VALID_USCC
    assert N.normalize_credit_code("short") is None


def test_width_spaces_and_names():
    assert N.fold_width("ＡＢＣ１２３：") == "ABC123:"
    assert N.squash_spaces("王 小  明 ABC") == "王小明 ABC"
    assert N.normalize_name("北京某某（集团）有限公司") == N.normalize_name(
        "北京某某(集团)有限公司"
    )
    assert N.normalize_name("Zhang  San") == N.normalize_name("ZHANGSAN")
    assert N.fix_digits("2O2I-OS-Z8") == "2021-05-28"


def test_credit_code_region_part_must_be_digits():
    first17 = "91A50100M000100Y4"
    assert not validate("credit_code", first17 + uscc_check_char(first17)).ok
