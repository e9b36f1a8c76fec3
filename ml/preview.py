"""JPEG previews of uploaded files, for people to look at (TIFF, HEIC, PDF).

Browsers cannot show TIFF scans, iPhone HEIC photos or PDFs in an <img>; the application
keeps a JPEG of the first page (at most `max_side` pixels on its long side, EXIF orientation
applied) next to the upload, and of a PDF's next few pages (`write_later_pages`), so that a
clerk sees where the review read something on any of them. Rendering goes through the same
guards as OCR (:mod:`ml.ocr.loading`: pixel limit, PDF drawing-cost limit), and is meant to
run in a bounded worker process (:mod:`ml.bounded`), never in a web thread.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from ml.ocr.loading import check_page_cost, open_image, open_pdf, read_source
from ml.ocr.types import UnreadableDocument

PREVIEW_MAX_SIDE = 1600


def first_page(source: object, *, max_side: int = PREVIEW_MAX_SIDE) -> Image.Image:
    """The first page of an image or PDF (path or bytes), at most `max_side` pixels long."""
    data = read_source(source)
    if isinstance(data, Image.Image):
        image = data
    elif data.lstrip()[:5] == b"%PDF-":
        image = _render_pdf_first_page(data, max_side)
    else:
        image = open_image(data)
    image.thumbnail((max_side, max_side))
    return image


def write_preview(source: object, target: str | os.PathLike, *, max_side: int = PREVIEW_MAX_SIDE):
    """Render the first page of `source` to a JPEG at `target` (written atomically).
    Raises UnreadableDocument when the file cannot be rendered or is too costly to."""
    _save_jpeg(first_page(source, max_side=max_side), Path(target))


def _render_pdf_first_page(data: bytes, max_side: int) -> Image.Image:
    pdf = open_pdf(data)
    try:
        return _render_pdf_page(pdf, max_side, 0)
    finally:
        pdf.close()


def _render_pdf_page(pdf, max_side: int, index: int) -> Image.Image:
    """Page `index` (from 0) of an open `pypdfium2.PdfDocument`, which stays open."""
    import pypdfium2 as pdfium  # for its page errors

    try:
        if len(pdf) <= index:
            raise UnreadableDocument("empty", f"the PDF has no page {index + 1}")
        page = pdf[index]
        try:
            width, height = page.get_size()
            if width < 1 or height < 1:
                raise UnreadableDocument("corrupt", f"page {index + 1} has no size")
            check_page_cost(page, index + 1)
            return page.render(scale=max_side / max(width, height)).to_pil()
        finally:
            page.close()
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument("corrupt", f"cannot render PDF: {exc}") from exc


def _save_jpeg(image: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        image.convert("RGB").save(tmp, "JPEG", quality=85)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_later_pages(
    source: object, targets: list[str], *, max_side: int = PREVIEW_MAX_SIDE
) -> int:
    """Render pages 2, 3 … of a PDF to `targets` (one per page, as many as the PDF has);
    returns how many were written. Not a PDF: nothing. A page that cannot be drawn (too
    costly, damaged) ends the series; the pages before it stay."""
    data = read_source(source)
    if not targets or isinstance(data, Image.Image) or data.lstrip()[:5] != b"%PDF-":
        return 0
    try:
        pdf = open_pdf(data)  # once for all the pages
    except UnreadableDocument:
        return 0
    written = 0
    try:
        for offset, target in enumerate(targets, start=1):
            try:
                image = _render_pdf_page(pdf, max_side, offset)
            except UnreadableDocument:
                break
            image.thumbnail((max_side, max_side))
            _save_jpeg(image, Path(target))
            written += 1
    finally:
        pdf.close()
    return written
