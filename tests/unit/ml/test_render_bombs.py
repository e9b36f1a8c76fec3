"""PDF render bombs are refused before anything is drawn: a page whose objects would paint
its area thousands of times ends as `too_complex`, a PDF over the page limit as
`too_many_pages`; ordinary PDFs and images still get their preview and review."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PIL import Image

from ml.ocr import UnreadableDocument
from ml.ocr.loading import check_page_cost, count_pdf_pages
from ml.preview import write_preview
from ml.review import review_document, review_upload
from tests.fixtures.ml.documents import (
    many_pages_pdf,
    png_bytes,
    render_bomb_pdf,
    render_id_card,
    text_layer_pdf,
)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_CACHE_DIR", str(tmp_path / "cache"))


def test_a_page_painting_its_area_thousands_of_times_is_too_complex():
    pdf = pdfium.PdfDocument(render_bomb_pdf(pages=1, fills=2000))
    with pytest.raises(UnreadableDocument) as caught:
        check_page_cost(pdf[0], 1)
    assert caught.value.reason == "too_complex" and "page 1" in caught.value.detail


def test_an_ordinary_text_page_passes_the_cost_check():
    pdf = pdfium.PdfDocument(text_layer_pdf(["Lease contract", "Monthly rent 3500.00"]))
    check_page_cost(pdf[0], 1)  # no exception


def test_the_review_of_a_render_bomb_is_a_too_complex_refusal_not_minutes_of_drawing():
    result = review_document(render_bomb_pdf(), expected_type="lease_contract")
    assert result["verdict"] == "attention"
    assert [r["code"] for r in result["reasons"]] == ["too_complex"]


def test_a_render_bomb_gets_no_preview(tmp_path):
    with pytest.raises(UnreadableDocument) as caught:
        write_preview(render_bomb_pdf(pages=1), tmp_path / "bomb.jpg")
    assert caught.value.reason == "too_complex"
    assert not list(tmp_path.iterdir())


def test_review_upload_refuses_a_bomb_without_reviewing_it(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(render_bomb_pdf())
    result = review_upload(path, preview_to=tmp_path / "preview.jpg", max_pdf_pages=50)
    assert result["verdict"] == "attention" and result["preview"] == "unavailable"
    assert [r["code"] for r in result["reasons"]] == ["too_complex"]


def test_ten_thousand_pages_are_counted_and_refused_over_the_page_limit(tmp_path):
    data = many_pages_pdf()
    assert len(data) < 1024 and count_pdf_pages(data) == 10_000
    path = tmp_path / "many.pdf"
    path.write_bytes(data)
    result = review_upload(path, max_pdf_pages=50)
    assert result["verdict"] == "attention"
    assert [r["code"] for r in result["reasons"]] == ["too_many_pages"]
    assert "10000" in result["reasons"][0]["message"]


def test_an_ordinary_pdf_and_photo_get_a_preview_and_a_review(tmp_path):
    pdf = tmp_path / "text.pdf"
    pdf.write_bytes(text_layer_pdf(["Lease contract", "Monthly rent 3500.00 yuan"]))
    result = review_upload(pdf, preview_to=tmp_path / "pdf.jpg", max_pdf_pages=50)
    assert result["preview"] == "ready" and "Lease contract" in result["text"]
    assert Image.open(tmp_path / "pdf.jpg").size == (1131, 1600)
    card = tmp_path / "card.png"
    card.write_bytes(png_bytes(render_id_card()))
    result = review_upload(card, expected_type="id_card_front", max_pdf_pages=50)
    assert result["preview"] is None and "too_complex" not in str(result["reasons"])
    assert result["fields"].get("name", {}).get("value") == "王小明"
