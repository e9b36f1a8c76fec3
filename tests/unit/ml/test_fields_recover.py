"""Second looks at the page image (ml.ocr.reread, ml.fields.recover): a garbled ID
number is re-read from its crop and accepted only when it validates, a number printed
with a wrong check digit is never "repaired", and an employer line under a red seal
is recovered from a stamp-free reading. Real tesseract on rendered images."""

import datetime as dt
import math

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ml.fields import extract_fields
from ml.fields.recover import needs_recovery, recover_fields
from ml.ocr import reread, run_ocr
from ml.ocr.types import OcrPage, OcrResult, Word, page_text
from ml.review import review_document
from ml.validators import validate
from tests.fixtures.ml.documents import FONT_PATH, make_id_number, render_id_card

GOOD_ID = make_id_number("44010619730205438")
BAD_ID = GOOD_ID[:17] + ("1" if GOOD_ID[17] != "1" else "2")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path / "cache"))


def _garble_id(result: OcrResult, garbage: str) -> OcrResult:
    """The OCR result with the word(s) of the ID number replaced by *garbage*
    (the shape chi_sim returned for a photographed household register)."""
    pages = []
    for page in result.pages:
        words = []
        for word in page.words:
            digits = sum(c.isdigit() for c in word.text)
            words.append(Word(garbage, 30.0, word.box, word.line) if digits >= 12 else word)
        pages.append(OcrPage(page.width, page.height, words, page.rotation))
    return OcrResult(
        text="\n".join(page_text(p) for p in pages),
        pages=pages,
        seconds=result.seconds,
        engine=result.engine,
        lang=result.lang,
    )


def test_without_stamps_whitens_red_ink_and_keeps_black_print():
    image = Image.new("RGB", (200, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 60, 60), fill=(20, 20, 20))
    draw.ellipse((100, 10, 180, 90), fill=(215, 40, 45))
    plain = np.asarray(reread.without_stamps(image))
    assert plain[30, 30] < 60 and plain[50, 140] > 200
    grey = Image.new("RGB", (200, 100), (235, 235, 235))
    ImageDraw.Draw(grey).rectangle((10, 10, 60, 60), fill=(25, 25, 25))
    ImageDraw.Draw(grey).ellipse((100, 10, 180, 90), fill=(140, 140, 140))  # grey-scanned seal
    flat = np.asarray(reread.without_stamps(grey, flatten=True))
    assert flat[30, 30] < 60 and flat[50, 140] == 255


def test_garbled_id_number_is_reread_from_its_crop():
    image = render_id_card(id_number=GOOD_ID, scale=1.5)
    garbled = _garble_id(run_ocr(image), "4aolosleaeoqol4sa7")
    fields = extract_fields("id_card_front", garbled)
    assert fields.get("id_number", {}).get("value") != GOOD_ID
    assert needs_recovery("id_card_front", fields)
    fixed = recover_fields("id_card_front", fields, garbled, [image])
    assert fixed["id_number"]["value"] == GOOD_ID
    assert fixed["id_number"]["box"] is not None


def test_wrong_check_digit_is_never_repaired():
    image = render_id_card(id_number=BAD_ID, scale=1.5)
    result = run_ocr(image)
    fields = extract_fields("id_card_front", result)
    fixed = recover_fields("id_card_front", fields, result, [image])
    assert not validate("resident_id", fixed.get("id_number", {}).get("value", "")).ok
    garbled = _garble_id(result, "4aolosleaeoqol4sa7")
    fixed = recover_fields(
        "id_card_front", extract_fields("id_card_front", garbled), garbled, [image]
    )
    assert not validate("resident_id", fixed.get("id_number", {}).get("value", "")).ok


