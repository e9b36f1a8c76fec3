"""Tests of the synthetic document generator (ml.synthetic)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from ml.doctypes import DOC_TYPES, FIELDS
from ml.synthetic import FONTS_HELDOUT, FONTS_TRAIN, layout_variants, render, synthetic_types
from ml.synthetic import values as V
from ml.synthetic.augment import augment_text
from ml.synthetic.cli import main as synth_main

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_is_valid(number: str) -> bool:
    """Independent GB 11643 check (as written in the shared OCR notes)."""
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS))
    return len(number) == 18 and number[:17].isdigit() and "10X98765432"[total % 11] == number[17]


def credit_is_valid(code: str) -> bool:
    """Independent GB 32100 check."""
    if len(code) != 18 or any(c not in CREDIT_ALPHABET for c in code):
        return False
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def test_check_digit_helpers_match_published_examples():
    assert V.id_check_char("11010519491231002") == "X"
    assert credit_is_valid("91350100M000100Y43")
    assert V.credit_check_char("91350100M000100Y4") == "3"
    # ICAO 9303 specimen: document number L898902C3 -> 6, birth 740812 -> 2, expiry 120415 -> 9
    assert (V.mrz_check("L898902C3"), V.mrz_check("740812"), V.mrz_check("120415")) == (
        "6",
        "2",
        "9",
    )


def test_amount_in_words():
    assert V.amount_in_words("3500.00") == "叁仟伍佰元整"
    assert V.amount_in_words("1005.50") == "壹仟零伍元伍角"
    assert V.amount_in_words("120000.08") == "壹拾贰万元零捌分"
    assert V.amount_in_words("10005.00") == "壹万零伍元整"


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_every_class_renders_with_valid_fields(doc_type):
    rng = random.Random(f"test:{doc_type}")
    for layouts in ("train", "heldout"):
        image, fields = render(doc_type, rng, layouts=layouts)
        assert image.mode == "RGB" and min(image.size) >= 300
        assert set(fields) <= set(FIELDS[doc_type])
        optional = {"invoice_code", "invoice_number"} if doc_type == "invoice" else set()
        assert set(FIELDS[doc_type]) - set(fields) <= optional
        if "id_number" in fields:
            assert id_is_valid(fields["id_number"]), fields
        if "credit_code" in fields:
            assert credit_is_valid(fields["credit_code"]), fields
        for key in ("birth_date", "established", "issue_date", "valid_from", "valid_until"):
            if key in fields:
                dt.date.fromisoformat(fields[key])
        for key in ("monthly_rent", "total"):
            if key in fields:
                whole, cents = fields[key].split(".")
                assert whole.isdigit() and len(cents) == 2


def test_id_card_front_number_agrees_with_birth_date_and_sex():
    rng = random.Random(7)
    for _ in range(5):
        _, fields = render("id_card_front", rng)
        number = fields["id_number"]
        assert number[6:14] == fields["birth_date"].replace("-", "")
        assert (int(number[16]) % 2 == 1) == (fields["sex"] == "男")


@pytest.mark.parametrize("capture", ["scan", "photo"])
def test_captures_change_the_image(capture):
    clean, _ = render("business_license", random.Random(3), capture="clean")
    degraded, _ = render("business_license", random.Random(3), capture=capture)
    assert degraded.size != clean.size or degraded.tobytes() != clean.tobytes()


def test_rendering_is_deterministic_for_a_seed():
    first, f1 = render("invoice", random.Random(11), capture="scan")
    second, f2 = render("invoice", random.Random(11), capture="scan")
    assert f1 == f2 and first.tobytes() == second.tobytes()


def test_heldout_fonts_and_layouts_are_disjoint_from_training():
    assert FONTS_TRAIN and FONTS_HELDOUT
    assert not set(FONTS_TRAIN) & set(FONTS_HELDOUT)
    for doc_type in synthetic_types():
        train, held = layout_variants(doc_type, "train"), layout_variants(doc_type, "heldout")
        assert train and held and not set(train) & set(held)


def test_render_rejects_unknown_type_and_capture():
    with pytest.raises(ValueError):
        render("driving_licence", random.Random(0))
    with pytest.raises(ValueError):
        render("invoice", random.Random(0), capture="xray")


def test_augment_text_damages_but_keeps_content():
    text = (
        "房屋租赁合同\n出租方（甲方）：王伟\n承租方（乙方）：李娜\n月租金人民币3500.00元\n"
        "第四条\n第五条"
    )
    variants = {augment_text(text, random.Random(i)) for i in range(10)}
    assert len(variants) > 5
    assert all(len(v) <= len(text) + 2 for v in variants)


def test_synth_cli_writes_images_and_manifest(tmp_path):
    code = synth_main(
        [str(tmp_path), "--per-class", "1", "--types", "id_card_front,invoice", "--seed", "4"]
    )
    assert code == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [m["doc_type"] for m in manifest] == ["id_card_front", "invoice"]
    for entry in manifest:
        assert (tmp_path / entry["file"]).stat().st_size > 1000
    assert id_is_valid(manifest[0]["fields"]["id_number"])


def test_synth_cli_rejects_unknown_types(tmp_path):
    assert synth_main([str(tmp_path), "--types", "nope"]) == 2
