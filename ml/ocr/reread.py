"""Second looks at parts of a page: re-OCR a value's crop or a stamped region.

The first OCR pass reads the whole page once. When a field comes out unreadable (an ID
number whose check digit fails, a credit code with a character too many, an employer
line hidden under a red seal), the extractors ask for a second reading of just that
part of the page:

* :func:`read_line` crops the word boxes of one value (plus a margin), removes red
  stamps, rescales to a comfortable line height and reads it as a single line
  (``--psm 7``), optionally restricted to a character whitelist (digits and ``X`` for
  an ID number). It returns several readings (a few image variants); the caller keeps
  only one that validates, so a re-read can repair a value but never invent one.
* :func:`read_region` re-OCRs a region (default: the whole page) with red seals
  removed and returns words with boxes in the page frame, for text that the first pass
  lost because a seal was printed over it.

Stamp removal uses the red channel: black print stays dark in it, red ink turns almost
white; for whole regions light grey (a seal in a greyscale scan) is flattened too.
Every tesseract call here is single-threaded (``OMP_THREAD_LIMIT=1``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import numpy as np
from PIL import Image

from .types import OcrResult, Word

os.environ["OMP_THREAD_LIMIT"] = "1"

Box = tuple[int, int, int, int]
LINE_HEIGHT = 44  # target pixel height of a re-read line (tesseract likes 30-50 px)
TIMEOUT_SECONDS = 15
DIGITS_X = "0123456789X"
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RED_MIN_EXCESS = 60  # red minus max(green, blue) above this counts as seal ink
FLATTEN_FRACTION = 0.3  # see without_stamps


def page_images(source: object, ocr: OcrResult) -> list[Image.Image | None]:
    """Upright RGB image of every page of *source* in the frame of *ocr*'s word boxes
    (None for PDF text-layer pages or when the source cannot be loaded)."""
    from .loading import load_document
    from .preprocess import rotate_right_angle

    try:
        document = load_document(source, max_pages=len(ocr.pages) or 1)
    except Exception:  # noqa: BLE001 - no image means no re-read, never a crash
        return [None] * len(ocr.pages)
    images: list[Image.Image | None] = []
    for loaded, page in zip(document.pages, ocr.pages):
        if loaded.image is None:
            images.append(None)
            continue
        image = rotate_right_angle(loaded.image.convert("RGB"), page.rotation)
        images.append(image if image.size == (page.width, page.height) else None)
    return images


def has_red_ink(image: Image.Image, *, min_fraction: float = 0.002) -> bool:
    """True when at least *min_fraction* of the pixels are clearly red (a seal)."""
    small = image.convert("RGB")
    small.thumbnail((400, 400))
    arr = np.asarray(small).astype(np.int16)
    red = (arr[..., 0] - np.maximum(arr[..., 1], arr[..., 2])) > RED_MIN_EXCESS
    return bool(red.mean() >= min_fraction)


def without_stamps(image: Image.Image, *, flatten: bool = False) -> Image.Image:
    """Greyscale version of *image* in which seal ink is (nearly) white.

    The red channel keeps black and blue print dark while red ink becomes bright. With
    *flatten*, everything clearly lighter than the print (closer to the paper than
    :data:`FLATTEN_FRACTION` of the way from the darkest ink) is set to white as well,
    which also removes a seal that a greyscale scan turned mid-grey.
    """
    arr = np.asarray(image.convert("RGB"))[..., 0]
    if flatten and arr.size:
        ink, paper = np.percentile(arr, 0.3), np.percentile(arr, 50)
        if paper - ink > 40:
            arr = np.where(arr > ink + FLATTEN_FRACTION * (paper - ink), 255, arr)
    return Image.fromarray(arr.astype(np.uint8), "L")


def _crop(
    image: Image.Image, box: Box, margin_x: float, margin_y: float
) -> tuple[Image.Image, Box]:
    x, y, w, h = box
    mx, my = int(margin_x * h), int(margin_y * h)
    left, top = max(0, x - mx), max(0, y - my)
    right, bottom = min(image.width, x + w + mx), min(image.height, y + h + my)
    return image.crop((left, top, right, bottom)), (left, top, right - left, bottom - top)


def _otsu(grey: Image.Image) -> Image.Image:
    arr = np.asarray(grey)
    hist = np.bincount(arr.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m = np.cumsum(hist * levels)
    mean0 = m / np.maximum(w0, 1e-9)
    mean1 = (m[-1] - m) / np.maximum(w1, 1e-9)
    threshold = int(np.argmax(w0 * w1 * (mean0 - mean1) ** 2))
    return Image.fromarray(np.where(arr > threshold, 255, 0).astype(np.uint8), "L")


def ink_height(grey: Image.Image) -> int | None:
    """Typical glyph height in pixels in *grey* (a word or line crop): the upper
    quartile of the heights of its ink blobs, ignoring specks and long ruled lines
    (which a row profile would mistake for text on a skewed photo). None without ink."""
    from scipy import ndimage

    arr = np.asarray(grey)
    if arr.size == 0 or min(arr.shape) < 4:
        return None
    ink = np.asarray(_otsu(grey)) == 0
    labels, count = ndimage.label(ink)
    if count == 0:
        return None
    heights = []
    for rows, cols in ndimage.find_objects(labels):
        h, w = rows.stop - rows.start, cols.stop - cols.start
        if h >= 5 and h < 0.9 * arr.shape[0] and w < 0.5 * arr.shape[1] and w < 3 * h:
            heights.append(h)
    if not heights:
        return None
    return int(np.percentile(heights, 75))


def _deskew(grey: Image.Image) -> Image.Image:
    """*grey* rotated so that its text runs horizontally (photos are often a few
    degrees off, and a single-line read fails on a slanted line between table rules)."""
    from .preprocess import estimate_skew

    angle = estimate_skew(np.asarray(_otsu(grey)) == 0)
    if not angle:
        return grey
    return grey.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=True)


def _tesseract(image: Image.Image, *, lang: str, psm: int, whitelist: str | None) -> list[dict]:
    import pytesseract

    config = f"--psm {psm}"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    try:
        data = pytesseract.image_to_data(
            image,
            lang=lang,
            config=config,
            output_type=pytesseract.Output.DICT,
            timeout=TIMEOUT_SECONDS,
        )
    except (RuntimeError, pytesseract.TesseractError):
        return []
    out = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if text:
            out.append(
                {
                    "text": text,
                    "conf": float(data["conf"][i]),
                    "box": (
                        int(data["left"][i]),
                        int(data["top"][i]),
                        int(data["width"][i]),
                        int(data["height"][i]),
                    ),
                    "line": (
                        int(data["block_num"][i]),
                        int(data["par_num"][i]),
                        int(data["line_num"][i]),
                    ),
                }
            )
    return out


def read_line(
    image: Image.Image,
    box: Box,
    *,
    lang: str = "eng",
    whitelist: str | None = None,
    margin_x: float = 0.8,
    margin_y: float = 0.35,
    scales: Iterable[float] = (1.0, 0.8),
    accept: Callable[[str], bool] | None = None,
) -> list[tuple[str, float]]:
    """Readings of the single text line in *box* (page pixels) as ``(text, confidence)``.

    The crop (with margins relative to the glyph height) is cleaned of red seals,
    rescaled and deskewed so that its ink is about :data:`LINE_HEIGHT` pixels high (times each of
    *scales*) and read with ``--psm 7``; plain and binarised variants are tried.
    Readings are returned without spaces, best confidence first, duplicates removed.
    With *accept*, reading stops at the first text for which ``accept(text)`` holds and
    that reading is returned first.
    """
    if box is None or box[2] <= 0 or box[3] <= 0:
        return []
    x, y, w, h = box
    text_height = ink_height(without_stamps(image.crop((x, y, x + w, y + h)))) or h
    text_height = max(min(text_height, h), 6)
    crop, _ = _crop(image, box, margin_x * text_height / h, margin_y * text_height / h)
    grey = without_stamps(crop)
    readings: dict[str, float] = {}
    for factor in scales:
        scale = max(0.5, min(5.0, LINE_HEIGHT * factor / text_height))
        size = (max(1, int(grey.width * scale)), max(1, int(grey.height * scale)))
        resized = _deskew(grey.resize(size, Image.Resampling.LANCZOS))
        for variant in (resized, _otsu(resized)):
            words = _tesseract(variant, lang=lang, psm=7, whitelist=whitelist)
            if not words:
                continue
            text = "".join(w["text"] for w in words)
            conf = sum(w["conf"] for w in words) / len(words)
            readings[text] = max(conf, readings.get(text, -1.0))
            if accept is not None and accept(text):
                return [(text, readings[text])] + [
                    item
                    for item in sorted(readings.items(), key=lambda item: -item[1])
                    if item[0] != text
                ]
    return sorted(readings.items(), key=lambda item: -item[1])


def read_region(
    image: Image.Image, box: Box | None = None, *, lang: str = "chi_sim", psm: int = 3
) -> list[Word]:
    """Words of a region (default: the whole image) re-read with seals removed (red
    channel, then flattened: see :func:`without_stamps`),
    boxes in the page frame and line numbers dense from 0 in reading order."""
    left, top = (box[0], box[1]) if box else (0, 0)
    region = image.crop((box[0], box[1], box[0] + box[2], box[1] + box[3])) if box else image
    words = _tesseract(without_stamps(region, flatten=True), lang=lang, psm=psm, whitelist=None)
    line_ids: dict[tuple, int] = {}
    out = []
    for word in words:
        line = line_ids.setdefault(word["line"], len(line_ids))
        x, y, w, h = word["box"]
        out.append(Word(word["text"], word["conf"], (x + left, y + top, w, h), line))
    return out
