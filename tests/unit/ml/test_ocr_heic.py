"""HEIC/HEIF uploads (iPhone photos): read through pillow-heif, under the same limits and
corruption guards as every other image."""

import io

import pytest

from ml.ocr import UnreadableDocument, loading, run_ocr
from tests.fixtures.ml.documents import make_id_number, render_id_card

pytest.importorskip("pillow_heif")


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", "off")


@pytest.fixture(scope="module")
def heic_card():
    number = make_id_number("32010619920815402")
    buffer = io.BytesIO()
    render_id_card(name="王芳", id_number=number).save(buffer, format="HEIF", quality=85)
    data = buffer.getvalue()
    assert data[4:12] == b"ftypheic"  # a real HEIC container, not a PNG in disguise
    return data, number


def test_heic_photo_is_read(heic_card, tmp_path):
    data, number = heic_card
    assert loading.HEIF_SUPPORTED
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(data)
    result = run_ocr(path)
    assert number in result.text.replace(" ", "")
    assert (result.pages[0].width, result.pages[0].height) == (856, 540)


def test_heic_pixel_limit_still_applies(heic_card, monkeypatch):
    data, _ = heic_card
    monkeypatch.setattr(loading, "MAX_PIXELS", 400 * 400)
    with pytest.raises(UnreadableDocument) as info:
        run_ocr(data)
    assert info.value.reason == "bomb"


def test_truncated_heic_is_corrupt(heic_card):
    data, _ = heic_card
    with pytest.raises(UnreadableDocument) as info:
        run_ocr(data[: len(data) // 2])
    assert info.value.reason == "corrupt"
