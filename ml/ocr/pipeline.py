"""The OCR pipeline: load safely, check the cache, preprocess, recognise, fix rotation,
add an English pass for MRZ/Latin documents, map boxes back to the input frame.

This is the hot path of auto-review: on an upright page it costs one engine run plus a
few tens of milliseconds. Extra engine runs happen only when the first pass looks wrong
(rotation probe) or when the text is Latin/MRZ (cheap ``eng`` pass).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import time

from PIL import Image

from . import cache as result_cache
from .engines import AUTO_ENGINE, get_engine
from .loading import MAX_PDF_PAGES, load_document, read_source
from .preprocess import Prepared, preprocess, rotate_right_angle
from .types import EngineUnavailable, OcrPage, OcrResult, Word, join_words, page_text

PIPELINE_VERSION = 11  # bump whenever preprocessing or merging changes results
ROTATION_TRIGGER_CONF = 60.0  # first pass below this mean confidence -> probe rotations
ROTATION_MIN_GAIN = 15.0
_MRZ_LINE = re.compile(r"[A-Z0-9<]{25,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def content_hash(raw: bytes | Image.Image) -> str:
    """SHA-256 of the input bytes (or of a PIL image's mode, size and pixels)."""
    digest = hashlib.sha256()
    if isinstance(raw, Image.Image):
        digest.update(f"{raw.mode}|{raw.size}|".encode())
        digest.update(raw.tobytes())
    else:
        digest.update(raw)
    return digest.hexdigest()


def _unmap_box(box: tuple[int, int, int, int], prep: Prepared, size: tuple[int, int]):
    """Map a box from the preprocessed image back to the (upright) input frame."""
    if prep.scale == 1.0 and not prep.skew:  # the usual clean page: nothing to undo
        return box
    x, y, w, h = box
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    if prep.skew:
        width, height = size
        sw, sh = width * prep.scale, height * prep.scale
        big_w, big_h = prep.image.size
        theta = math.radians(prep.skew)
        cos, sin = math.cos(theta), math.sin(theta)
        mapped = []
        for px, py in corners:
            dx, dy = px - big_w / 2, py - big_h / 2
            mapped.append((dx * cos - dy * sin + sw / 2, dx * sin + dy * cos + sh / 2))
        corners = mapped
    xs = [c[0] / prep.scale for c in corners]
    ys = [c[1] / prep.scale for c in corners]
    left, top = max(0, int(min(xs))), max(0, int(min(ys)))
    return (
        left,
        top,
        max(1, int(math.ceil(max(xs))) - left),
        max(1, int(math.ceil(max(ys))) - top),
    )


def _quality(words: list[Word]) -> float:
    """Character-weighted mean confidence of a word list (0 if empty)."""
    total = sum(len(w.text) for w in words if w.conf >= 0)
    if total == 0:
        return 0.0
    return sum(w.conf * len(w.text) for w in words if w.conf >= 0) / total


def _vertical_fraction(words: list[Word]) -> float:
    """Share of multi-CJK-character words whose box is taller than wide: tesseract reads a
    page turned by 90 degrees as vertical text with high confidence, so this exposes it."""
    multi = [w for w in words if len(_CJK.findall(w.text)) >= 2]  # CJK glyphs are square
    if len(multi) < 5:  # too few to tell; a couple of misreads must not flip the page
        return 0.0
    return sum(1 for w in multi if w.box[3] > w.box[2] * 1.2) / len(multi)


def _score(words: list[Word]) -> float:
    """Confidence of a reading, discounted when its text runs vertically."""
    return _quality(words) * (1.0 - _vertical_fraction(words))


def _recognize(engine, image: Image.Image, degrees: int, lang: str, psm: int):
    """OCR *image* turned by *degrees*; words come back in the upright input frame."""
    upright = rotate_right_angle(image, degrees)
    prep = preprocess(upright)
    words = engine.recognize(prep.image, lang=lang, psm=psm)
    for word in words:
        word.box = _unmap_box(word.box, prep, upright.size)
    return words, prep, upright.size


def _probe(engine, prep: Prepared, degrees: int, lang: str) -> float:
    """Confidence of a quick OCR of the middle band of the page turned by *degrees*."""
    turned = rotate_right_angle(prep.image, degrees)
    width, height = turned.size
    band = turned.crop((0, int(height * 0.3), width, int(height * 0.7))) if height > 400 else turned
    words = engine.recognize(band, lang=lang, psm=3)
    if sum(len(w.text) for w in words) < 4:
        return 0.0
    return _score(words)


def _needs_eng_pass(text: str) -> bool:
    """True when chi_sim output looks like a passport/MRZ or mostly Latin text."""
    compact = text.replace(" ", "")
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return bool(
        "<<" in compact
        or _MRZ_LINE.search(compact)
        or "PASSPORT" in compact.upper()
        or (latin >= 12 and latin > 3 * cjk)
    )


def _mrz_band(words: list[Word], prep: Prepared) -> tuple[int, int, int, int] | None:
    """Crop box (preprocessed frame) around the lines that look like an MRZ, so that the
    English pass reads two lines instead of the whole page; None if there are none."""
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    mrz = [
        w
        for line in lines.values()
        if "<<" in "".join(x.text for x in line) or _MRZ_LINE.search("".join(x.text for x in line))
        for w in line
    ]
    if not mrz:
        return None
    top = min(w.box[1] for w in mrz) * prep.scale
    bottom = max(w.box[1] + w.box[3] for w in mrz) * prep.scale
    margin = max(bottom - top, 40.0) * 0.6
    width, height = prep.image.size
    if prep.skew:  # boxes were un-skewed: widen the band rather than map exactly
        margin += abs(math.sin(math.radians(prep.skew))) * width
    band = (0, max(0, int(top - margin)), width, min(height, int(bottom + margin)))
    return band if band[3] - band[1] >= 20 else None


def _merge_eng_pass(chi_words: list[Word], eng_words: list[Word]) -> list[Word]:
    """Keep the chi_sim words and add the eng pass's MRZ lines (ICAO text that chi_sim
    garbles); if eng read no MRZ but is clearly better on Latin text, take eng."""
    by_line: dict[int, list[Word]] = {}
    for word in eng_words:
        by_line.setdefault(word.line, []).append(word)
    mrz_lines = [  # an MRZ line has fillers; "GOODSSOLDARENOTRETURNABLE" is no MRZ
        line
        for line in by_line.values()
        if _MRZ_LINE.search(joined := "".join(w.text for w in line).replace(" ", ""))
        and "<" in joined
    ]
    if mrz_lines:
        chi_words = [w for w in chi_words if not _MRZ_LINE.search(w.text) and w.text.count("<") < 2]
        next_line = max((w.line for w in chi_words), default=-1) + 1
        for offset, line in enumerate(mrz_lines):
            for word in line:
                chi_words.append(Word(word.text, word.conf, word.box, next_line + offset))
        return chi_words
    if _quality(eng_words) > _quality(chi_words) + 10:
        return eng_words
    return chi_words


AUTO_FALLBACK_SCORE = 70.0  # "auto": below this tesseract score, try the photo engine


def ocr_page_image(
    image: Image.Image,
    *,
    lang: str = "chi_sim",
    engine: str = "tesseract",
    psm: int = 3,
    second_pass: bool = True,
    fix_rotation: bool = True,
) -> tuple[OcrPage, str]:
    """OCR one page image; returns the page (boxes in the upright input frame) and the
    language(s) actually used.

    ``engine="auto"`` reads with tesseract and, when the page still scores low (phone
    photos), reads it again with RapidOCR if that optional engine is installed, keeping
    whichever reading is more confident.
    """
    if engine == AUTO_ENGINE:
        page, used = ocr_page_image(
            image,
            lang=lang,
            engine="tesseract",
            psm=psm,
            second_pass=second_pass,
            fix_rotation=fix_rotation,
        )
        if _score(page.words) >= AUTO_FALLBACK_SCORE:
            return page, used
        try:
            photo = get_engine("rapidocr")
        except EngineUnavailable:
            return page, used
        upright = rotate_right_angle(image, page.rotation)
        words = photo.recognize(upright.convert("RGB"), lang=lang, psm=psm)
        if _quality(words) > _score(page.words):
            return OcrPage(page.width, page.height, words, page.rotation), f"{used}+rapidocr"
        return page, used
    ocr = get_engine(engine)
    words, prep, size = _recognize(ocr, image, 0, lang, psm)
    rotation = 0
    conf = _score(words)
    # A page with no words at all is blank or a picture: turning it will not help.
    if fix_rotation and words and conf < ROTATION_TRIGGER_CONF:
        probes = {deg: _probe(ocr, prep, deg, lang) for deg in (180, 90, 270)}
        # A band of a sideways page can look fine when read as vertical text, so the
        # best probes are confirmed by a full read (at most two), best first.
        ranked = sorted(probes, key=probes.get, reverse=True)[:2]
        for degrees in ranked:
            if (
                probes[degrees] < ROTATION_TRIGGER_CONF
                or probes[degrees] <= conf + ROTATION_MIN_GAIN
            ):
                break
            turned_words, turned_prep, turned_size = _recognize(ocr, image, degrees, lang, psm)
            turned_score = _score(turned_words)
            if turned_score > conf + ROTATION_MIN_GAIN:
                words, prep, size, rotation = turned_words, turned_prep, turned_size, degrees
                conf = turned_score
                break
    used = lang
    text = join_words([w.text for w in words])
    if second_pass and lang == "chi_sim" and _needs_eng_pass(text):
        # Only a page with MRZ fillers gets the two-line band: on a receipt a long run of
        # capitals and digits (an item code) is no MRZ, and its whole page needs English.
        band = _mrz_band(words, prep) if "<" in text else None
        region = prep.image.crop(band) if band else prep.image
        eng_words = ocr.recognize(region, lang="eng", psm=psm)
        for word in eng_words:
            if band:
                word.box = (word.box[0] + band[0], word.box[1] + band[1], word.box[2], word.box[3])
            word.box = _unmap_box(word.box, prep, size)
        words = _merge_eng_pass(words, eng_words)
        used = "chi_sim+eng"
    page = OcrPage(width=size[0], height=size[1], words=words, rotation=rotation)
    return page, used


def _preview_png(image: Image.Image, rotation: int) -> bytes:
    """Upright RGB thumbnail (<= 256 px) of a page as PNG bytes."""
    if image.mode not in ("L", "RGB", "RGBA"):  # palette, 16-bit, bilevel: no box average
        image = image.convert("RGB")
    factor = max(1, max(image.size) // 256)  # box-reduce first: cheap, and no full copy
    small = image.reduce(factor) if factor > 1 else image.copy()
    small.thumbnail((256, 256))
    buffer = io.BytesIO()
    rotate_right_angle(small.convert("RGB"), rotation).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _engine_version(engine: str) -> str:
    """Version string of an engine for the cache key ("auto" lists both engines)."""
    if engine != AUTO_ENGINE:
        return get_engine(engine).version()
    try:
        photo = get_engine("rapidocr").version()
    except EngineUnavailable:
        photo = "none"
    return f"auto:{get_engine('tesseract').version()}:{photo}"


def run_ocr(
    source: object,
    *,
    lang: str = "chi_sim",
    engine: str = "tesseract",
    cache: bool = True,
    second_pass: bool = True,
    psm: int = 3,
    max_pages: int = MAX_PDF_PAGES,
) -> OcrResult:
    """OCR a document given as a path, bytes or PIL image.

    PDFs use their text layer where a page has one and are rendered otherwise; at most
    *max_pages* pages are read. Results are cached by content hash (see
    :mod:`ml.ocr.cache`). Raises :class:`UnreadableDocument` for inputs that cannot be
    read (empty, corrupt, truncated, encrypted, decompression bomb, too large).
    """
    started = time.perf_counter()
    raw = read_source(source)
    key = result_cache.make_key(
        content_hash(raw),
        engine=_engine_version(engine),
        lang=lang,
        second_pass=second_pass,
        psm=psm,
        max_pages=max_pages,
        pipeline=PIPELINE_VERSION,
    )
    if cache:
        hit = result_cache.load(key)
        if hit is not None:
            return hit
    document = load_document(raw, max_pages=max_pages)
    pages: list[OcrPage] = []
    langs: set[str] = set()
    preview = None
    for loaded in document.pages:
        if loaded.text_page is not None:
            pages.append(loaded.text_page)
            continue
        page, used = ocr_page_image(
            loaded.image, lang=lang, engine=engine, psm=psm, second_pass=second_pass
        )
        if not pages:
            preview = _preview_png(loaded.image, page.rotation)
        pages.append(page)
        langs.add(used)
    result = OcrResult(
        text="\n\f\n".join(page_text(p) for p in pages),
        pages=pages,
        seconds=round(time.perf_counter() - started, 4),
        engine=engine,
        lang=max(langs, key=len) if langs else lang,
        warnings=list(document.warnings),
        preview_png=preview,
    )
    if cache:
        result_cache.store(key, result)
    return result
