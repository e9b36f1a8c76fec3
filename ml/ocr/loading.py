"""Safe loading of uploads into page images (or PDF text layers).

Guards every input before the OCR engine sees it: file-size limit, decompression-bomb
limit on pixels (PIL ``MAX_IMAGE_PIXELS`` plus an explicit check before decoding),
truncated or corrupt images, empty files, encrypted or broken PDFs, a page limit, and a
drawing-cost limit per PDF page (:func:`check_page_cost`: a page of a few bytes can ask for
thousands of full-page fills, minutes of rendering). Failures raise
:class:`~ml.ocr.types.UnreadableDocument` with a reason code.
Formats: whatever PIL decodes (PNG, JPEG, TIFF, WebP ...), HEIC/HEIF through the
``pillow-heif`` opener, and PDF.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .types import OcrPage, UnreadableDocument, Word

MAX_FILE_BYTES = int(os.environ.get("ML_MAX_FILE_BYTES", 25 * 1024 * 1024))
MAX_PIXELS = int(os.environ.get("ML_MAX_PIXELS", 40_000_000))
MAX_PDF_PAGES = int(os.environ.get("ML_MAX_PDF_PAGES", 10))
# Drawing cost of one PDF page, estimated from its objects before anything is rendered:
# how many objects it draws (inside forms too), how many times over they paint the page's
# area, and how many image pixels they decode. A scanned page is one image; a born-digital
# page paints its area a few times. Far above either is a render bomb, refused at once.
MAX_PAGE_OBJECTS = int(os.environ.get("ML_MAX_PAGE_OBJECTS", 20_000))
MAX_PAGE_OVERDRAW = float(os.environ.get("ML_MAX_PAGE_OVERDRAW", 100))
MAX_PAGE_IMAGE_PIXELS = int(os.environ.get("ML_MAX_PAGE_IMAGE_PIXELS", 100_000_000))
_MAX_FORM_DEPTH = 8
PDF_DPI = 200
# Pages with fewer printable characters in their text layer are treated as scans.
PDF_TEXT_MIN_CHARS = 20

# PIL's own guard: above this it warns, above twice it refuses. We refuse at the limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _register_heif() -> bool:
    """Let PIL open HEIC/HEIF (iPhone photos) through pillow-heif when it is installed.
    The image then goes through the same pixel, size and corruption guards as any other."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


HEIF_SUPPORTED = _register_heif()


@dataclass
class LoadedPage:
    """One page ready for OCR: an image, or an already-read PDF text layer."""

    image: Image.Image | None = None
    text_page: OcrPage | None = None


