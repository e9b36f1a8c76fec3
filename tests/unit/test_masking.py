"""The masking rules (one per kind of personal data), free-text masking, and the form-schema
check of a field's declared sensitivity."""

from __future__ import annotations

import pytest

from app.domain import masking
from app.services import fieldtypes


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("110101199003071234", "id_number", "110***********1234"),
        ("11010519491231002X", "id_number", "110***********002X"),
        ("E1234567", "id_number", "E12*4567"),
        ("12345", "id_number", "1****"),
        ("13812345678", "phone", "138****5678"),
        ("138-1234-5678", "phone", "138****5678"),
        ("021-6888", "phone", "***6888"),
        ("上海市浦东新区张江路88号", "address", "上海市浦东新区****"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "address", "广西壮族自治区南宁市青秀区****"),
        ("江苏省苏州市昆山市前进路1号", "address", "江苏省苏州市****"),
        ("88 Zhangjiang Rd, Pudong, Shanghai", "address", "****, Pudong, Shanghai"),
        ("somewhere", "address", "****"),
        ("1990-03-07", "birth_date", "1990-**-**"),
        ("1990年3月7日", "birth_date", "1990-**-**"),
        ("张三", "name", "张*"),
        ("张三丰", "name", "张*丰"),
        ("欧阳娜娜", "name", "欧**娜"),
        ("6222020200112233", "account", "************2233"),
        ("", "name", ""),
        (None, "phone", ""),
        ("plain", None, "plain"),
    ],
)
def test_each_kind_has_its_rule(value, kind, shown):
    assert masking.mask(value, kind) == shown


def test_every_kind_has_a_rule_and_ocr_fields_map_to_kinds():
    assert masking.KINDS == set(masking.RULES)
    assert set(masking.OCR_FIELD_KINDS.values()) <= masking.KINDS
    assert set(masking.PROFILE_KINDS.values()) <= masking.KINDS


def test_free_text_is_masked():
    text = "公民身份号码 110101199003071234 电话13812345678 住址 上海市浦东新区张江路88号 张三"
    known = [("上海市浦东新区张江路88号", "address"), ("张三", "name")]
    out = masking.mask_text(text, known)
    for full in ("110101199003071234", "13812345678", "张江路88号", "张三"):
        assert full not in out
    assert "110***********1234" in out and "138****5678" in out and "张*" in out
    assert masking.mask_text("order 12345678901234567890 stays", []) == (
        "order 12345678901234567890 stays"
    )  # a longer number is no ID number
    assert masking.mask_text(None) == ""


def test_a_form_naming_an_unknown_sensitivity_is_refused():
    fields = [
        {"name": "a", "type": "text", "sensitive": "id_number"},
        {"name": "b", "type": "text", "sensitive": "shoe_size"},
    ]
    problems = fieldtypes.schema_problems(fields)
    assert len(problems) == 1 and "shoe_size" in problems[0]
    assert fieldtypes.sensitivity(fields[0]) == "id_number"
    assert fieldtypes.sensitivity({"name": "c"}) is None


def test_a_second_ocr_reading_of_a_field_is_masked_like_the_field():
    # issue 17: a finding shows both readings of a name ("first / second"); both are personal
    from types import SimpleNamespace

    from app.services.privacy import known_values

    record = {"value": "熊秀曹", "second_reading": {"text": "熊秀萱", "engine": "rapidocr"}}
    application = SimpleNamespace(
        form_data={},
        citizen=SimpleNamespace(),
        attachments=[SimpleNamespace(review={"fields": {"name": record}})],
    )
    shown = masking.mask_text("熊秀曹 / 熊秀萱", known_values(application, form={}))
    assert "熊秀曹" not in shown and "熊秀萱" not in shown
    # the second reading reported as the value, Tesseract's kept as first_reading
    record.update(value="熊秀萱", first_reading="熊秀曹")
    shown = masking.mask_text("熊秀曹 / 熊秀萱", known_values(application, form={}))
    assert "熊秀曹" not in shown and "熊秀萱" not in shown
