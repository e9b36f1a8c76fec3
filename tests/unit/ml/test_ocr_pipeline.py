"""Tests of ml.ocr: real tesseract on rendered documents, rotation, PDFs, input guards,
cache and the process pool."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from ml.ocr import OcrResult, UnreadableDocument, get_engine, ocr_many, run_ocr
from ml.ocr import cache as ocr_cache
from ml.ocr.preprocess import estimate_line_height, estimate_skew, ink_mask, preprocess
from tests.fixtures.ml.documents import (
    bomb_png,
    cat_photo,
    encrypted_pdf,
    make_id_number,
    png_bytes,
    render_id_card,
    text_layer_pdf,
)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own empty OCR cache directory."""
    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def id_card():
    number = make_id_number("44030519851122331")
    return render_id_card(name="李娜", id_number=number), number


def test_omp_thread_limit_is_forced():
    get_engine("tesseract")
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_rendered_id_card_gives_id_number_and_word_boxes(id_card):
    image, number = id_card
    result = run_ocr(image)
    assert isinstance(result, OcrResult)
    assert number in result.text.replace(" ", "")
    assert "李娜" in result.text.replace(" ", "")
    assert result.engine == "tesseract" and result.lang == "chi_sim"
    page = result.pages[0]
    assert (page.width, page.height) == image.size
    word = next(w for w in page.words if number in w.text)
    x, y, w, h = word.box
    assert 300 < y < 520 and x > 100 and w > 150  # the number sits on the last row
    assert result.seconds > 0


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [90, 180])
def test_rotated_input_is_turned_upright(id_card, degrees):
    image, number = id_card
    result = run_ocr(image.rotate(degrees, expand=True))
    assert number in result.text.replace(" ", "")
    assert result.pages[0].rotation in (90, 180, 270)
    assert result.pages[0].width == 856  # reported in the upright frame


def test_exif_orientation_is_applied(id_card, tmp_path):
    image, number = id_card
    turned = image.rotate(90, expand=True)  # stored sideways, EXIF says "rotate 90 CW"
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "photo.jpg"
    turned.save(path, quality=95, exif=exif)
    result = run_ocr(path)
    assert result.pages[0].rotation == 0  # EXIF fixed it, no probing needed
    assert number in result.text.replace(" ", "")


def test_skew_is_estimated_and_corrected(id_card):
    image, _ = id_card
    skewed = image.convert("L").rotate(3, expand=True, fillcolor=255)
    angle = estimate_skew(ink_mask(np.asarray(skewed)))
    assert -3.6 < angle < -2.4
    assert estimate_skew(ink_mask(np.asarray(image.convert("L")))) == 0.0


def test_small_text_is_rescaled_to_line_height(id_card):
    image, _ = id_card
    small = image.resize((285, 180))  # ~9 px lines: too small for tesseract
    prepared = preprocess(small)
    assert prepared.scale > 2
    height = estimate_line_height(ink_mask(np.asarray(prepared.image)))
    assert 20 <= height <= 40
    assert preprocess(image).scale == 1.0  # 27 px lines are left alone


def test_pdf_text_layer_is_used_without_ocr():
    data = text_layer_pdf(["Passport No. E12345678", "Surname ZHANG"])
    result = run_ocr(data)
    assert result.pages[0].source == "pdf_text"
    assert "E12345678" in result.text and "ZHANG" in result.text
    assert result.pages[0].words[0].box[0] > 150  # 72 pt margin at 200 dpi


def test_scanned_pdf_pages_are_rendered_and_ocrd(id_card, tmp_path):
    image, number = id_card
    path = tmp_path / "scan.pdf"
    image.save(path, format="PDF", resolution=200)
    result = run_ocr(path)
    assert result.pages[0].source == "ocr"
    assert number in result.text.replace(" ", "")


@pytest.mark.parametrize(
    "make,reason",
    [
        (lambda: b"", "empty"),
        (lambda: b"   \n", "empty"),
        (lambda: png_bytes(render_id_card())[:2500], "corrupt"),
        (lambda: b"%PDF-1.4\n garbage without objects", "corrupt"),
        (encrypted_pdf, "encrypted"),
        (bomb_png, "bomb"),
        (lambda: b"just some text, not a document", "unsupported"),
    ],
)
def test_bad_inputs_are_unreadable(make, reason):
    with pytest.raises(UnreadableDocument) as info:
        run_ocr(make())
    assert info.value.reason == reason