@dataclass
class LoadedDocument:
    """All pages of an input plus its raw bytes (for hashing) and notes."""

    data: bytes
    kind: str  # "image" or "pdf"
    pages: list[LoadedPage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_source(source: object) -> bytes | Image.Image:
    """Return the bytes of a path/bytes source, or the PIL image itself."""
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UnreadableDocument("missing", f"cannot read {path}: {exc}") from exc
        if size > MAX_FILE_BYTES:
            raise UnreadableDocument("too_large", f"{size} bytes > {MAX_FILE_BYTES}")
        data = path.read_bytes()
    else:
        raise TypeError(f"unsupported OCR source type {type(source).__name__}")
    if not data.strip():
        raise UnreadableDocument("empty", "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableDocument("too_large", f"{len(data)} bytes > {MAX_FILE_BYTES}")
    return data


def open_image(data: bytes) -> Image.Image:
    """Decode image bytes safely: pixel limit checked before decoding, EXIF rotation
    applied, truncated/corrupt data rejected. Multi-frame images give the first frame."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise UnreadableDocument("bomb", f"{width}x{height} pixels exceeds limit")
            image.load()
        except UnreadableDocument:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UnreadableDocument("bomb", str(exc)) from exc
        except UnidentifiedImageError as exc:
            raise UnreadableDocument("unsupported", "not an image or PDF") from exc
        except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
            raise UnreadableDocument("corrupt", f"cannot decode image: {exc}") from exc
    try:
        # Only a turned or mirrored photo needs a transpose; exif_transpose would copy
        # every upright page (milliseconds per page on the OCR hot path).
        if image.getexif().get(ExifTags.Base.Orientation, 1) not in (0, 1):
            image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - broken EXIF must not make a readable image fail
        pass
    return image


def prepare_image(image: Image.Image) -> Image.Image:
    """Check a caller-supplied PIL image against the pixel limit and load it."""
    width, height = image.size
    if width * height > MAX_PIXELS or width <= 0 or height <= 0:
        raise UnreadableDocument("bomb", f"{width}x{height} pixels exceeds limit")
    return image


def _pdf_text_page(page, scale: float) -> OcrPage | None:
    """Words and boxes from a PDF page's text layer, or None if it has too little text."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        if sum(1 for c in text if not c.isspace()) < PDF_TEXT_MIN_CHARS:
            return None
        width_pt, height_pt = page.get_size()
        words: list[Word] = []
        current, box = "", None
        line, last_bottom = 0, None

        def flush() -> None:
            nonlocal current, box
            if current.strip() and box is not None:
                left, top, right, bottom = box
                words.append(
                    Word(
                        current.strip(),
                        99.0,
                        (int(left), int(top), int(right - left) + 1, int(bottom - top) + 1),
                        line,
                    )
                )
            current, box = "", None

        for index in range(count):
            char = textpage.get_text_range(index, 1)
            if char in ("\r", "\n") or char.isspace():
                flush()
                if char == "\n":
                    line += 1
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            pix = (
                left * scale,
                (height_pt - top) * scale,
                right * scale,
                (height_pt - bottom) * scale,
            )
            if last_bottom is not None and abs(pix[3] - last_bottom) > (pix[3] - pix[1]) * 0.6:
                flush()
                line += 1
            last_bottom = pix[3]
            if box is None:
                box = pix
            else:
                box = (
                    min(box[0], pix[0]),
                    min(box[1], pix[1]),
                    max(box[2], pix[2]),
                    max(box[3], pix[3]),
                )
            current += char
        flush()
        # Renumber lines densely.
        mapping = {old: new for new, old in enumerate(sorted({w.line for w in words}))}
        for word in words:
            word.line = mapping[word.line]
        return OcrPage(int(width_pt * scale), int(height_pt * scale), words, 0, "pdf_text")
    finally:
        textpage.close()


def _object_area(obj, clip: tuple[float, float, float, float]) -> float:
    """Area of an object's bounds inside `clip` (left, bottom, right, top), in square points."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return 0.0
    width = min(right.value, clip[2]) - max(left.value, clip[0])
    height = min(top.value, clip[3]) - max(bottom.value, clip[1])
    return max(width, 0.0) * max(height, 0.0)


def check_page_cost(page, number: int) -> None:
    """Refuse a page that would take far longer to draw than any real document's page:
    more than MAX_PAGE_OBJECTS objects, objects that paint its area more than
    MAX_PAGE_OVERDRAW times, or more than MAX_PAGE_IMAGE_PIXELS image pixels. Costs
    milliseconds (it reads the page's object list, drawing nothing); the page is
    `pypdfium2.PdfPage`, `number` counts from 1 for the message."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    width_pt, height_pt = page.get_size()
    page_box = (0.0, 0.0, float(width_pt), float(height_pt))
    page_area = max(width_pt * height_pt, 1.0)
    objects, painted, pixels = 0, 0.0, 0
    # (container or None for the page, its clip box, depth)
    pending: list[tuple[object, tuple[float, float, float, float], int]] = [(None, page_box, 0)]
    while pending:
        form, clip, depth = pending.pop()
        if form is None:
            count = pdfium_c.FPDFPage_CountObjects(page.raw)
        else:
            count = pdfium_c.FPDFFormObj_CountObjects(form)
        for index in range(max(count, 0)):
            if form is None:
                obj = pdfium_c.FPDFPage_GetObject(page.raw, index)
            else:
                obj = pdfium_c.FPDFFormObj_GetObject(form, index)
            if not obj:
                continue
            objects += 1
            if objects > MAX_PAGE_OBJECTS:
                raise UnreadableDocument(
                    "too_complex", f"page {number} draws more than {MAX_PAGE_OBJECTS} objects"
                )
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                if depth + 1 >= _MAX_FORM_DEPTH:
                    raise UnreadableDocument(
                        "too_complex", f"page {number} nests forms more than {_MAX_FORM_DEPTH} deep"
                    )
                # Objects inside a form are measured in the form's space; clipping them
                # to the page box keeps each to at most one page area.
                pending.append((obj, clip if form is not None else page_box, depth + 1))
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                size = (ctypes.c_uint(), ctypes.c_uint())
                if pdfium_c.FPDFImageObj_GetImagePixelSize(obj, *size):
                    pixels += size[0].value * size[1].value
                    if pixels > MAX_PAGE_IMAGE_PIXELS:
                        raise UnreadableDocument(
                            "too_complex",
                            f"page {number} decodes more than {MAX_PAGE_IMAGE_PIXELS} image pixels",
                        )
            painted += _object_area(obj, clip)
            if painted > MAX_PAGE_OVERDRAW * page_area:
                raise UnreadableDocument(
                    "too_complex",
                    f"page {number} paints its area more than {MAX_PAGE_OVERDRAW:g} times",
                )


def open_pdf(data: bytes):
    """The PDF as a pypdfium2 document (the caller closes it); UnreadableDocument says why
    one that cannot open was refused (encrypted or corrupt)."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableDocument("encrypted", "the PDF is password protected") from exc
        raise UnreadableDocument("corrupt", f"cannot open PDF: {exc}") from exc


def count_pdf_pages(data: bytes) -> int:
    """The number of pages of a PDF (for upload checks; run it in a bounded worker: opening
    a hostile file is itself work). Raises UnreadableDocument for a PDF that cannot open."""
    return inspect_pdf(data, max_pages=0)[0]


def inspect_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES) -> tuple[int, int]:
    """(pages, objects): the page count of a PDF and how many top-level objects its first
    `max_pages` pages draw, a cheap measure of how much work reading it will be (parsing
    the page lists, drawing nothing). For upload checks, in a bounded worker; raises
    UnreadableDocument for a PDF that cannot open."""
    import pypdfium2.raw as pdfium_c

    pdf = open_pdf(data)
    try:
        pages, objects = len(pdf), 0
        for index in range(min(pages, max_pages)):
            page = pdf[index]
            try:
                objects += max(pdfium_c.FPDFPage_CountObjects(page.raw), 0)
            finally:
                page.close()
        return pages, objects
    finally:
        pdf.close()


def load_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES) -> LoadedDocument:
    """Open a PDF: text layer per page when present, else a rendered page image."""
    import pypdfium2 as pdfium  # for its page errors

    pdf = open_pdf(data)
    doc = LoadedDocument(data=data, kind="pdf")
    try:
        count = len(pdf)
        if count == 0:
            raise UnreadableDocument("empty", "the PDF has no pages")
        if count > max_pages:
            doc.warnings.append(f"only the first {max_pages} of {count} pages were read")
        for index in range(min(count, max_pages)):
            page = pdf[index]
            try:
                width_pt, height_pt = page.get_size()
                scale = PDF_DPI / 72
                if width_pt * height_pt * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / max(width_pt * height_pt, 1.0)) ** 0.5 * 0.99
                if width_pt < 1 or height_pt < 1:
                    raise UnreadableDocument("corrupt", f"page {index + 1} has no size")
                check_page_cost(page, index + 1)
                text_page = _pdf_text_page(page, scale)
                if text_page is not None:
                    doc.pages.append(LoadedPage(text_page=text_page))
                    continue
                bitmap = page.render(scale=scale, grayscale=True)
                doc.pages.append(LoadedPage(image=bitmap.to_pil()))
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument("corrupt", f"cannot read PDF page: {exc}") from exc
    finally:
        pdf.close()
    return doc


def load_document(source: object, *, max_pages: int = MAX_PDF_PAGES) -> LoadedDocument:
    """Load any supported source (path, bytes, PIL image) into pages, with guards."""
    raw = read_source(source)
    if isinstance(raw, Image.Image):
        image = prepare_image(raw)
        return LoadedDocument(data=b"", kind="image", pages=[LoadedPage(image=image)])
    if raw.lstrip()[:5] == b"%PDF-":
        return load_pdf(raw, max_pages=max_pages)
    return LoadedDocument(data=raw, kind="image", pages=[LoadedPage(image=open_image(raw))])