def test_review_rereads_with_the_uploaded_file(tmp_path):
    born = dt.date(int(GOOD_ID[6:10]), int(GOOD_ID[10:12]), int(GOOD_ID[12:14]))
    image = render_id_card(
        id_number=GOOD_ID,
        scale=1.5,
        sex="男" if int(GOOD_ID[16]) % 2 else "女",
        birth=f"{born.year}年{born.month}月{born.day}日",
    )
    path = tmp_path / "card.png"
    image.save(path)
    garbled = _garble_id(run_ocr(image), "4aolosleaeoqol4sa7")
    result = review_document(
        str(path),
        expected_type="id_card_front",
        ocr_result=garbled,
        classifier=None,
        today=dt.date(2026, 1, 15),
        applicant={"id_number": GOOD_ID},
    )
    assert result["fields"]["id_number"]["value"] == GOOD_ID
    assert not [r for r in result["reasons"] if r["code"] in ("checksum_invalid", "id_mismatch")]


def _stamp(image: Image.Image, centre: tuple[int, int], radius: int, text: str) -> Image.Image:
    """*image* with a red seal pressed on it (multiplied like ink: print under it stays
    dark, as on paper)."""
    layer = Image.new("RGB", image.size, "white")
    draw = ImageDraw.Draw(layer)
    red = (214, 48, 49)
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=red, width=6)
    font = ImageFont.truetype(FONT_PATH, 30)
    for i, char in enumerate(text):  # the seal's own characters along the ring
        angle = math.radians(200 + i * 140 / max(1, len(text) - 1))
        cx, cy = x + 0.72 * radius * math.cos(angle), y + 0.72 * radius * math.sin(angle)
        draw.text((cx - 15, cy - 15), char, fill=red, font=font)
    draw.regular_polygon((x, y, radius // 3), 5, fill=red)
    return ImageChops.multiply(image, layer)


def test_employer_under_a_red_seal_is_recovered_from_a_stamp_free_reading():
    employer = "北京瑞丰贸易有限公司"
    image = Image.new("RGB", (1000, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, 32)
    lines = [
        "工作证明",
        "王小明，男，身份证号码110105199003071234，自2019年09月",
        "至今在本公司任职，岗位为客服专员。",
        "本证明仅用于办理相关手续，特此证明。",
    ]
    for i, text in enumerate(lines):
        draw.text((60, 60 + i * 70), text, fill="black", font=font)
    draw.text((520, 640), employer, fill="black", font=font)
    draw.text((520, 700), "2025年8月20日", fill="black", font=font)
    image = _stamp(image, (700, 680), 120, employer)
    result = run_ocr(image)
    first = extract_fields("employment_certificate", result)
    first.pop("employer", None)  # as when the first pass lost the line under the seal
    fixed = recover_fields("employment_certificate", first, result, [image])
    assert fixed["employer"]["value"] == employer
    assert fixed["name"]["value"] == "王小明"


def test_no_image_means_no_change():
    result = OcrResult(
        text="公民身份号码 4aolosleaeoqol4sa7",
        pages=[],
        seconds=0.0,
        engine="tesseract",
        lang="chi_sim",
    )
    fields = extract_fields("id_card_front", result)
    assert recover_fields("id_card_front", fields, result, [None]) == fields


def test_a_missing_id_number_is_looked_for_right_of_and_under_its_label():
    from ml.fields.base import Document
    from ml.fields.recover import _boxes, _clipped
    from ml.ocr.types import OcrPage, OcrResult, Word

    words = [
        Word("公民身份证件编号", 90.0, (100, 500, 320, 40), 0),
        Word("身高", 90.0, (900, 500, 80, 40), 0),
    ]
    doc = Document(OcrResult("", [OcrPage(1200, 900, words)], 0.0, "tesseract", "chi_sim"))
    boxes = _boxes(doc, None, "id_number")
    assert boxes[:2] == [(0, (420, 500, 480, 40)), (0, (100, 553, 480, 52))]
    assert _boxes(doc, {"value": "1", "box": [1, 2, 3, 4], "page": 0}, "id_number")[0] == (
        0,
        (1, 2, 3, 4),
    )  # a value read: its own box first, not the label's
    assert _clipped((1000, 880, 480, 40), (1200, 900)) == (1000, 880, 200, 20)
    assert _clipped((1300, 0, 10, 10), (1200, 900)) is None


def test_household_label_is_no_name():
    from ml.fields import extract_fields

    text = "常住人口登记卡\n户主或与户主关系 户主\n关系\n公民身份证件编号"
    assert "name" not in extract_fields("household_register", text)