def test_missing_file_and_size_limit(tmp_path, monkeypatch):
    with pytest.raises(UnreadableDocument):
        run_ocr(tmp_path / "nope.png")
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"0" * 2048)
    monkeypatch.setattr("ml.ocr.loading.MAX_FILE_BYTES", 1024)
    with pytest.raises(UnreadableDocument) as info:
        run_ocr(big)
    assert info.value.reason == "too_large"


def test_textless_photo_gives_little_text():
    result = run_ocr(cat_photo())
    assert result.mean_conf < 70 or len(result.text.strip()) < 15


def test_cache_hit_and_atomic_entry(id_card, isolated_cache):
    image, number = id_card
    data = png_bytes(image)
    first = run_ocr(data)
    assert not first.cached
    entries = list(isolated_cache.rglob("*.json"))
    assert len(entries) == 1 and not list(isolated_cache.rglob(".tmp-*"))
    json.loads(entries[0].read_text(encoding="utf-8"))
    second = run_ocr(data)
    assert second.cached and second.text == first.text
    assert second.pages[0].words[0].box == first.pages[0].words[0].box
    assert second.preview_png == first.preview_png  # thumbnail for the classifier survives
    assert max(second.preview_image().size) == 256
    entries[0].write_text("{broken", encoding="utf-8")  # corrupt entry = miss, not crash
    assert not run_ocr(data).cached


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", "off")
    assert ocr_cache.cache_dir() is None


def test_ocr_many_keeps_order_and_reports_unreadable(id_card, tmp_path):
    image, number = id_card
    good = tmp_path / "good.png"
    image.save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    results = ocr_many([good, bad, good], workers=2, cache=False)
    assert isinstance(results[1], UnreadableDocument)
    assert number in results[0].text.replace(" ", "")
    assert results[0].text == results[2].text


def test_unknown_engine_and_unavailable_rapidocr():
    with pytest.raises(ValueError):
        run_ocr(b"x", engine="nonexistent")
    from ml.ocr import EngineUnavailable, available_engines

    assert "rapidocr" in available_engines()
    try:
        get_engine("rapidocr")
    except EngineUnavailable:
        pass  # slot is registered; the optional package is not installed here


def test_unordered_text_boxes_are_grouped_into_lines():
    from ml.ocr.engines import group_into_lines
    from ml.ocr.types import Word

    words = [
        Word("1984年3月23日", 99, (280, 290, 300, 40), 0),
        Word("姓名", 99, (170, 140, 70, 38), 0),
        Word("出生", 99, (165, 292, 70, 36), 0),
        Word("林子玉", 99, (285, 145, 100, 36), 0),
    ]
    grouped = group_into_lines(words)
    assert [(w.text, w.line) for w in grouped] == [
        ("姓名", 0),
        ("林子玉", 0),
        ("出生", 1),
        ("1984年3月23日", 1),
    ]


def test_auto_engine_keeps_good_tesseract_reading(id_card):
    image, number = id_card
    result = run_ocr(image, engine="auto")
    assert number in result.text.replace(" ", "")
    assert "rapidocr" not in result.lang  # a clean card never needs the photo engine


def test_rapidocr_engine_when_installed(id_card):
    pytest.importorskip("rapidocr")
    image, number = id_card
    result = run_ocr(image, engine="rapidocr")
    assert number in result.text.replace(" ", "")


def test_concurrent_threads_share_one_cache_entry(isolated_cache):
    from concurrent.futures import ThreadPoolExecutor

    data = png_bytes(render_id_card(name="赵敏").resize((600, 378)))
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: run_ocr(data), range(3)))
    assert len({r.text for r in results}) == 1
    assert len(list(isolated_cache.rglob("*.json"))) == 1
    assert not list(isolated_cache.rglob(".tmp-*"))
    assert run_ocr(data).cached


def test_pdf_page_limit_reads_first_pages_and_warns(tmp_path):
    from tests.fixtures.ml.documents import render_text_page

    pages = [render_text_page([f"第{i}页 测试文本"], size=(500, 200)) for i in range(1, 4)]
    path = tmp_path / "three.pdf"
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    result = run_ocr(path, max_pages=2)
    assert len(result.pages) == 2
    assert result.warnings and "2 of 3" in result.warnings[0]
    assert "第1页" in result.text.replace(" ", "")
