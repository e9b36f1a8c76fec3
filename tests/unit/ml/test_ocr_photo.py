"""Tests of OCR preprocessing on phone-photo captures and red seals: a photo's desk
background must not inflate the line height (the page used to be shrunk to nothing),
deskewing must not paint white wedges, and red seals must not hide the text under them."""

import random

import numpy as np
import pytesseract
import pytest
from PIL import Image

from ml.ocr import run_ocr
from ml.ocr.preprocess import border_shade, find_seals, gray_without_seals, preprocess
from ml.synthetic import render
from ml.synthetic.canvas import Page
from ml.synthetic.capture import photo
from ml.synthetic.fonts import FONTS_TRAIN


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", "off")


@pytest.fixture(scope="module")
def invoice_photos():
    clean, fields = render("invoice", random.Random("photo-test:invoice"), capture="clean")
    return clean, fields, [photo(clean, random.Random(seed)) for seed in (0, 2, 5)]


def compact(text: str) -> str:
    return "".join(text.split())


def test_photo_line_height_matches_the_clean_page(invoice_photos):
    clean, _, photos = invoice_photos
    truth = preprocess(clean).line_height
    for image in photos:  # these captures used to measure 130+ px lines and shrink to 0.2
        prepared = preprocess(image)
        assert prepared.scale == 1.0
        assert truth / 1.4 <= prepared.line_height <= truth * 1.4


def test_photo_capture_reads_as_well_as_plain_tesseract(invoice_photos):
    _, fields, photos = invoice_photos
    image = photos[0]
    plain = compact(pytesseract.image_to_string(image, lang="chi_sim"))
    text = compact(run_ocr(image, cache=False).text)
    assert len(plain) > 100  # the capture is legible
    assert len(text) >= 0.8 * len(plain)
    assert fields["invoice_number"] in text


def test_deskew_fills_corners_with_the_border_shade():
    rng = random.Random(3)
    page = Page(900, 600, rng, FONTS_TRAIN[:1])
    for row in range(6):
        page.text(60, 60 + row * 80, "统一社会信用代码营业执照有限公司", 36)
    canvas = Image.new("L", (1100, 800), 70)  # dark desk around a white page
    canvas.paste(page.image.convert("L"), (100, 100))
    tilted = canvas.rotate(3, resample=Image.BICUBIC, expand=False, fillcolor=70)
    prepared = preprocess(tilted)
    assert prepared.skew != 0.0
    corner = np.asarray(prepared.image)[:5, :5]
    assert abs(int(corner.mean()) - border_shade(tilted)) < 15  # not a white wedge


def _sealed_letter(seed: int) -> Image.Image:
    page = Page(900, 420, random.Random(seed), FONTS_TRAIN[:1])
    page.text(60, 60, "兹证明张伟同志在本单位工作", 34)
    page.text(60, 150, "北京华信科技有限公司", 34)
    page.text(60, 230, "2024年3月15日", 34)
    page.stamp(260, 230, 110, "北京华信科技有限公司")  # seal over the name and the date
    return page.image


@pytest.mark.parametrize("capture", ["clean", "photo"])
def test_text_under_a_red_seal_is_read(capture):
    image = _sealed_letter(1)
    if capture == "photo":
        image = photo(image, random.Random(1))
    assert len(find_seals(image)) == 1
    unsealed = compact(
        pytesseract.image_to_string(preprocess(image, remove_seals=False).image, lang="chi_sim")
    )
    assert "2024年3月15日" not in unsealed  # the seal hides the date from plain greyscale
    text = compact(run_ocr(image, cache=False).text)
    assert "2024年3月15日" in text
    assert "北京华信科技有限公司" in text


def test_seal_ink_becomes_paper_but_text_under_it_stays_dark():
    image = _sealed_letter(2)
    gray = np.asarray(gray_without_seals(image))
    plain = np.asarray(image.convert("L"))
    rgb = np.asarray(image).astype(int)
    ring = (rgb[..., 0] - rgb[..., 1] > 100) & (rgb[..., 0] > 200)  # seal ink over paper
    assert ring.sum() > 500
    assert plain[ring].mean() < 160 and gray[ring].mean() > 230  # as dark as grey text before
    # Text that is not under the seal is untouched.
    assert (gray[50:110, 60:500] == plain[50:110, 60:500]).all()


def test_red_title_is_not_taken_for_a_seal():
    page = Page(1000, 500, random.Random(4), FONTS_TRAIN[:1])
    page.title(40, "营业执照", 90, spaced=True, fill=(200, 30, 30))
    page.text(80, 250, "名称 北京华信科技有限公司", 34)
    assert find_seals(page.image) == []
    kept = np.asarray(gray_without_seals(page.image))
    assert (kept == np.asarray(page.image.convert("L"))).all()  # the title is still there
    assert find_seals(page.image.convert("L")) == []


def test_thick_dark_band_is_not_a_table_rule():
    from ml.ocr.preprocess import _rule_pixels

    mask = np.zeros((400, 600), bool)
    mask[10:50, :] = True  # a band of desk above a photographed page: 40 px thick
    mask[200:203, 50:550] = True  # a real ruling: 3 px thick
    rules = _rule_pixels(mask, 0.08, 60)
    assert rules is not None
    assert rules[200:203, 50:550].all()
    assert not rules[10:50].any()


@pytest.mark.parametrize("doc_type", ["id_card_front", "id_card_back"])
def test_id_card_photos_with_a_narrow_desk_margin_are_read(doc_type):
    from ml.synthetic.dataset import Spec, render_spec

    # Held-out captures that read as nothing while the desk margin was whitened as a rule.
    image, _, capture = render_spec(Spec(doc_type, 14, 20260101, "heldout", "mixed"))
    assert capture == "photo"
    plain = compact(pytesseract.image_to_string(image.convert("L"), lang="chi_sim"))
    text = compact(run_ocr(image, cache=False).text)
    assert len(plain) > 30
    assert len(text) >= 0.8 * len(plain)
