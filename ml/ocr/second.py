"""A second reader for single lines of a page (issue 17: a second opinion where Tesseract is
weak).

Tesseract reads every page; where the review needs to be sure of a short line it read
(a person's name that does not match the application, a name read with low confidence),
the line's box is cropped from the page and read once more by :data:`SECOND_ENGINE`
(RapidOCR, whose models ship inside its wheel: nothing is downloaded at run time). Only
that crop is read, by the recogniser alone, so a second opinion costs tens of
milliseconds, not a second page read. Where the engine is not installed there is no
second opinion and the review behaves as with Tesseract alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from .engines import get_engine
from .reread import without_stamps
from .types import EngineUnavailable, Word

SECOND_ENGINE = "rapidocr"  # a registered engine offering read_line(image) -> (text, conf)
MARGIN_X = 0.4  # crop margins, in line heights: a glyph cut by a tight box is read wrong
MARGIN_Y = 0.2


@dataclass(frozen=True)
class SecondReading:
    """What the second engine read in a line's box: text, confidence 0-100, engine name."""

    text: str
    conf: float
    engine: str


def second_engine():
    """The second reader (an engine with ``read_line``), or None where it cannot run."""
    try:
        engine = get_engine(SECOND_ENGINE)
    except (EngineUnavailable, ValueError):
        return None
    return engine if callable(getattr(engine, "read_line", None)) else None


def line_crop(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image | None:
    """The part of *image* under *box* (x, y, w, h) with margins, red seals removed (as
    RGB); None for a box that is empty or outside the image."""
    x, y, w, h = (int(v) for v in box)
    if w <= 0 or h <= 0:
        return None
    left, top = max(0, x - int(MARGIN_X * h)), max(0, y - int(MARGIN_Y * h))
    right = min(image.width, x + w + int(MARGIN_X * h))
    bottom = min(image.height, y + h + int(MARGIN_Y * h))
    if right - left < 2 or bottom - top < 2:
        return None
    return without_stamps(image.crop((left, top, right, bottom))).convert("RGB")


def read_line_again(image: Image.Image | None, box) -> SecondReading | None:
    """The second engine's reading of the line in *box* of *image*, or None when there is
    no second engine, no image (a PDF text layer) or no box."""
    if image is None or not box:
        return None
    engine = second_engine()
    if engine is None:
        return None
    crop = line_crop(image, tuple(box))
    if crop is None:
        return None
    text, conf = engine.read_line(crop)
    return SecondReading("".join(text.split()), float(conf), engine.name)


PAGE_MAX_SIDE = 720  # a page read whole by the second engine is shrunk to this first


def read_page_again(image: Image.Image | None) -> list[Word]:
    """Every line of *image* as the second engine reads it (detection and recognition),
    boxes in *image*'s frame; [] without a second engine or an image. The page is read
    at most :data:`PAGE_MAX_SIDE` pixels on its longer side (about a second on one core,
    where the whole page at full size takes several): the review does this only for a
    person's name that Tesseract did not find at all."""
    if image is None:
        return []
    engine = second_engine()
    if engine is None:
        return []
    scale = min(1.0, PAGE_MAX_SIDE / max(image.size))
    small = image.convert("RGB")
    if scale < 1.0:
        small = small.resize((round(image.width * scale), round(image.height * scale)))
    words = engine.recognize(without_stamps(small), lang="chi_sim")
    return [
        Word(w.text, w.conf, tuple(round(v / scale) for v in w.box), w.line)  # type: ignore[arg-type]
        for w in words
    ]
