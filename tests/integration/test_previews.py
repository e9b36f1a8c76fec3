"""HEIC photos are accepted, and files a browser cannot show (TIFF, HEIC, PDF) get a JPEG
preview of their first page, so clerks see every document with its evidence boxes.
Previews are made by the review job in a bounded worker process, so a test waits for the
jobs before it asks for one."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment
from tests import journeys


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def _pdf_bytes() -> bytes:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)  # A4 portrait, in points
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


def test_heic_photo_is_accepted_and_previewed_as_jpeg(app, client, draft, wait_jobs):
    pytest.importorskip("pillow_heif")
    photo = Image.new("RGB", (640, 400), "white")
    heic = _encode(photo, "HEIF")
    resp = journeys.upload(client, draft, "lease", heic, "IMG_0001.HEIC")
    assert resp.status_code == 302
    att = journeys.attachment_named(app, "IMG_0001.HEIC")
    assert att.mime_type == "image/heic" and att.stored_name.endswith(".heic")
    wait_jobs()
    preview = client.get(f"/files/{att.id}/preview")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(preview.data)).size == (640, 400)
    original = client.get(f"/files/{att.id}")
    assert original.mimetype == "image/heic" and original.data == heic
    # the auto-review job read the HEIC too: it ended with a verdict, not an error
    with app.app_context():
        assert db.session.get(Attachment, att.id).review_status not in (None, "pending", "error")


def test_tiff_and_pdf_get_a_first_page_preview(app, client, draft, wait_jobs):
    tiff = _encode(Image.new("L", (3000, 2000), 255), "TIFF", compression="tiff_lzw")
    journeys.upload(client, draft, "lease", tiff, "scan.tif")
    journeys.upload(client, draft, "id_card_back", _pdf_bytes(), "back.pdf")
    wait_jobs()
    for name, expected in (("scan.tif", (1600, 1067)), ("back.pdf", (1131, 1600))):
        att = journeys.attachment_named(app, name)
        preview = client.get(f"/files/{att.id}/preview")
        assert preview.status_code == 200 and preview.mimetype == "image/jpeg", name
        width, height = Image.open(io.BytesIO(preview.data)).size
        assert max(width, height) == 1600 and abs(width - expected[0]) <= 2, (name, width, height)


def test_deleting_a_file_deletes_its_preview(app, client, draft, wait_jobs):
    from app.services import uploads

    tiff = _encode(Image.new("L", (800, 600), 255), "TIFF", compression="tiff_lzw")
    journeys.upload(client, draft, "lease", tiff, "scan.tif")
    att = journeys.attachment_named(app, "scan.tif")
    wait_jobs()
    assert client.get(f"/files/{att.id}/preview").mimetype == "image/jpeg"
    with app.test_request_context():
        preview = uploads.preview_path_for(att.stored_name)
        original = uploads.path_for(att.stored_name)
    assert preview.exists() and original.exists()
    resp = client.post(f"/applications/{draft}/materials/{att.id}/delete")
    assert resp.status_code == 302
    assert not preview.exists() and not original.exists()


def test_browser_viewable_files_are_their_own_preview(app, client, draft, wait_jobs):
    png = journeys.blank_png()
    journeys.upload(client, draft, "lease", png, "lease.png")
    att = journeys.attachment_named(app, "lease.png")
    preview = client.get(f"/files/{att.id}/preview")
    assert preview.status_code == 200 and preview.mimetype == "image/png" and preview.data == png
    wait_jobs()


def test_a_pdf_that_cannot_be_rendered_has_no_preview_but_keeps_its_original(
    app, client, draft, wait_jobs
):
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ngarbage\n%%EOF\n"
    journeys.upload(client, draft, "lease", broken, "broken.pdf")
    att = journeys.attachment_named(app, "broken.pdf")
    wait_jobs()
    assert client.get(f"/files/{att.id}/preview").status_code == 404
    assert client.get(f"/files/{att.id}").data == broken
