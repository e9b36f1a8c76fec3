"""OCR engine interface and registry.

An engine turns one preprocessed page image into words with boxes. Engines register
themselves by name with :func:`register_engine`; :func:`get_engine` returns a per-process
instance. "tesseract" (via pytesseract) is built in; "rapidocr" has a slot that works when
the optional ``rapidocr`` package is installed, and otherwise raises
:class:`~ml.ocr.types.EngineUnavailable`.

Tesseract's own OpenMP threading makes pages several times slower on a busy machine, so
this module forces ``OMP_THREAD_LIMIT=1`` for every tesseract it starts; parallelism
comes from several processes (see :mod:`ml.ocr.pool`).
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from typing import Callable, Protocol

from PIL import Image

from .types import EngineUnavailable, UnreadableDocument, Word

os.environ["OMP_THREAD_LIMIT"] = "1"

TESSERACT_TIMEOUT_SECONDS = float(os.environ.get("ML_OCR_TIMEOUT", 120))


class OcrEngine(Protocol):
    """What every engine offers. Boxes are (x, y, w, h) in the given image's pixels."""

    name: str

    def version(self) -> str:
        """Engine + model version string (part of the cache key)."""

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Recognise the words of one page image."""


_FACTORIES: dict[str, Callable[[], OcrEngine]] = {}
AUTO_ENGINE = "auto"  # pseudo-engine: tesseract, then RapidOCR on low-confidence pages


def register_engine(name: str) -> Callable[[Callable[[], OcrEngine]], Callable[[], OcrEngine]]:
    """Decorator registering an engine factory (a class or zero-argument callable)."""

    def decorator(factory: Callable[[], OcrEngine]) -> Callable[[], OcrEngine]:
        _FACTORIES[name] = factory
        _instance.cache_clear()
        return factory

    return decorator


def available_engines() -> list[str]:
    """Names accepted as ``engine=``: registered engines (not necessarily installed)
    plus "auto"."""
    return sorted([*_FACTORIES, AUTO_ENGINE])


@lru_cache(maxsize=None)
def _instance(name: str) -> OcrEngine:
    return _FACTORIES[name]()


def get_engine(name: str) -> OcrEngine:
    """Return the engine registered as *name*; ``ValueError`` for unknown names and
    :class:`EngineUnavailable` when its package is missing."""
    if name == AUTO_ENGINE:
        name = "tesseract"
    if name not in _FACTORIES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(available_engines())}")
    return _instance(name)


@register_engine("tesseract")
class TesseractEngine:
    """Tesseract 5 through pytesseract, one single-threaded process per page."""

    name = "tesseract"

    def __init__(self) -> None:
        import pytesseract

        self._pytesseract = pytesseract
        try:
            self._version = str(pytesseract.get_tesseract_version())
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise EngineUnavailable(f"tesseract is not installed: {exc}") from exc

    def version(self) -> str:
        """Tesseract version, e.g. ``tesseract-5.3.0``."""
        return f"tesseract-{self._version}"

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Run ``tesseract`` on the image (written as uncompressed PGM/PBM, which is
        quicker than PNG to write and read) and return its words with line indices."""
        pyt = self._pytesseract
        suffix = ".pbm" if image.mode == "1" else ".pgm"
        if image.mode not in ("1", "L"):
            image = image.convert("L")
        handle, path = tempfile.mkstemp(prefix="ml-ocr-", suffix=suffix)
        os.close(handle)
        try:
            image.save(path)
            tsv = pyt.image_to_data(
                path,
                lang=lang,
                config=f"--psm {psm}",
                output_type=pyt.Output.STRING,
                timeout=TESSERACT_TIMEOUT_SECONDS,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise UnreadableDocument("timeout", f"OCR took too long: {exc}") from exc
        except pyt.TesseractError as exc:
            raise UnreadableDocument("corrupt", f"tesseract failed: {exc}") from exc
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        return _words_from_tsv(tsv)


def _words_from_tsv(tsv: str) -> list[Word]:
    """Words with dense line numbers from tesseract's TSV output (level, page, block, par,
    line, word, left, top, width, height, conf, text). Parsed here rather than by
    pytesseract's generic table reader, which costs several milliseconds a page."""
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5":  # 5: word level; others are layout rows
            continue
        text = cells[11].strip()
        if not text:
            continue
        line = line_ids.setdefault((cells[2], cells[3], cells[4]), len(line_ids))
        box = (int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]))
        # Whole numbers, as pytesseract's reader gave them (thresholds were tuned on those).
        words.append(Word(text, float(int(float(cells[10]))), box, line))
    return words


@register_engine("rapidocr")
class RapidOcrEngine:
    """RapidOCR (ONNX models shipped in the ``rapidocr`` wheel). Optional: better on
    phone photos, about 3x the CPU of tesseract. Each detected text line is one Word."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            from rapidocr import RapidOCR  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EngineUnavailable("install the optional 'rapidocr' package") from exc
        # One thread per process, like tesseract: parallelism comes from the pool.
        self._ocr = RapidOCR(params={
            "Global.log_level": "warning",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })

    def version(self) -> str:
        """RapidOCR package version."""
        from importlib.metadata import version

        return f"rapidocr-{version('rapidocr')}"

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Detect and recognise text boxes; boxes on the same visual line share a line
        index (so "出生" and "1984年3月23日" form one line). *lang*/*psm* are ignored."""
        import numpy as np

        output = self._ocr(np.asarray(image.convert("RGB")))
        boxes = getattr(output, "boxes", None)
        texts = getattr(output, "txts", None)
        scores = getattr(output, "scores", None)
        if boxes is None or texts is None:
            return []
        words = []
        for quad, text, score in zip(boxes, texts, scores if scores is not None else [1.0] * len(texts)):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
            words.append(Word(str(text).strip(), float(score) * 100.0, box, 0))
        return group_into_lines([w for w in words if w.text])


def group_into_lines(words: list[Word]) -> list[Word]:
    """Assign line indices to boxes by vertical overlap (for engines that return
    unordered text boxes); returns the words in reading order."""
    ordered = sorted(words, key=lambda w: w.box[1] + w.box[3] / 2)
    lines: list[list[Word]] = []
    for word in ordered:
        centre = word.box[1] + word.box[3] / 2
        if lines:
            last = lines[-1]
            top = min(w.box[1] for w in last)
            bottom = max(w.box[1] + w.box[3] for w in last)
            overlap = min(bottom, word.box[1] + word.box[3]) - max(top, word.box[1])
            if top <= centre <= bottom or overlap > 0.5 * min(word.box[3], bottom - top):
                last.append(word)
                continue
        lines.append([word])
    result = []
    for index, line in enumerate(lines):
        for word in sorted(line, key=lambda w: w.box[0]):
            word.line = index
            result.append(word)
    return result
