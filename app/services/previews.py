"""Browser-viewable previews of uploaded files.

Browsers show JPEG, PNG and WebP in an <img>, but not TIFF scans, iPhone HEIC photos or PDFs.
For those, the first page is rendered once to a JPEG (at most PREVIEW_MAX_SIDE pixels on its
long side, EXIF orientation applied as the OCR saw it) and kept next to the uploads, so clerks
see every document with its evidence boxes and citizens see a thumbnail.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from app.services import uploads

PREVIEW_MAX_SIDE = 1600


class PreviewUnavailable(Exception):
    """The file cannot be rendered (damaged, encrypted PDF…); the original is still there."""


def needs_preview(mime_type: str) -> bool:
    """True when a browser cannot show this type itself."""
    return mime_type in uploads.NEEDS_PREVIEW


def preview_path(stored_name: str, mime_type: str) -> Path:
    """The JPEG preview of a stored file, rendered on first use."""
    if not needs_preview(mime_type):
        raise ValueError(f"{mime_type} needs no preview")
    path = uploads.preview_path_for(stored_name)
    if not path.exists():
        image = _first_page(uploads.path_for(stored_name).read_bytes(), mime_type)
        image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        image.convert("RGB").save(tmp, "JPEG", quality=85)
        os.replace(tmp, path)
    return path


def _first_page(data: bytes, mime_type: str) -> Image.Image:
    from ml.ocr import UnreadableDocument
    from ml.ocr.loading import open_image

    try:
        if mime_type == "application/pdf":
            return _render_pdf_page(data)
        return open_image(data)
    except UnreadableDocument as exc:
        raise PreviewUnavailable(str(exc)) from exc


def _render_pdf_page(data: bytes) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(io.BytesIO(data))
    except pdfium.PdfiumError as exc:
        raise PreviewUnavailable(f"cannot open PDF: {exc}") from exc
    try:
        if len(pdf) == 0:
            raise PreviewUnavailable("the PDF has no pages")
        page = pdf[0]
        try:
            width, height = page.get_size()
            if width < 1 or height < 1:
                raise PreviewUnavailable("the first page has no size")
            scale = PREVIEW_MAX_SIDE / max(width, height)
            return page.render(scale=scale).to_pil()
        finally:
            page.close()
    except pdfium.PdfiumError as exc:
        raise PreviewUnavailable(f"cannot render PDF: {exc}") from exc
    finally:
        pdf.close()
